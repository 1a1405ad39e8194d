"""Starting and stopping supervisor children that appear or disappear between versions.

``{update, Sup, supervisor}`` re-runs ``init/1`` and hands the new specs to
the running supervisor, but it starts and stops nothing: a spec that appears
is added without starting its child, and a spec that disappears is kept with
its child running (reference §5.2).  So, per application:

* a child new in NEW: ``supervisor:restart_child(Sup, Id)`` *after* the
  module instructions (the supervisor's update, the child's module loaded);
  on downgrade ``terminate_child`` + ``delete_child`` *before* them;
* a child gone in NEW: ``terminate_child`` + ``delete_child`` *before* the
  module instructions (before its module is deleted); on downgrade
  ``restart_child`` after them;
* a changed spec is replaced in place: the running child keeps its process
  until its next restart (warned).

Elixir supervisors started inline (``Supervisor.start_link(children, opts)``)
run the callback ``Supervisor.Default``: updating the module that built the
children re-runs nothing.  Their children are added with
``supervisor:start_child(Sup, Spec)`` from the literal spec (Elixir's
``Supervisor.start_child/2`` for a shorthand ``Mod`` or ``{Mod, Arg}``, which
only it expands), removed with terminate + delete, and a changed child is
replaced by both.

All of these address the supervisor by its registered name.  A supervisor
without one (or whose name changed) cannot be addressed from an appup, and
neither can an inline child whose spec is not literal: those make the
application's verdict ``restart_application``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from diffing.changes import ChildChange
from diffing.code_facts import ModuleFacts, SupervisorFacts
from diffing.release import AppName, ModuleName
from diffing.terms import Atom, Term, erl_list
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, PlanWarning, Reason
from upgrade.processes import child_label


@dataclass(frozen=True, slots=True)
class ChildSteps:
    """Apply steps placed before and after an application's module instructions."""

    up_before: tuple[PlannedInstruction, ...] = ()
    up_after: tuple[PlannedInstruction, ...] = ()
    down_before: tuple[PlannedInstruction, ...] = ()
    down_after: tuple[PlannedInstruction, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()
    restart_reasons: tuple[str, ...] = ()


@dataclass(slots=True)
class _Builder:
    application: AppName
    new_vsn: str
    up_before: list[PlannedInstruction] = field(default_factory=list)
    up_after: list[PlannedInstruction] = field(default_factory=list)
    down_before: list[PlannedInstruction] = field(default_factory=list)
    down_after: list[PlannedInstruction] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)
    restart_reasons: list[str] = field(default_factory=list)

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(PlanWarning(code, self.application, message))

    def build(self) -> ChildSteps:
        return ChildSteps(
            tuple(self.up_before),
            tuple(self.up_after),
            tuple(self.down_before),
            tuple(self.down_after),
            tuple(self.warnings),
            tuple(self.restart_reasons),
        )


def plan_children(
    application: AppName,
    new_vsn: str,
    children: Sequence[ChildChange],
    old_modules: Mapping[ModuleName, ModuleFacts],
    new_modules: Mapping[ModuleName, ModuleFacts],
) -> ChildSteps:
    """The start/stop steps for one application's child changes, grouped by supervisor."""
    builder = _Builder(application, new_vsn)
    by_supervisor: dict[ModuleName, list[ChildChange]] = {}
    for change in children:
        by_supervisor.setdefault(change.supervisor, []).append(change)
    for supervisor in sorted(by_supervisor):
        old, new = old_modules.get(supervisor), new_modules.get(supervisor)
        if old is None or new is None or old.supervisor is None or new.supervisor is None:
            continue  # a supervisor added or removed takes its children with it
        _plan_supervisor(builder, new, old.supervisor, new.supervisor, by_supervisor[supervisor])
    return builder.build()


def unreadable_spec_warnings(
    application: AppName, changed_supervisors: Iterable[ModuleFacts]
) -> tuple[PlanWarning, ...]:
    """One warning per changed supervisor whose child specs are not all literal."""
    return tuple(
        PlanWarning(
            "child-specs-not-static",
            application,
            f"supervisor {facts.name} changed but its child specs could not all be read "
            "statically: children it adds or removes are not started or stopped by this plan; "
            "add apply steps in relup.yaml if they changed",
        )
        for facts in changed_supervisors
        if facts.supervisor is not None and not facts.supervisor.specs_complete
    )


