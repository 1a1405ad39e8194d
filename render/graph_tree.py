"""The supervision tree view: NEW's supervisors and children, marked with what the plan does.

One box per upgraded application.  Its supervisors and their children come
from the child specs the supervisors' ``init/1`` returns literally (as read
from NEW's beams); a child whose spec names another supervisor of the
application is drawn with that supervisor's own children under it.  Children
that exist only in OLD hang from their supervisor with a dashed edge.

Each process is marked with what this direction does to it: started or
stopped by an apply step, suspended while the code of a module in its spec
changes, or left alone; a supervisor whose module is updated re-runs
``init/1``.  Modules whose code changes without any process being suspended
(libraries, added and deleted modules) are listed in a note of the
application.  Applications that are added, removed or unchanged get one line
each, since relup reads no code of theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import graphviz  # type: ignore[import-untyped]

from diffing.changes import ChildChange
from diffing.code_facts import AppCode, ChildSpec, SupervisorFacts
from diffing.release import ModuleName
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term
from render import graph_style as gs
from render.graph_facts import (
    Direction,
    direction_steps,
    matches_label,
    suspended_labels,
    upgrade_heading,
)
from render.graph_tree_notes import CLUSTER, add_module_note, add_other_applications
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, UpgradePlan
from upgrade.processes import child_label

LEGEND = (
    (gs.SUPERVISOR_UPDATED, "supervisor updated: suspended, new code, init/1 re-runs"),
    (gs.SUSPENDED, "process suspended while its module's code changes"),
    (gs.ADDED, "child started by this upgrade"),
    (gs.REMOVED, "child stopped by this upgrade"),
    ("- - " + gs.ARROW, "a child only the old release has"),
    (gs.SPEC_CHANGED, "child spec changed: the running process is kept"),
    (gs.RESTARTED, "restarted with its application or the emulator"),
    (gs.LOADED, "code changed without suspending any process"),
    (gs.UNCHANGED, "left alone"),
)


@dataclass(frozen=True, slots=True)
class _AppContext:
    """One application's facts the tree is drawn from, for one direction."""

    prefix: str
    direction: Direction
    plan: AppPlan
    steps: tuple[PlannedInstruction, ...]
    supervisors: Mapping[ModuleName, SupervisorFacts]
    child_changes: tuple[ChildChange, ...]
    suspended: Mapping[str, tuple[ModuleName, ...]]


def add_tree_view(graph: graphviz.Digraph, plan: UpgradePlan, direction: Direction) -> None:
    """Draw the supervision tree view of ``plan`` into ``graph``."""
    prefix = f"tree{direction.capitalize()}"
    graph.node(gs.node_id(prefix, "legend"), gs.legend_label(_legend(direction)), shape="plain")
    for app_plan in plan.applications:
        _add_application(graph, plan, app_plan, direction, prefix)
    add_other_applications(graph, plan, direction, prefix)


def _legend(direction: Direction) -> tuple[tuple[gs.Style | str, str], ...]:
    if direction == "up":
        return LEGEND
    return tuple((style, text.replace("upgrade", "downgrade")) for style, text in LEGEND)


def _add_application(
    graph: graphviz.Digraph,
    plan: UpgradePlan,
    app_plan: AppPlan,
    direction: Direction,
    prefix: str,
) -> None:
    code = plan.diff.new.application(app_plan.name)
    app_diff = plan.diff.application(app_plan.name)
    steps = direction_steps(app_plan, direction)
    context = _AppContext(
        prefix=prefix,
        direction=direction,
        plan=app_plan,
        steps=steps,
        supervisors=_supervisors(code),
        child_changes=app_diff.children if app_diff is not None else (),
        suspended=suspended_labels(steps),
    )
    with graph.subgraph(name=gs.cluster_id(prefix, app_plan.name)) as cluster:
        heading = upgrade_heading(app_plan, direction)
        cluster.attr(label=gs.heading_label(heading, _verdict_text(app_plan)), **CLUSTER)
        for root in _roots(context.supervisors):
            _add_supervisor(cluster, context, (prefix, app_plan.name, root), root, None, ())
        note = gs.node_id(prefix, app_plan.name, "modules")
        add_module_note(cluster, note, steps, code)


def _verdict_text(app_plan: AppPlan) -> str:
    source = "hand-written appup" if app_plan.source == "hand-written" else "generated appup"
    return f"{app_plan.verdict.replace('_', ' ')} ({source})"


def _supervisors(code: AppCode | None) -> dict[ModuleName, SupervisorFacts]:
    if code is None:
        return {}
    return {facts.name: facts.supervisor for facts in code.modules if facts.supervisor}


def _roots(supervisors: Mapping[ModuleName, SupervisorFacts]) -> list[ModuleName]:
    """Supervisors no child spec of the application starts: the tops of its trees."""
    started = {
        child
        for facts in supervisors.values()
        for spec in facts.child_specs
        if (child := _child_supervisor(spec, supervisors)) is not None
    }
    roots = sorted(name for name in supervisors if name not in started)
    return roots or sorted(supervisors)  # supervisors starting each other: show them all


