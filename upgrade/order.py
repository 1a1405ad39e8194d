"""Dependency order of update/load_module/delete_module instructions.

How systools orders them (``systools_rc:translate_dependent_instrs``), restated:

* Every update, load_module and delete_module of the merged "after" list is a
  vertex, keyed by its module and numbered 1, 2, ... in list order.  A second
  instruction for the same module is ``muldef_module``.
* ``DepMods`` are edges ``Mod -> Dep`` ("Mod depends on Dep"), added vertex by
  vertex in order; a ``Dep`` that is not a vertex is ``undef_module``.
* The graph falls apart into weak components.  Each becomes one block, emitted
  where its first member appears in the script.
* Inside a block, strongly connected components (cycles are fine) are listed in
  topological order of the condensation, so a module comes *before* the modules
  it depends on; members of one strongly connected component keep their
  instruction numbers' order.

The determinism rule (reference §4.10): when two strongly connected components
of one block are not ordered by any path, OTP's order depends on its VM's atom
table and is not reproducible.  relup then takes the component holding the
lowest instruction number first (Kahn's algorithm with that tie-break).  Where
the order is forced, this is exactly OTP's order.

Acyclic blocks (nearly all) are ordered by plain loops (``upgrade.acyclic``:
the same order); networkx is imported only for a block with a cycle, since
it costs ~0.1 s at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from diffing.release import ModuleName
from diffing.terms import Atom
from upgrade import instructions as ins
from upgrade.acyclic import acyclic_order, weak_components
from upgrade.rc_errors import rc_error


@dataclass(frozen=True, slots=True)
class DependencyBlocks:
    """For each module with a dependency instruction, its block in dependency order."""

    block_of_module: dict[ModuleName, tuple[ins.DependencyInstruction, ...]]


def is_dependency_instruction(instruction: ins.Instruction) -> bool:
    return isinstance(instruction, ins.Update | ins.LoadModule | ins.DeleteModule)


def dependency_blocks(after: Sequence[ins.Instruction]) -> DependencyBlocks:
    """Group the dependency instructions of ``after`` into ordered blocks.

    Raises ``muldef_module`` and ``undef_module`` exactly where systools does.
    """
    numbered: dict[ModuleName, tuple[int, ins.DependencyInstruction]] = {}
    dependency_instructions = [i for i in after if is_dependency_instruction(i)]
    for number, instruction in enumerate(dependency_instructions, start=1):
        assert isinstance(instruction, ins.Update | ins.LoadModule | ins.DeleteModule)
        if instruction.module in numbered:
            raise rc_error("muldef_module", Atom(instruction.module))
        numbered[instruction.module] = (number, instruction)
    if not numbered:
        return DependencyBlocks({})
    for _, instruction in numbered.values():
        for dependency in instruction.dep_mods:
            if dependency not in numbered:
                raise rc_error("undef_module", Atom(dependency))
    return DependencyBlocks(_blocks(numbered))


def _blocks(
    numbered: dict[ModuleName, tuple[int, ins.DependencyInstruction]],
) -> dict[ModuleName, tuple[ins.DependencyInstruction, ...]]:
    successors = {
        module: set(instruction.dep_mods) for module, (_, instruction) in numbered.items()
    }
    block_of_module: dict[ModuleName, tuple[ins.DependencyInstruction, ...]] = {}
    for component in weak_components(numbered, successors):
        if len(component) == 1:
            (module,) = component
            block_of_module[module] = (numbered[module][1],)
            continue
        order = acyclic_order(component, successors, key=lambda module: numbered[module][0])
        if order is not None:
            block = tuple(numbered[module][1] for module in order)
        else:
            block = _order_component(component, successors, numbered)
        for module in component:
            block_of_module[module] = block
    return block_of_module


def _order_component(
    component: Sequence[ModuleName],
    successors: dict[ModuleName, set[ModuleName]],
    numbered: dict[ModuleName, tuple[int, ins.DependencyInstruction]],
) -> tuple[ins.DependencyInstruction, ...]:
    """A component with a cycle: strongly connected components, condensed (networkx)."""
    import networkx as nx

    graph: nx.DiGraph[ModuleName] = nx.DiGraph()
    graph.add_nodes_from(component)
    graph.add_edges_from(
        (module, dependency) for module in component for dependency in successors[module]
    )
    by_number = {number: instruction for number, instruction in numbered.values()}
    condensed = nx.condensation(graph)
    members = {
        node: sorted(numbered[module][0] for module in data["members"])
        for node, data in condensed.nodes(data=True)
    }
    order = nx.lexicographical_topological_sort(condensed, key=lambda node: members[node][0])
    return tuple(by_number[number] for node in order for number in members[node])
