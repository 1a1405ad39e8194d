"""The load order view: what the plan loads and deletes, in the order the relup does it.

One node per module step of the upgraded applications' appups (``update``,
``load_module``, ``add_module``, ``delete_module``), one node per application
that enters or leaves whole (``add_application`` loads all its modules and
starts it, ``remove_application`` stops it and removes them), and one per
``restart_application`` or emulator restart.  Nodes sit in one box per
application and are numbered in the order the relup's script first loads or
removes one of their modules (without a relup: the appups' order, entering
applications first and leaving ones last, as systools builds the script).

Arrows are the DepMods: an arrow goes from the step done first to the step
that needs it.  Going up a module's DepMods are done before it; going down
after it, so the arrows turn round and the numbering still runs along them.
Modules in a dependency cycle (a strongly connected group) are boxed together:
systools does them in one block.

A mix release's changed consolidated protocols sit in a box of their own,
"consolidated protocols": one node per protocol the relup's protocol step
reloads, loads or deletes (outside every appup, see ``upgrade.protocols``),
numbered where that step stands: after every application going up, right
after the point of no return going down.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz  # type: ignore[import-untyped]

from diffing.release import AppName, ModuleName
from diffing.terms import Atom, ErlList
from render import graph_style as gs
from render.graph_facts import (
    Direction,
    application_modules,
    application_version,
    direction_steps,
    entering_applications,
    leaving_applications,
    relup_script,
    upgrade_heading,
    versions,
)
from render.plan_words import ProtocolStep, protocol_steps
from upgrade import instructions as ins
from upgrade.dependencies import upgrade_order
from upgrade.plan import PlannedInstruction, UpgradePlan

LEGEND = (
    (gs.ADDED, "module added, or application started"),
    (gs.REMOVED, "module deleted, or application stopped"),
    (gs.LOADED, "load_module: code replaced, nothing suspended"),
    (gs.SUSPENDED, "update: processes suspended around the load"),
    (gs.SUPERVISOR_UPDATED, "supervisor update: init/1 re-runs"),
    (gs.RESTARTED, "restart_application: the application stops and starts again"),
    (gs.ARROW, "done first: the step it points to needs it (DepMods)"),
)
_CYCLE = {"style": "dashed,rounded", "color": "#c62828", "fontcolor": "#c62828"}
_APP_CLUSTER = {"style": "rounded", "color": "#9e9e9e", "labeljust": "l"}
# The protocols' box: two parts, so that no application (one part) can share its name.
_PROTOCOLS_GROUP = ("consolidated", "protocols")


@dataclass(frozen=True, slots=True)
class OrderNode:
    """One step of the order view: a module step, or a whole application."""

    key: tuple[str, ...]  # ("module", name) or ("application", name, what)
    application: AppName
    style: gs.Style
    name: str
    what: str
    members: tuple[ModuleName, ...]  # whose load or remove in the script places the node
    step: PlannedInstruction | None = None
    module: ModuleName | None = None  # for a module step
    protocol: bool = False  # a consolidated protocol, loaded by the relup's protocol step

    @property
    def group(self) -> tuple[str, ...]:
        """The box the node is drawn in: its application's, or the protocols' box."""
        return _PROTOCOLS_GROUP if self.protocol else (self.application,)


def order_nodes(plan: UpgradePlan, direction: Direction) -> tuple[OrderNode, ...]:
    """The view's nodes, in the order the relup runs them (numbered 1, 2, ... in the view)."""
    nodes = [
        _whole_application(plan, name, "enter") for name in entering_applications(plan, direction)
    ]
    for app_plan in plan.applications:
        for step in direction_steps(app_plan, direction):
            node = _step_node(plan, app_plan.name, step)
            if node is not None:
                nodes.append(node)
    nodes += [
        _whole_application(plan, name, "leave") for name in leaving_applications(plan, direction)
    ]
    switch = _protocol_switch(plan, direction)
    protocols = [] if switch is None else _protocol_nodes(switch)
    script = relup_script(plan, direction)
    if script is None:
        # The appups' order, as systools would build the script, and the protocols
        # where the relup puts them: last going up, first going down.
        return tuple([*nodes, *protocols] if direction == "up" else [*protocols, *nodes])
    modules, applications = _positions(script)
    switch_position = _position_of(script, switch)

    def place(node: OrderNode) -> int:
        """Where the script first touches the node: one of its modules, or its application."""
        if node.protocol:
            return switch_position
        found = [modules[module] for module in node.members if module in modules]
        if node.module is None and node.application in applications:
            found.append(applications[node.application])
        return min(found, default=len(script))

    return tuple(sorted([*nodes, *protocols], key=place))


