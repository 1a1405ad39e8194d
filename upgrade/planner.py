"""From a release diff to an upgrade plan: the appups, up and down, each step with its reason.

The planner runs in explicit passes over the upgraded applications (those
whose version changed), in the new release's application order:

1. **draft**: per application, the source of its appup: a hand-written appup
   in NEW (honoured unless ``regenerate``), ``[restart_new_emulator]`` for a
   changed kernel, stdlib or sasl, or generated from the diff: the module
   rules (``planning_rules``), the child start/stop steps (``children``), the
   reasons it cannot be done hot (``verdicts``);
2. **verdicts**: an application that cannot be upgraded hot becomes
   ``[restart_application]`` with ``fallback="restart"``, or the whole plan
   fails with a ``PlanError`` listing every reason;
3. **dependencies**: the modules with a dependency instruction anywhere in
   the relup, per direction, bound the DepMods (``dependencies``); each
   generated appup is put in order: extra steps before, children stopped,
   module steps in dependency order, children started, extra steps after.
   The downgrade mirrors it step by step, in reverse;
4. **processes**: each ``update`` gets the supervised children it suspends
   (``processes``), from the old release's specs going up and the new
   release's going down;
5. **warnings** are gathered in a stable order: the diff's, the emulator
   restart, then each application's.
6. **protocols**: a mix release's changed consolidated protocols get
   release-wide steps (``protocols``), placed in the relup outside the appups.

Pure: no I/O, deterministic output for a given diff and options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from diffing.changes import ReleaseDiff
from diffing.code_facts import ModuleFacts, ReleaseCode
from diffing.release import AppName, ModuleName
from upgrade.app_drafts import (
    AppDraft,
    Eligible,
    FinishedApp,
    deleted_modules,
    draft_application,
    eligible_modules,
    finish_draft,
)
from upgrade.dependencies import callers_index
from upgrade.options import PlanOptions
from upgrade.placement import moved_block_warnings
from upgrade.plan import PlanError, PlanWarning, UpgradePlan, Verdict
from upgrade.plan_warnings import (
    application_warnings,
    diff_warnings,
    override_warnings,
    release_warnings,
)
from upgrade.processes import process_index
from upgrade.protocols import plan_protocols
from upgrade.verdicts import (
    CORE_APPLICATIONS,
    emulator_restart_causes,
    emulator_restart_message,
    worst,
)

_DEFAULT_OPTIONS = PlanOptions()


@dataclass(frozen=True, slots=True)
class _Release:
    """Every module of each release by name, for DepMods and process lookups."""

    old_facts: Mapping[ModuleName, ModuleFacts]
    new_facts: Mapping[ModuleName, ModuleFacts]


def plan_upgrade(diff: ReleaseDiff, options: PlanOptions = _DEFAULT_OPTIONS) -> UpgradePlan:
    """Plan the upgrade (and downgrade) described by ``diff``.

    Args:
        diff: the difference between the old and the new release.
        options: fallback, regeneration, overrides, which appups relup generated.

    Returns:
        The plan: one AppPlan per upgraded application, the verdicts, the warnings.

    Raises:
        PlanError: something cannot be done hot and ``options.fallback`` is
            ``"fail"``, or a hand-written appup cannot be used.

    >>> # plan_upgrade(diff_releases(old, new)).verdict == "hot"
    """
    release = _Release(_facts_by_name(diff.old), _facts_by_name(diff.new))
    upgraded = [app for app in diff.applications if app.status == "upgraded"]
    drafts = [
        draft_application(app, diff, options, release.old_facts, release.new_facts)
        for app in upgraded
    ]
    drafts = _apply_fallback(drafts, options)
    # A deleted module's callers in OLD order its deletion: those are all asked about.
    callers_in_old = callers_index(release.old_facts.values(), deleted_modules(drafts))
    eligible_up = eligible_modules(drafts, "up")
    eligible_down = eligible_modules(drafts, "down")
    indexes = (process_index(diff.old), process_index(diff.new))
    finished = tuple(
        finish_draft(
            draft,
            Eligible(eligible_up, eligible_down),
            callers_in_old,
            release.new_facts,
            indexes,
        )
        for draft in drafts
    )
    return _assemble(diff, options, drafts, finished)


def _facts_by_name(code: ReleaseCode) -> dict[ModuleName, ModuleFacts]:
    facts: dict[ModuleName, ModuleFacts] = {}
    for app in code.applications:
        for module in app.modules:
            facts.setdefault(module.name, module)
    return facts


def _apply_fallback(drafts: Sequence[AppDraft], options: PlanOptions) -> list[AppDraft]:
    blocked = [draft for draft in drafts if draft.needs_restart]
    if blocked and options.fallback == "fail":
        reasons = tuple(
            f"{draft.app.name}: {reason}" for draft in blocked for reason in draft.restart_reasons
        )
        raise PlanError(
            "cannot upgrade hot (pass --fallback restart to restart these applications instead)",
            reasons,
        )
    return [draft.as_restart() if draft.needs_restart else draft for draft in drafts]


def _assemble(
    diff: ReleaseDiff,
    options: PlanOptions,
    drafts: Sequence[AppDraft],
    finished: tuple[FinishedApp, ...],
) -> UpgradePlan:
    app_plans = tuple(app.plan for app in finished)
    core_changes = [
        app
        for app in diff.applications
        if app.status == "upgraded" and app.name in CORE_APPLICATIONS
    ]
    causes = emulator_restart_causes(diff.erts, core_changes)
    warnings: list[PlanWarning] = list(diff_warnings(diff))
    if causes:
        warnings.append(PlanWarning("emulator-restart", None, emulator_restart_message(causes)))
    warnings.extend(release_warnings(diff))
    new_modules = (module for app in diff.new.applications for module in app.modules)
    removed = (
        change.module
        for app in diff.applications
        if app.status == "upgraded"
        for change in app.modules
        if change.kind == "removed"
    )
    callers_in_new = callers_index(new_modules, frozenset(removed))  # removed, still called
    for draft, app in zip(drafts, finished, strict=True):
        warnings.extend(application_warnings(draft, app.warnings, diff, callers_in_new))
    warnings.extend(moved_block_warnings(app_plans))
    warnings.extend(override_warnings(options.overrides, drafts))
    verdicts: list[Verdict] = [plan.verdict for plan in app_plans]
    if causes:
        verdicts.append("restart_emulator")
    reasons = [cause for cause in causes if cause.startswith("ERTS")]
    reasons.extend(f"{app.name}: {reason}" for app in app_plans for reason in app.verdict_reasons)
    return UpgradePlan(
        diff=diff,
        applications=app_plans,
        added_applications=_named(diff, "added"),
        removed_applications=_named(diff, "removed"),
        verdict=worst(verdicts),
        verdict_reasons=tuple(reasons),
        warnings=_unique(warnings),
        protocols=plan_protocols(diff.consolidated),
    )


def _named(diff: ReleaseDiff, status: str) -> tuple[AppName, ...]:
    return tuple(app.name for app in diff.applications if app.status == status)


def _unique(warnings: Sequence[PlanWarning]) -> tuple[PlanWarning, ...]:
    return tuple(dict.fromkeys(warnings))
