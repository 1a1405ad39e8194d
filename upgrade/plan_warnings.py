"""Warnings about the release as a whole and about each application, in a stable order.

Every code is listed, with what it means and what to do, in docs/warnings.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from diffing.changes import AppDiff, ReleaseDiff
from diffing.release import ModuleName
from diffing.terms import Atom
from upgrade.app_drafts import AppDraft
from upgrade.handwritten import hand_written_verdict
from upgrade.options import Overrides
from upgrade.plan import PlanWarning


def diff_warnings(diff: ReleaseDiff) -> tuple[PlanWarning, ...]:
    """The diff's own warnings (code reading, inferred behaviours, ...), unchanged."""
    return tuple(
        PlanWarning(warning.code, warning.application, warning.message) for warning in diff.warnings
    )


def release_warnings(diff: ReleaseDiff) -> list[PlanWarning]:
    """Per application not upgraded: a version that should have been bumped, config changes."""
    warnings: list[PlanWarning] = []
    already = {(w.code, w.application) for w in diff.warnings}
    for app in diff.applications:
        if app.status != "unchanged":
            continue
        if app.version_not_bumped and ("version-not-bumped", app.name) not in already:
            changed = [m.module for m in app.modules if not m.vsn_only]
            warnings.append(
                PlanWarning(
                    "version-not-bumped",
                    app.name,
                    f"{app.name} {app.new_vsn}: modules changed ({_names(changed)}) but the "
                    "version did not: systools skips applications whose version is unchanged, "
                    "so this code is not upgraded; bump the version in the .app file",
                )
            )
        warnings.extend(config_warnings(app, diff))
    return warnings


def application_warnings(
    draft: AppDraft,
    finished: Sequence[PlanWarning],
    diff: ReleaseDiff,
    callers_in_new: Mapping[ModuleName, Sequence[ModuleName]],
) -> list[PlanWarning]:
    """An upgraded application's warnings: its appup's source, its modules, its config.

    ``callers_in_new`` is the new release's ``dependencies.callers_index``.
    """
    app = draft.app
    warnings: list[PlanWarning] = []
    if draft.source == "hand-written":
        warnings.extend(_hand_written_warnings(draft))
    elif draft.source == "generated" and (
        diff.old.application(app.name) is None or diff.new.application(app.name) is None
    ):
        warnings.append(
            PlanWarning(
                "code-not-read",
                app.name,
                f"the beams of {app.name} were not read on both sides: its module changes are "
                "unknown and its appup plans none; check the release trees hold its ebin",
            )
        )
    warnings.extend(draft.warnings)
    warnings.extend(finished)
    warnings.extend(_removed_but_called(app, callers_in_new))
    warnings.extend(config_warnings(app, diff))
    return warnings


def _hand_written_warnings(draft: AppDraft) -> list[PlanWarning]:
    app = draft.app
    assert draft.hand_written is not None and draft.appup_path is not None
    message = f"using the hand-written {draft.appup_path}; relup planned nothing for it"
    if draft.restart_reasons and hand_written_verdict(draft.hand_written.up) == "hot":
        message += " (relup would have restarted it: " + "; ".join(draft.restart_reasons) + ")"
    warnings = [PlanWarning("hand-written-appup", app.name, message)]
    if draft.hand_written.appup_vsn != app.new_vsn:
        warnings.append(
            PlanWarning(
                "appup-vsn-mismatch",
                app.name,
                f"{draft.appup_path} is for version {draft.hand_written.appup_vsn}, the "
                f"application is {app.new_vsn} (systools warns: bad_vsn)",
            )
        )
    return warnings


def _removed_but_called(
    app: AppDiff, callers_in_new: Mapping[ModuleName, Sequence[ModuleName]]
) -> list[PlanWarning]:
    """A removed module that new code still calls: those calls fail with undef."""
    removed = {change.module for change in app.modules if change.kind == "removed"}
    callers = {module: callers_in_new[module] for module in removed if callers_in_new.get(module)}
    return [
        PlanWarning(
            "removed-module-still-called",
            app.name,
            f"{module} is removed in {app.new_vsn} but {_names(sorted(names))} still call it: "
            "those calls will fail with undef",
        )
        for module, names in sorted(callers.items())
    ]


def config_warnings(app: AppDiff, diff: ReleaseDiff) -> list[PlanWarning]:
    """release_handler applies the new config before the relup, then calls config_change/3."""
    parameters = sorted({change.parameter for change in app.config})
    if any(change.key == "env" for change in app.keys):
        parameters.insert(0, ".app env")
    if not parameters:
        return []
    what = f"{app.name}'s configuration changed ({', '.join(parameters)})"
    callback_name = _callback_name(app, diff)
    callback = None
    code = diff.new.application(app.name)
    if callback_name is not None and code is not None:
        callback = code.module(callback_name)
    if callback_name is None:
        text = (
            f"{what}: it has no application callback module to notify; code reading its "
            "environment with application:get_env sees the new values after the upgrade"
        )
    elif callback is None:
        text = (
            f"{what}: release_handler installs the new values, runs the relup, then calls "
            f"{callback_name}:config_change/3 if it exports it (its code was not read)"
        )
    elif callback.exports_config_change:
        text = (
            f"{what}: release_handler installs the new values, runs the relup, then calls "
            f"{callback_name}:config_change/3 with the changed, new and removed parameters"
        )
    else:
        text = (
            f"{what}, but {callback_name} does not export config_change/3: processes that read "
            "the values at start keep the old ones until they restart; export config_change/3 "
            "to apply them"
        )
        return [PlanWarning("config-change-not-exported", app.name, text)]
    return [PlanWarning("config-change", app.name, text)]


def _callback_name(app: AppDiff, diff: ReleaseDiff) -> str | None:
    application = diff.new.release.application(app.name)
    mod = None if application is None else application.mod
    if isinstance(mod, tuple) and len(mod) == 2 and isinstance(mod[0], Atom):
        return mod[0].name
    return None


def override_warnings(overrides: Overrides | None, drafts: Sequence[AppDraft]) -> list[PlanWarning]:
    """Overrides that name a module or an application this plan does not generate."""
    if overrides is None:
        return []
    planned: Mapping[str, AppDraft] = {
        steps.module: draft
        for draft in drafts
        if draft.source == "generated"
        for steps in draft.modules
    }
    generated = {draft.app.name for draft in drafts if draft.source == "generated"}
    warnings = [
        PlanWarning(
            "override-unused",
            None,
            f"relup.yaml overrides module {override.module}, which no generated appup of this "
            "upgrade changes: ignored",
        )
        for override in overrides.modules
        if override.module not in planned
    ]
    warnings.extend(
        PlanWarning(
            "override-unused",
            None,
            f"relup.yaml adds steps to {override.application}, whose appup this upgrade does "
            "not generate: ignored",
        )
        for override in overrides.applications
        if override.application not in generated
    )
    return warnings


def _names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