def _protocol_switch(plan: UpgradePlan, direction: Direction) -> ProtocolStep | None:
    """The plan's step that switches the consolidated protocols in this direction."""
    found = protocol_steps(plan).values()
    return next((s for s in found if s.kind == "switch" and s.direction == direction), None)


def _protocol_nodes(switch: ProtocolStep) -> list[OrderNode]:
    """One node per protocol the switch reloads, loads or deletes, in name order."""
    source = f"from {switch.directory}"
    what = {
        **{name: (gs.LOADED, f"reloaded {source}") for name in switch.reloads},
        **{name: (gs.ADDED, f"loaded {source} (new in {switch.version})") for name in switch.adds},
        **{name: (gs.REMOVED, f"deleted (not in {switch.version})") for name in switch.deletes},
    }
    return [
        OrderNode(
            key=("protocol", name),
            application=AppName(""),
            style=style,
            name=gs.atom_text(name),
            what=text,
            members=(),
            step=switch.step,
            protocol=True,
        )
        for name, (style, text) in sorted(what.items())
    ]


def _position_of(script: Sequence[ins.LowLevelInstruction], switch: ProtocolStep | None) -> int:
    if switch is None or switch.step.instruction not in script:
        return len(script)
    return script.index(switch.step.instruction)


def _whole_application(plan: UpgradePlan, name: AppName, what: str) -> OrderNode:
    modules = application_modules(plan, name)
    count = f"{len(modules)} module{'s' if len(modules) != 1 else ''} ({gs.names_text(modules)})"
    entering = what == "enter"
    return OrderNode(
        key=("application", name, what),
        application=name,
        style=gs.ADDED if entering else gs.REMOVED,
        name=f"{gs.atom_text(name)} {application_version(plan, name)}",
        what=f"starts: {count} loaded, then the application started"
        if entering
        else f"stops: the application stopped, then {count} removed",
        members=modules,
    )


def _step_node(
    plan: UpgradePlan, application: AppName, step: PlannedInstruction
) -> OrderNode | None:
    instruction = step.instruction
    if isinstance(instruction, ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule):
        style, what = _module_step_text(instruction, step)
        return OrderNode(
            key=("module", instruction.module),
            application=application,
            style=style,
            name=gs.atom_text(instruction.module),
            what=what,
            members=(instruction.module,),
            step=step,
            module=instruction.module,
        )
    if isinstance(instruction, ins.RestartApplication):
        modules = application_modules(plan, application)
        return OrderNode(
            key=("application", application, "restart"),
            application=application,
            style=gs.RESTARTED,
            name=gs.atom_text(application),
            what=f"restart_application: stopped, {len(modules)} modules reloaded, started",
            members=modules,
            step=step,
        )
    return None


def _module_step_text(
    instruction: ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule,
    step: PlannedInstruction,
) -> tuple[gs.Style, str]:
    if isinstance(instruction, ins.Update):
        if instruction.module_type == "static" and instruction.extra is not None:
            return gs.SUPERVISOR_UPDATED, _suspending("supervisor update", step)
        change = "code_change" if instruction.extra is not None else "no code_change (soft)"
        return gs.SUSPENDED, _suspending(f"update with {change}", step)
    if isinstance(instruction, ins.LoadModule):
        return gs.LOADED, "load_module: code replaced, no process suspended"
    if isinstance(instruction, ins.AddModule):
        return gs.ADDED, "add_module: loaded, no process suspended"
    return gs.REMOVED, "delete_module: removed"


def _suspending(what: str, step: PlannedInstruction) -> str:
    if not step.suspends:
        return f"{what}; no running process lists it"
    return f"{what}; suspends {', '.join(step.suspends)}"


def _positions(
    script: Sequence[ins.LowLevelInstruction],
) -> tuple[dict[ModuleName, int], dict[str, int]]:
    """Where each module is first loaded or removed, and each application started or stopped."""
    modules: dict[ModuleName, int] = {}
    applications: dict[str, int] = {}
    for position, instruction in enumerate(script):
        if isinstance(instruction, ins.Load | ins.Remove):
            modules.setdefault(instruction.module, position)
        elif isinstance(instruction, ins.Apply) and instruction.module == "application":
            arguments = instruction.arguments
            if isinstance(arguments, ErlList) and arguments.items:
                first = arguments.items[0]
                if isinstance(first, Atom):
                    applications.setdefault(first.name, position)
    return modules, applications


