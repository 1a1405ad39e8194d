"""One upgraded application, from its diff to its ``AppPlan``: drafted first, finished once
the whole relup's dependency instructions are known (DepMods may cross applications).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from diffing.changes import AppDiff, ReleaseDiff
from diffing.code_facts import ModuleFacts
from diffing.release import ModuleName
from diffing.terms import Atom, Term
from upgrade import instructions as ins
from upgrade.children import ChildSteps, plan_children, unreadable_spec_warnings
from upgrade.dependencies import StepKind, dependency_edges, upgrade_order
from upgrade.handwritten import (
    HandWrittenScripts,
    hand_written_verdict,
    is_hand_written,
    read_hand_written,
)
from upgrade.options import AppOverride, Overrides, PlanOptions
from upgrade.plan import AppPlan, AppupSource, PlannedInstruction, PlanWarning, Reason, Verdict
from upgrade.planning_rules import ModuleContext, ModuleSteps, Step, plan_module
from upgrade.processes import ProcessIndex, suspended_by
from upgrade.verdicts import (
    CORE_APPLICATIONS,
    ELIXIR_APPLICATIONS,
    app_restart_reasons,
    elixir_restart_plan,
)

DraftSource = Literal["generated", "hand-written", "core", "restart"]
Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class AppDraft:
    """An upgraded application's appup before DepMods, order and suspends are known."""

    app: AppDiff
    source: DraftSource
    modules: tuple[ModuleSteps, ...] = ()
    children: ChildSteps = field(default_factory=ChildSteps)
    extra_steps: AppOverride | None = None
    extra_dep_mods: Mapping[ModuleName, tuple[ModuleName, ...]] = field(default_factory=dict)
    hand_written: HandWrittenScripts | None = None
    appup_path: Path | None = None
    restart_reasons: tuple[str, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()

    @property
    def needs_restart(self) -> bool:
        return self.source == "generated" and bool(self.restart_reasons)

    def as_restart(self) -> AppDraft:
        # The module and child warnings no longer apply to a restarted application.
        return replace(self, source="restart", warnings=())


@dataclass(frozen=True, slots=True)
class Eligible:
    """Modules with a dependency instruction in the relup, per direction."""

    up: Mapping[ModuleName, StepKind]
    down: Mapping[ModuleName, StepKind]


@dataclass(frozen=True, slots=True)
class FinishedApp:
    plan: AppPlan
    warnings: tuple[PlanWarning, ...]


def draft_application(
    app: AppDiff,
    diff: ReleaseDiff,
    options: PlanOptions,
    old_facts: Mapping[ModuleName, ModuleFacts],
    new_facts: Mapping[ModuleName, ModuleFacts],
) -> AppDraft:
    new_app = diff.new.release.application(app.name)
    appup = None if new_app is None else new_app.appup
    honour = not options.regenerate and app.name not in options.generated_appups
    if honour and appup is not None and is_hand_written(appup) and not appup.generated_by_relup:
        assert app.old_vsn is not None
        scripts = read_hand_written(appup, app.name, app.old_vsn)
        reasons = app_restart_reasons(app)
        return AppDraft(
            app,
            "hand-written",
            hand_written=scripts,
            appup_path=appup.path,
            restart_reasons=reasons,
        )
    if app.name in CORE_APPLICATIONS or app.name in ELIXIR_APPLICATIONS:
        return AppDraft(app, "core")
    callback = _callback_module(None if new_app is None else new_app.mod)
    return _generated_draft(app, options.overrides, callback, old_facts, new_facts)


def _generated_draft(
    app: AppDiff,
    overrides: Overrides | None,
    callback: ModuleName | None,
    old_facts: Mapping[ModuleName, ModuleFacts],
    new_facts: Mapping[ModuleName, ModuleFacts],
) -> AppDraft:
    modules = tuple(
        plan_module(
            change,
            ModuleContext(
                app.name,
                app.new_vsn or "",
                callback,
                None if overrides is None else overrides.module(change.module),
            ),
        )
        for change in sorted(app.modules, key=lambda change: change.module)
    )
    children = plan_children(app.name, app.new_vsn or "", app.children, old_facts, new_facts)
    changed_supervisors = [
        change.new
        for change in app.modules
        if change.kind == "changed" and not change.vsn_only and change.new is not None
    ]
    warnings = [w for steps in modules for w in steps.warnings]
    warnings.extend(children.warnings)
    warnings.extend(unreadable_spec_warnings(app.name, changed_supervisors))
    reasons = list(app_restart_reasons(app))
    reasons.extend(reason for steps in modules for reason in steps.restart_reasons)
    reasons.extend(children.restart_reasons)
    return AppDraft(
        app,
        "generated",
        modules=modules,
        children=children,
        extra_steps=None if overrides is None else overrides.application(app.name),
        extra_dep_mods=_extra_dep_mods(overrides, modules),
        restart_reasons=tuple(reasons),
        warnings=tuple(warnings),
    )


def _extra_dep_mods(
    overrides: Overrides | None, modules: tuple[ModuleSteps, ...]
) -> dict[ModuleName, tuple[ModuleName, ...]]:
    extra: dict[ModuleName, tuple[ModuleName, ...]] = {}
    for steps in modules:
        override = None if overrides is None else overrides.module(steps.module)
        if override is not None and override.dep_mods and steps.up is not None:
            extra[steps.module] = override.dep_mods
    return extra


def _callback_module(mod: Term | None) -> ModuleName | None:
    if isinstance(mod, tuple) and len(mod) == 2 and isinstance(mod[0], Atom):
        return ModuleName(mod[0].name)
    return None


def eligible_modules(drafts: list[AppDraft], direction: Direction) -> dict[ModuleName, StepKind]:
    """Every module with update/load_module/add_module/delete_module in ``direction``."""
    eligible: dict[ModuleName, StepKind] = {}
    for draft in drafts:
        if draft.source == "generated":
            for steps in draft.modules:
                step = steps.up if direction == "up" else steps.down
                if step is not None:
                    eligible[step.module] = _kind(step.instruction)
        elif draft.source == "hand-written" and draft.hand_written is not None:
            script = draft.hand_written.up if direction == "up" else draft.hand_written.down
            for instruction in script:
                if isinstance(instruction, ins.Update | ins.LoadModule | ins.AddModule):
                    eligible[instruction.module] = "load"
                elif isinstance(instruction, ins.DeleteModule):
                    eligible[instruction.module] = "delete"
    return eligible


def deleted_modules(drafts: list[AppDraft]) -> frozenset[ModuleName]:
    """The modules a generated draft's upgrade deletes (the ones whose DepMods are callers)."""
    return frozenset(
        steps.up.module
        for draft in drafts
        if draft.source == "generated"
        for steps in draft.modules
        if steps.up is not None and _kind(steps.up.instruction) == "delete"
    )


def _kind(instruction: ins.Instruction) -> StepKind:
    return "delete" if isinstance(instruction, ins.DeleteModule) else "load"


def finish_draft(
    draft: AppDraft,
    eligible: Eligible,
    callers_in_old: Mapping[ModuleName, Sequence[ModuleName]],
    new_facts: Mapping[ModuleName, ModuleFacts],
    indexes: tuple[ProcessIndex, ProcessIndex],
) -> FinishedApp:
    """The application's AppPlan, and the warnings found while finishing it."""
    app = draft.app
    if draft.source == "restart":
        return FinishedApp(_restart_plan(draft), ())
    if draft.source == "core" and app.name in ELIXIR_APPLICATIONS:
        return FinishedApp(*elixir_restart_plan(app))
    if draft.source == "core":
        return FinishedApp(_core_plan(app), ())
    if draft.source == "hand-written":
        return _hand_written_plan(draft, indexes)
    return _generated_plan(draft, eligible, callers_in_old, new_facts, indexes)


def _plan(
    app: AppDiff,
    up: tuple[PlannedInstruction, ...],
    down: tuple[PlannedInstruction, ...],
    verdict: Verdict,
    reasons: tuple[str, ...] = (),
    source: AppupSource = "generated",
) -> AppPlan:
    assert app.old_vsn is not None and app.new_vsn is not None
    return AppPlan(app.name, app.old_vsn, app.new_vsn, up, down, verdict, reasons, source)


def _restart_plan(draft: AppDraft) -> AppPlan:
    reasons = "; ".join(draft.restart_reasons)
    text = f"cannot be upgraded hot ({reasons}): restarted instead (fallback restart)"
    step = PlannedInstruction(
        ins.RestartApplication(draft.app.name), Reason("fallback-restart", text)
    )
    return _plan(draft.app, (step,), (step,), "restart_application", draft.restart_reasons)


def _core_plan(app: AppDiff) -> AppPlan:
    reason = (
        f"{app.name} changed ({app.old_vsn} -> {app.new_vsn}): kernel, stdlib and sasl are "
        "only replaced by restarting the emulator"
    )
    step = PlannedInstruction(ins.RESTART_NEW_EMULATOR, Reason("core-application-changed", reason))
    return _plan(app, (step,), (step,), "restart_emulator", (reason,))


def _hand_written_plan(draft: AppDraft, indexes: tuple[ProcessIndex, ProcessIndex]) -> FinishedApp:
    assert draft.hand_written is not None and draft.appup_path is not None
    reason = Reason("hand-written", f"from the hand-written {draft.appup_path.name}")
    up = tuple(_with_suspends(i, reason, indexes[0]) for i in draft.hand_written.up)
    down = tuple(_with_suspends(i, reason, indexes[1]) for i in draft.hand_written.down)
    verdict = hand_written_verdict(draft.hand_written.up)
    reasons = () if verdict == "hot" else (f"the hand-written appup asks for {verdict}",)
    plan = _plan(draft.app, up, down, verdict, reasons, "hand-written")
    return FinishedApp(plan, tuple(_not_found_warnings(plan)))


def _with_suspends(
    instruction: ins.Instruction, reason: Reason, index: ProcessIndex
) -> PlannedInstruction:
    if isinstance(instruction, ins.Update):
        return PlannedInstruction(instruction, reason, suspended_by(index, instruction.module))
    return PlannedInstruction(instruction, reason)


def _generated_plan(
    draft: AppDraft,
    eligible: Eligible,
    callers_in_old: Mapping[ModuleName, Sequence[ModuleName]],
    new_facts: Mapping[ModuleName, ModuleFacts],
    indexes: tuple[ProcessIndex, ProcessIndex],
) -> FinishedApp:
    steps = {s.module: s for s in draft.modules if s.up is not None and s.down is not None}
    kinds = {module: _kind(s.up.instruction) for module, s in steps.items() if s.up is not None}
    edges = dependency_edges(kinds, eligible.up, callers_in_old, new_facts, draft.extra_dep_mods)
    order = upgrade_order(steps, edges)
    up_modules = [_planned(steps[m].up, edges[m], eligible.up, indexes[0]) for m in order.modules]
    down_modules = [
        _planned(steps[m].down, edges[m], eligible.down, indexes[1])
        for m in reversed(order.modules)
    ]
    extra = draft.extra_steps
    up = (
        *_extra_steps(extra, "up", "before"),
        *draft.children.up_before,
        *up_modules,
        *draft.children.up_after,
        *_extra_steps(extra, "up", "after"),
    )
    down = (
        *_extra_steps(extra, "down", "before"),
        *draft.children.down_before,
        *down_modules,
        *draft.children.down_after,
        *_extra_steps(extra, "down", "after"),
    )
    plan = _plan(draft.app, up, down, "hot")
    warnings = [*_cycle_warnings(draft, order.cycles), *_dropped_dep_mods(draft, eligible)]
    warnings.extend(_not_found_warnings(plan))
    return FinishedApp(plan, tuple(warnings))


def _planned(
    step: Step | None,
    dep_mods: tuple[ModuleName, ...],
    eligible: Mapping[ModuleName, StepKind],
    index: ProcessIndex,
) -> PlannedInstruction:
    assert step is not None
    kept = tuple(module for module in dep_mods if module in eligible)
    instruction = step.instruction
    if instruction.dep_mods != kept:  # most have none: no copy (replace is slow)
        instruction = replace(instruction, dep_mods=kept)
    suspends = suspended_by(index, step.module) if isinstance(instruction, ins.Update) else ()
    return PlannedInstruction(instruction, step.reason, suspends)


def _extra_steps(
    extra: AppOverride | None, direction: Direction, where: Literal["before", "after"]
) -> tuple[PlannedInstruction, ...]:
    if extra is None:
        return ()
    steps = extra.up if direction == "up" else extra.down
    applies = steps.before if where == "before" else steps.after
    where_from = f"applications.{extra.application}.{direction}.{where}"
    reason = Reason("override-apply", f"extra step from relup.yaml {where_from}")
    return tuple(PlannedInstruction(apply, reason) for apply in applies)


def _cycle_warnings(
    draft: AppDraft, cycles: tuple[tuple[ModuleName, ...], ...]
) -> list[PlanWarning]:
    return [
        PlanWarning(
            "dependency-cycle",
            draft.app.name,
            f"{', '.join(cycle)} call each other: systools handles them as one block (one "
            "suspend window for those updated) and loads them in appup order, which cannot "
            "put each one after all the modules it calls",
        )
        for cycle in cycles
    ]


def _dropped_dep_mods(draft: AppDraft, eligible: Eligible) -> list[PlanWarning]:
    warnings = []
    for module, dep_mods in sorted(draft.extra_dep_mods.items()):
        missing = [name for name in dep_mods if name not in eligible.up]
        if missing:
            warnings.append(
                PlanWarning(
                    "override-dep-mod-dropped",
                    draft.app.name,
                    f"relup.yaml gives {module} the DepMods {', '.join(missing)}, which have no "
                    "instruction in this upgrade (systools would reject them: undef_module): "
                    "dropped",
                )
            )
    return warnings


def _not_found_warnings(plan: AppPlan) -> list[PlanWarning]:
    """An ``update`` whose module no readable child spec lists, in either direction."""
    missing: dict[ModuleName, list[str]] = {}
    for direction, steps in (("upgrade", plan.up), ("downgrade", plan.down)):
        for step in steps:
            if isinstance(step.instruction, ins.Update) and not step.suspends:
                missing.setdefault(step.instruction.module, []).append(direction)
    return [
        PlanWarning(
            "update-not-in-child-spec",
            plan.name,
            f"{module} is updated but no child spec relup could read lists it in its modules "
            f"(on {' and '.join(directions)}): release_handler will not find its processes, "
            "so they are neither suspended nor given code_change, and are killed if they still "
            "run old code when it is purged; list the module in its child spec",
        )
        for module, directions in sorted(missing.items())
    ]
