"""DepMods from the modules each module calls (ImpT), and the order of an appup's module steps.

What DepMods mean to systools: ``Mod`` depends on each module in its DepMods;
on upgrade the DepMods are loaded before ``Mod``, on downgrade after it, and
all instructions linked by DepMods are done in one block with one suspend
window (reference §4.8-4.9).  A DepMods entry without an instruction of its
own anywhere in the relup is an error (``undef_module``).

The edges, in upgrade terms ("A needs B done first"):

* a module loaded by the upgrade (changed or added) needs the modules its new
  code calls;
* a module deleted by the upgrade needs the modules that called it in the old
  code to be loaded first: they must stop calling it before it goes.

Each edge is kept only when both ends have a dependency instruction in the
relup's same direction (upgraded applications only: the modules of an
application being added are loaded earlier by ``add_application`` anyway,
and those of one being removed are no dependency nodes at all).  A module
being loaded never depends on a module being deleted.

The downgrade carries the same DepMods: systools loads in the reverse order
going down, so the downgrade passes through the upgrade's intermediate states
backwards.  A module added back (removed going up) is loaded before the old
callers that need it, and a module deleted going down (added going up) goes
after its callers have been reverted.

The appup lists the steps in dependency order, ties broken by module name:
strongly connected components (cycles) of the condensed graph are listed
dependencies first, each component's members by name, contiguously.  Then
each weak component (a block for systools) is gathered where its first
member stands, which is where systools runs it.  The downgrade lists the
steps in the reverse order.

Acyclic graphs (nearly all) are ordered by plain loops (``upgrade.acyclic``,
the same order); networkx is imported only to condense cycles.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from diffing.code_facts import ModuleFacts
from diffing.release import ModuleName
from upgrade.acyclic import acyclic_order, weak_components

StepKind = Literal["load", "delete"]


@dataclass(frozen=True, slots=True)
class ModuleOrder:
    """The module steps of one appup in upgrade order, and the cycles met."""

    modules: tuple[ModuleName, ...]
    cycles: tuple[tuple[ModuleName, ...], ...]


def dependency_edges(
    steps: Mapping[ModuleName, StepKind],
    eligible: Mapping[ModuleName, StepKind],
    callers_in_old: Mapping[ModuleName, Sequence[ModuleName]],
    new_facts: Mapping[ModuleName, ModuleFacts],
    extra: Mapping[ModuleName, Sequence[ModuleName]],
) -> dict[ModuleName, tuple[ModuleName, ...]]:
    """Upgrade DepMods for each module of ``steps``, sorted.

    Args:
        steps: this application's modules and whether the upgrade loads or deletes them.
        eligible: every module with a dependency instruction in the relup (this direction).
        callers_in_old: the old release's :func:`callers_index`.
        new_facts: every module of the new release, by name.
        extra: DepMods added by ``relup.yaml`` (already checked against ``eligible``).
    """
    edges: dict[ModuleName, tuple[ModuleName, ...]] = {}
    for module, kind in steps.items():
        if kind == "load":
            facts = new_facts.get(module)
            calls = () if facts is None else facts.calls
            needed = {callee for callee in calls if eligible.get(callee) == "load"}
        else:
            needed = {caller for caller in callers_in_old.get(module, ()) if caller in eligible}
        needed.update(dependency for dependency in extra.get(module, ()) if dependency in eligible)
        needed.discard(module)
        edges[module] = tuple(sorted(needed))
    return edges


def callers_index(
    facts: Iterable[ModuleFacts], callees: Collection[ModuleName]
) -> dict[ModuleName, list[ModuleName]]:
    """Who calls each of ``callees``: the names of the modules in ``facts`` whose code
    names it, in the order met (a callee nobody calls is left out).

    Built once per release, for the modules the planner asks about (the
    removed ones): scanning a whole release per application made planning
    quadratic, and indexing every callee cost more than the scan.
    """
    wanted = frozenset(callees)
    callers: dict[ModuleName, list[ModuleName]] = {}
    for module in facts:
        if wanted.isdisjoint(module.calls):
            continue
        for callee in module.calls:
            if callee in wanted:
                callers.setdefault(callee, []).append(module.name)
    return callers


def upgrade_order(
    modules: Iterable[ModuleName], edges: Mapping[ModuleName, Sequence[ModuleName]]
) -> ModuleOrder:
    """``modules`` with every module after the modules it depends on, ties by name.

    >>> upgrade_order(["a", "b", "c"], {"a": ["c"], "c": ["b"]}).modules
    ('b', 'c', 'a')
    """
    names = sorted(set(modules))
    members = set(names)
    successors: dict[ModuleName, set[ModuleName]] = {name: set() for name in names}
    for module in names:
        for dependency in edges.get(module, ()):
            if dependency in members and dependency != module:
                successors[dependency].add(module)  # dependency first
    listed = acyclic_order(names, successors, key=str)
    cycles: tuple[tuple[ModuleName, ...], ...] = ()
    if listed is None:
        listed, cycles = _condensed_order(names, successors)
    return ModuleOrder(_blocks_together(listed, names, successors), cycles)


def _condensed_order(
    names: Sequence[ModuleName], successors: Mapping[ModuleName, set[ModuleName]]
) -> tuple[list[ModuleName], tuple[tuple[ModuleName, ...], ...]]:
    """The order when there are cycles: strongly connected components condensed (networkx)."""
    import networkx as nx

    graph: nx.DiGraph[ModuleName] = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((module, later) for module in names for later in successors[module])
    condensed = nx.condensation(graph)
    component_members = {
        node: tuple(sorted(data["members"])) for node, data in condensed.nodes(data=True)
    }
    order = nx.lexicographical_topological_sort(
        condensed, key=lambda node: component_members[node][0]
    )
    listed = [module for node in order for module in component_members[node]]
    cycles = tuple(sorted(group for group in component_members.values() if len(group) > 1))
    return listed, cycles


def _blocks_together(
    listed: Sequence[ModuleName],
    names: Sequence[ModuleName],
    successors: Mapping[ModuleName, set[ModuleName]],
) -> tuple[ModuleName, ...]:
    """Each weak component's members moved up to where its first member stands.

    That is where systools runs the whole component, so the appup reads in
    the order things happen; no edge links two components, so the
    dependency order survives.
    """
    component_of: dict[ModuleName, int] = {}
    for number, component in enumerate(weak_components(names, successors)):
        component_of.update(dict.fromkeys(component, number))
    grouped: dict[int, list[ModuleName]] = {}
    for module in listed:
        grouped.setdefault(component_of[module], []).append(module)
    return tuple(module for members in grouped.values() for module in members)