def add_order_view(graph: graphviz.Digraph, plan: UpgradePlan, direction: Direction) -> None:
    """Draw the load order view of ``plan`` into ``graph``."""
    prefix = f"order{direction.capitalize()}"
    graph.node(gs.node_id(prefix, "legend"), gs.legend_label(LEGEND), shape="plain")
    nodes = order_nodes(plan, direction)
    if not nodes:
        text = "nothing to load or delete in this direction"
        graph.node(gs.node_id(prefix, "empty"), gs.html_label([gs.detail(text)]), shape="note")
        return
    cycles = _cycles(nodes)
    for group in _groups_in_order(nodes):
        members = [node for node in nodes if node.group == group]
        with graph.subgraph(name=gs.cluster_id(prefix, *group)) as cluster:
            cluster.attr(label=_group_heading(plan, group, direction), **_APP_CLUSTER)
            _add_members(cluster, prefix, nodes, members, cycles)
    identifiers = [gs.node_id(prefix, *node.key) for node in nodes]
    for first, then in itertools.pairwise(identifiers):
        graph.edge(first, then, style="invis", weight="5")
    for done_first, done_next in _dependency_edges(nodes, direction):
        graph.edge(gs.node_id(prefix, *done_first.key), gs.node_id(prefix, *done_next.key))


def _group_heading(plan: UpgradePlan, group: tuple[str, ...], direction: Direction) -> str:
    if group == _PROTOCOLS_GROUP:
        running, target = versions(plan, direction)
        when = (
            "after every application" if direction == "up" else "first after the point of no return"
        )
        subheading = f"outside the appups: one relup step, {when}"
        return gs.heading_label(f"consolidated protocols {running} -> {target}", subheading)
    return gs.heading_label(_app_heading(plan, AppName(group[0]), direction))


def _app_heading(plan: UpgradePlan, application: AppName, direction: Direction) -> str:
    app_plan = next((a for a in plan.applications if a.name == application), None)
    if app_plan is None:
        return f"{gs.atom_text(application)} {application_version(plan, application)}"
    return upgrade_heading(app_plan, direction)


def _groups_in_order(nodes: Sequence[OrderNode]) -> list[tuple[str, ...]]:
    seen: list[tuple[str, ...]] = []
    for node in nodes:
        if node.group not in seen:
            seen.append(node.group)
    return seen


def _add_members(
    graph: graphviz.Digraph,
    prefix: str,
    nodes: Sequence[OrderNode],
    members: Sequence[OrderNode],
    cycles: Sequence[tuple[ModuleName, ...]],
) -> None:
    """The application's nodes, the members of a cycle inside one box of their own."""
    numbers = {node.key: number for number, node in enumerate(nodes, start=1)}
    cycle_of = {module: cycle for cycle in cycles for module in cycle}
    drawn: set[tuple[str, ...]] = set()
    for node in members:
        if node.key in drawn:
            continue
        group: list[OrderNode]
        cycle = cycle_of.get(node.module) if node.module is not None else None
        group = [n for n in members if n.module is not None and n.module in (cycle or ())]
        if len(group) > 1:
            with graph.subgraph(name=gs.cluster_id(prefix, "cycle", *node.key)) as box:
                box.attr(label=gs.heading_label("dependency cycle: one block"), **_CYCLE)
                for member in group:
                    _add_node(box, prefix, member, numbers[member.key])
        else:
            group = [node]
            _add_node(graph, prefix, node, numbers[node.key])
        drawn.update(member.key for member in group)


def _add_node(graph: graphviz.Digraph, prefix: str, node: OrderNode, number: int) -> None:
    lines = [gs.title(f"{number}. {node.name}"), gs.detail(node.what, node.style.border)]
    attributes = node.style.attributes()
    if node.step is not None:
        attributes["tooltip"] = gs.tooltip(node.step.reason.text)
    graph.node(gs.node_id(prefix, *node.key), gs.html_label(lines), **attributes)


def _cycles(nodes: Sequence[OrderNode]) -> tuple[tuple[ModuleName, ...], ...]:
    """Strongly connected groups of the DepMods among the module nodes."""
    edges = {node.module: _dep_mods(node) for node in nodes if node.module is not None}
    return upgrade_order(edges, edges).cycles


def _dep_mods(node: OrderNode) -> tuple[ModuleName, ...]:
    instruction = None if node.step is None else node.step.instruction
    if isinstance(instruction, ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule):
        return instruction.dep_mods
    return ()


def _dependency_edges(
    nodes: Sequence[OrderNode], direction: Direction
) -> list[tuple[OrderNode, OrderNode]]:
    """DepMods as (done first, done next) pairs: the dependency first going up, last going down."""
    by_module = {node.module: node for node in nodes if node.module is not None}
    pairs = []
    for node in nodes:
        for dependency in _dep_mods(node):
            other = by_module.get(dependency)
            if other is None or other is node:
                continue
            pairs.append((other, node) if direction == "up" else (node, other))
    return pairs