def _child_supervisor(
    spec: ChildSpec, supervisors: Mapping[ModuleName, SupervisorFacts]
) -> ModuleName | None:
    """The supervisor module of this application that ``spec`` starts, if any."""
    candidates = list(spec.modules) if isinstance(spec.modules, tuple) else []
    if spec.start_module is not None:
        candidates.append(spec.start_module)
    return next((name for name in candidates if name in supervisors), None)


def _add_supervisor(
    graph: graphviz.Digraph,
    context: _AppContext,
    parts: tuple[str, ...],
    module: ModuleName,
    held_as: tuple[ModuleName, ChildSpec] | None,
    ancestors: tuple[ModuleName, ...],
) -> str:
    """Draw supervisor ``module`` and its children.

    ``held_as`` is the parent supervisor and the spec it starts ``module``
    with; None for a top supervisor.
    """
    facts = context.supervisors[module]
    identifier = gs.node_id(*parts)
    style, status = _restarted(context) or _supervisor_status(context, module, facts, held_as)
    lines = [
        gs.title(gs.atom_text(module)),
        gs.detail(_supervisor_kind(module, facts, held_as is None)),
    ]
    lines += [gs.detail(text, style.border) for text in status]
    # Square corners tell supervisors from workers at a glance.
    graph.node(identifier, gs.html_label(lines), shape="box", **style.attributes(rounded=False))
    if module in ancestors:
        return identifier  # a supervisor starting itself again: drawn once per path
    for child in facts.child_specs:
        child_id = _add_child(graph, context, parts, module, child, (*ancestors, module))
        graph.edge(identifier, child_id)
    for change in _removed_children(context, module):
        child_id = _add_removed_child(graph, context, parts, change)
        graph.edge(identifier, child_id, style="dashed", color=gs.REMOVED.border)
    return identifier


def _supervisor_kind(module: ModuleName, facts: SupervisorFacts, root: bool) -> str:
    kind = "top supervisor" if root else "supervisor"
    if facts.elixir_inline:
        kind += " (Elixir, children given inline)"
    if facts.registered_name is None:
        kind += ", not registered"
    elif facts.registered_name != module:
        kind += f", registered as {gs.atom_text(facts.registered_name)}"
    return kind


def _restarted(context: _AppContext) -> tuple[gs.Style, list[str]] | None:
    """Every process of an application that restarts (or of a node that does) restarts."""
    for step in context.steps:
        if isinstance(step.instruction, ins.RestartApplication):
            return gs.RESTARTED, ["restarted with its application"]
        if isinstance(step.instruction, ins.RestartNewEmulator | ins.RestartEmulator):
            return gs.RESTARTED, ["restarted with the emulator"]
    return None


def _supervisor_status(
    context: _AppContext,
    module: ModuleName,
    facts: SupervisorFacts,
    held_as: tuple[ModuleName, ChildSpec] | None,
) -> tuple[gs.Style, list[str]]:
    updated = _updates(context.steps, module)
    if held_as is not None:
        style, status = _child_status(context, *held_as, updated_itself=module if updated else None)
    else:
        style, status = gs.UNCHANGED, []
        suspenders = [m for m in _suspenders(context, module) if m != module]
        if suspenders:
            status.append(f"suspended while {gs.names_text(suspenders)} is updated")
            style = gs.SUSPENDED
    if updated:
        status.insert(0, "updated: init/1 re-runs, giving the target version's child specs")
        style = gs.SUPERVISOR_UPDATED if style in (gs.UNCHANGED, gs.SUSPENDED) else style
    if not facts.specs_complete:
        status.append("some child specs could not be read: children may be missing")
    return style, status


def _add_child(
    graph: graphviz.Digraph,
    context: _AppContext,
    parent_parts: tuple[str, ...],
    supervisor: ModuleName,
    spec: ChildSpec,
    ancestors: tuple[ModuleName, ...],
) -> str:
    parts = (*parent_parts, _id_key(spec.id))
    nested = _child_supervisor(spec, context.supervisors)
    if nested is not None:
        return _add_supervisor(graph, context, parts, nested, (supervisor, spec), ancestors)
    style, status = _restarted(context) or _child_status(context, supervisor, spec)
    lines = [gs.title(_id_text(spec.id)), gs.detail(_worker_kind(spec))]
    lines += [gs.detail(text, style.border) for text in status]
    identifier = gs.node_id(*parts)
    graph.node(identifier, gs.html_label(lines), **style.attributes())
    return identifier


def _worker_kind(spec: ChildSpec) -> str:
    kind: str = spec.type or "child"
    if spec.modules == "dynamic":
        return f"{kind}, modules found at run time (event manager)"
    if isinstance(spec.modules, tuple) and spec.modules:
        kind += f" running {gs.names_text(spec.modules)}"
    if not spec.literal:
        kind += " (spec not fully literal)"
    return kind


