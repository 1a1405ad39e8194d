"""The ``relup plan`` and ``relup check`` pipeline: read, diff, plan, translate, write.

Reading happens here and in ``diffing`` only; the diff, the plan and the
translation are pure.  The relup of a plan is made by the very translation
``relup relup`` uses, fed the plan's appups in place of NEW's own (hand-written
appups stay as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from diffing.code_facts import ReleaseCode
from diffing.compare import diff_releases
from diffing.errors import InputError, TranslationError, UsageError
from diffing.progress import Progress, report
from diffing.release import Application, Appup, Release
from relup import __version__
from relup.files import check_replaceable, write_generated_files
from relup.reading import PlanRequest as PlanRequest  # planning's own, read early (see there)
from relup.reading import read_release_pair
from render.appup_file import appup_term, render_appup
from render.relup_file import render_relup
from upgrade.check import CheckFinding, check_appups
from upgrade.options import Overrides, PlanOptions
from upgrade.plan import UpgradePlan
from upgrade.planner import plan_upgrade
from upgrade.protocols import with_protocol_steps
from upgrade.relup_builder import BaseRelease, Relup, build_relup

OVERRIDES_FILE = "relup.yaml"


def plan_release_upgrade(
    request: PlanRequest,
    progress: Progress | None = None,
    codes: tuple[ReleaseCode, ReleaseCode] | None = None,
) -> UpgradePlan:
    """Diff OLD and NEW, plan every upgraded application, and translate the plan to a relup.

    ``progress`` hears each stage, and the beams as they are read (see
    ``diffing.progress``); ``codes`` is OLD's and NEW's code when the caller
    read them already (``relup.reading.read_release_pair``).
    """
    plan, translate = plan_before_translation(request, progress, codes)
    report(progress, "translating", 0, 1)
    return replace(plan, relup=translate())


def plan_before_translation(
    request: PlanRequest,
    progress: Progress | None = None,
    codes: tuple[ReleaseCode, ReleaseCode] | None = None,
) -> tuple[UpgradePlan, Callable[[], Relup]]:
    """:func:`plan_release_upgrade`'s plan without its relup, and the call that translates it.

    For a caller that translates elsewhere (``render_plan_json`` does it in a
    second process while it writes the rest); the call raises what
    :func:`plan_release_upgrade` raises when translating.
    """
    old_code, new_code = read_release_pair(request, progress) if codes is None else codes
    report(progress, "planning", 0, 1)
    options = PlanOptions(
        fallback=request.fallback,
        regenerate=request.regenerate,
        overrides=read_overrides(request.overrides),
        generated_appups=frozenset(
            app.name
            for app in new_code.release.applications
            if app.appup and app.appup.generated_by_relup
        ),
    )
    plan = plan_upgrade(diff_releases(old_code, new_code), options)
    return plan, partial(relup_of_plan, plan, new_code.release, old_code.release)


def read_overrides(path: Path | None) -> Overrides | None:
    """``--overrides FILE``, else ``relup.yaml`` in the current directory when there is one."""
    if path is None:
        default = Path(OVERRIDES_FILE)
        if not default.is_file():
            return None
        path = default
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise InputError(path, f"not valid UTF-8 text at byte {error.start}") from None
    import yaml  # only runs with overrides: kept out of every command's start-up

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(
            path, f"{where}not valid YAML: {getattr(error, 'problem', error)}"
        ) from None
    except RecursionError:  # PyYAML builds nested collections recursively
        raise InputError(path, "not usable YAML: nested too deeply") from None
    return Overrides.from_dict(data, path)


def relup_of_plan(plan: UpgradePlan, new: Release, old: Release) -> Relup:
    """NEW's relup with the plan's generated appups in place of NEW's own.

    A mix release's consolidated protocols are loaded by release-wide steps
    added around the translated scripts (``upgrade.protocols``).
    """
    generated = {app.name: app for app in plan.applications if app.source == "generated"}
    applications = tuple(
        replace(
            application,
            appup=Appup(application.appup_file, appup_term(generated[application.name])),
        )
        if application.name in generated
        else application
        for application in new.applications
    )
    top = replace(new, applications=applications)
    relup = build_relup(top, [BaseRelease(old)], [BaseRelease(old)])
    return relup if plan.protocols is None else with_protocol_steps(relup, plan.protocols)


def plan_files(plan: UpgradePlan, force: bool = False) -> list[tuple[Path, str]]:
    """The files ``--write`` writes, each checked replaceable before anything is written.

    The generated appups go into NEW's ebin directories and the relup beside
    NEW's ``.rel``.  Hand-written appups are honoured by the plan and never
    replaced.
    """
    release = plan.diff.new.release
    if release.root is None:
        raise UsageError("--write needs NEW to be a release directory (not a tarball or .rel)")
    if plan.relup is None:
        raise UsageError("the plan has no relup to write")
    files = [(application.appup_file, text) for application, text in generated_appups(plan)]
    files.append((release.spec.path.parent / "relup", render_relup(plan.relup, __version__)))
    for path, _ in files:
        check_replaceable(path, force)
    return files


def generated_appups(plan: UpgradePlan) -> list[tuple[Application, str]]:
    """NEW's applications whose appup the plan generated, each with the appup's text.

    What ``--write`` puts into NEW's ebin directories and ``relup package``
    into the package; hand-written appups are not among them.
    """
    release = plan.diff.new.release
    appups: list[tuple[Application, str]] = []
    for app_plan in plan.applications:
        application = release.application(app_plan.name)
        if app_plan.source != "generated" or application is None:
            continue
        appups.append((application, render_appup(app_plan, __version__)))
    return appups


def write_files(files: Sequence[tuple[Path, str]], force: bool = False) -> None:
    """Write the files as one step: a failure leaves every one of them as it was."""
    write_generated_files(files, force)


def check_release_appups(request: PlanRequest) -> tuple[CheckFinding, ...]:
    """What the appups in NEW miss against the diff, and whether they translate at all."""
    old_code, new_code = read_release_pair(request)
    findings = list(check_appups(diff_releases(old_code, new_code)))
    try:
        old = BaseRelease(old_code.release)
        build_relup(new_code.release, [old], [old])
    except TranslationError as error:
        findings.append(CheckFinding("(relup)", None, "translation-fails", str(error)))
    return tuple(findings)