def _plan_supervisor(
    builder: _Builder,
    facts: ModuleFacts,
    old: SupervisorFacts,
    new: SupervisorFacts,
    changes: Sequence[ChildChange],
) -> None:
    supervisor = facts.name
    name = _address(builder, supervisor, old, new)
    if new.elixir_inline:
        builder.warn(
            "elixir-inline-supervisor",
            f"{supervisor} starts an inline Elixir supervisor (callback Supervisor.Default): "
            "{update, M, supervisor} would not re-read its children, so they are started "
            "with supervisor:start_child/2 and stopped with terminate_child/delete_child",
        )
    if name is None:
        return
    for change in reversed(changes):  # stop in the reverse of start order
        _plan_stop(builder, supervisor, name, change, new.elixir_inline)
    for change in changes:
        _plan_start(builder, supervisor, name, change, new.elixir_inline)


def _address(
    builder: _Builder, supervisor: ModuleName, old: SupervisorFacts, new: SupervisorFacts
) -> str | None:
    """The registered name both versions agree on, else a restart reason."""
    if new.registered_name is None or old.registered_name is None:
        builder.restart_reasons.append(
            f"supervisor {supervisor} adds or removes children but has no registered name "
            "({local, Name}), so no appup step can address it"
        )
        return None
    if old.registered_name != new.registered_name:
        builder.restart_reasons.append(
            f"supervisor {supervisor} adds or removes children and its registered name changed "
            f"({old.registered_name} -> {new.registered_name}): the running one keeps the old name"
        )
        return None
    return new.registered_name


def _plan_stop(
    builder: _Builder, supervisor: ModuleName, name: str, change: ChildChange, inline: bool
) -> None:
    label = child_label(supervisor, change.child_id)
    vsn = builder.new_vsn
    if change.kind == "removed":
        text = (
            f"child {label} removed in {vsn}: stopped and its spec deleted before the module "
            "instructions (a supervisor's code_change keeps specs that disappeared)"
        )
        builder.up_before.extend(_stop(name, change.child_id, Reason("child-removed", text)))
    elif change.kind == "added":
        text = f"child {label} added in {vsn}: stopped and its spec deleted before the downgrade"
        builder.down_before.extend(_stop(name, change.child_id, Reason("child-added", text)))
    elif inline:
        text = f"child {label} of an inline supervisor changed in {vsn}: stopped, then restarted"
        reason = Reason("child-changed-inline", text)
        builder.up_before.extend(_stop(name, change.child_id, reason))
        builder.down_before.extend(_stop(name, change.child_id, reason))


def _plan_start(
    builder: _Builder, supervisor: ModuleName, name: str, change: ChildChange, inline: bool
) -> None:
    label = child_label(supervisor, change.child_id)
    vsn = builder.new_vsn
    if change.kind == "added":
        text = f"child {label} added in {vsn}: started once its supervisor has its spec"
        _start(builder, builder.up_after, name, change, "new", Reason("child-added", text), inline)
    elif change.kind == "removed":
        text = f"child {label} removed in {vsn}: started again once the downgrade is loaded"
        reason = Reason("child-removed", text)
        _start(builder, builder.down_after, name, change, "old", reason, inline)
    elif inline:
        text = f"child {label} of an inline supervisor changed in {vsn}: restarted with its spec"
        reason = Reason("child-changed-inline", text)
        _start(builder, builder.up_after, name, change, "new", reason, inline)
        _start(builder, builder.down_after, name, change, "old", reason, inline)
        builder.warn(
            "child-restarted",
            f"child {label} changed in an inline supervisor: it is stopped and started again "
            "with its new spec (its process state is lost)",
        )
    else:
        builder.warn(
            "child-spec-changed",
            f"child {label}'s spec changed: {supervisor}'s code_change replaces the spec, but "
            "the running child keeps its process; the new spec applies from its next restart",
        )


def _start(
    builder: _Builder,
    target: list[PlannedInstruction],
    name: str,
    change: ChildChange,
    side: str,
    reason: Reason,
    inline: bool,
) -> None:
    if not inline:
        call = _supervisor_call("restart_child", name, change.child_id)
        target.append(PlannedInstruction(call, reason))
        return
    spec = change.new if side == "new" else change.old
    if spec is None or not spec.literal:
        builder.restart_reasons.append(
            f"child {child_label(change.supervisor, change.child_id)} of an inline supervisor "
            "has no literal child spec to start it with"
        )
        return
    call = _supervisor_call("start_child", name, spec.term)
    if spec.elixir_shorthand:
        # Only Elixir's Supervisor.start_child/2 expands {Mod, Arg} with Mod.child_spec/1.
        call = ins.Apply("Elixir.Supervisor", "start_child", call.arguments)
    target.append(PlannedInstruction(call, reason))


def _stop(name: str, child_id: Term, reason: Reason) -> list[PlannedInstruction]:
    return [
        PlannedInstruction(_supervisor_call("terminate_child", name, child_id), reason),
        PlannedInstruction(_supervisor_call("delete_child", name, child_id), reason),
    ]


def _supervisor_call(function: str, name: str, argument: Term) -> ins.Apply:
    return ins.Apply("supervisor", function, erl_list(Atom(name), argument))