def _child_status(
    context: _AppContext,
    supervisor: ModuleName,
    spec: ChildSpec,
    updated_itself: ModuleName | None = None,
) -> tuple[gs.Style, list[str]]:
    """The child's style and status lines; a supervisor's own update is said elsewhere."""
    change = _child_change(context, supervisor, spec.id)
    status = _apply_texts(context, supervisor, spec)
    process = child_label(supervisor, spec.id)
    suspenders = [m for m in _suspenders(context, process) if m != updated_itself]
    if suspenders:
        status.append(f"suspended while {gs.names_text(suspenders)} is updated")
    loaded = _loaded_in_spec(context, spec)
    if loaded and not suspenders:
        status.append(f"runs new code of {gs.names_text(loaded)} without being suspended")
    if change == "added":
        started = context.direction == "up"
        new_in = f"child new in {context.plan.new_vsn}"
        return (gs.ADDED if started else gs.REMOVED), [new_in, *status]
    if change == "changed":
        return gs.SPEC_CHANGED, ["child spec changed", *status]
    if suspenders:
        return gs.SUSPENDED, status
    return (gs.LOADED if loaded else gs.UNCHANGED), status


def _add_removed_child(
    graph: graphviz.Digraph,
    context: _AppContext,
    parent_parts: tuple[str, ...],
    change: ChildChange,
) -> str:
    """A child only OLD has: stopped going up, started again going down."""
    style = gs.REMOVED if context.direction == "up" else gs.ADDED
    lines = [gs.title(_id_text(change.child_id))]
    lines.append(gs.detail(f"child gone in {context.plan.new_vsn}", style.border))
    if change.old is not None:
        lines.insert(1, gs.detail(_worker_kind(change.old)))
        applied = _apply_texts(context, change.supervisor, change.old)
        lines += [gs.detail(text, style.border) for text in applied]
    identifier = gs.node_id(*parent_parts, "removed", _id_key(change.child_id))
    attributes = style.attributes()
    attributes["style"] += ",dashed"
    graph.node(identifier, gs.html_label(lines), **attributes)
    return identifier


def _removed_children(context: _AppContext, supervisor: ModuleName) -> list[ChildChange]:
    return [
        change
        for change in context.child_changes
        if change.supervisor == supervisor and change.kind == "removed"
    ]


def _child_change(context: _AppContext, supervisor: ModuleName, child_id: Term) -> str | None:
    for change in context.child_changes:
        if change.supervisor == supervisor and change.child_id == child_id:
            return change.kind
    return None


_APPLY_VERBS = {
    "restart_child": "started (supervisor:restart_child)",
    "start_child": "started from its spec (supervisor:start_child)",
    "terminate_child": "stopped (supervisor:terminate_child)",
    "delete_child": "spec deleted (supervisor:delete_child)",
}


def _apply_texts(context: _AppContext, supervisor: ModuleName, spec: ChildSpec) -> list[str]:
    """What this direction's apply steps do to the child ``spec`` of ``supervisor``.

    The steps address the supervisor by its registered name, and the child by
    its id (or, for ``start_child``, by its whole spec).
    """
    facts = context.supervisors.get(supervisor)
    if facts is None or facts.registered_name is None:
        return []
    address = Atom(facts.registered_name)
    texts = []
    for step in context.steps:
        instruction = step.instruction
        if not isinstance(instruction, ins.Apply) or instruction.module != "supervisor":
            continue
        arguments = instruction.arguments
        if not isinstance(arguments, ErlList) or len(arguments.items) != 2:
            continue
        target, child = arguments.items
        if target == address and child in (spec.id, spec.term):
            texts.append(_APPLY_VERBS.get(instruction.function, instruction.function))
    return texts


def _suspenders(context: _AppContext, process: str) -> list[ModuleName]:
    modules: list[ModuleName] = []
    for label, suspending in sorted(context.suspended.items()):
        if matches_label(label, process):
            modules.extend(module for module in suspending if module not in modules)
    return modules


def _loaded_in_spec(context: _AppContext, spec: ChildSpec) -> list[ModuleName]:
    if not isinstance(spec.modules, tuple):
        return []
    loaded = {
        step.instruction.module
        for step in context.steps
        if isinstance(step.instruction, ins.LoadModule)
    }
    return [module for module in spec.modules if module in loaded]


def _updates(steps: Sequence[PlannedInstruction], module: ModuleName) -> bool:
    return any(
        isinstance(step.instruction, ins.Update) and step.instruction.module == module
        for step in steps
    )


def _id_key(child_id: Term) -> str:
    """The child id in full, on one line: part of the node id, so it must stay distinct."""
    return format_term(child_id, 10**9)


def _id_text(child_id: Term) -> str:
    """The child id as a label shows it: as Erlang writes it, a long term cut short."""
    text = _id_key(child_id)
    if isinstance(child_id, Atom):
        return text  # a name: shown whole, as every other name is
    return text if len(text) <= 60 else text[:57] + "..."
