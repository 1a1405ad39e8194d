"""Two or more releases to a relup: ``systools_relup`` restated.

For each base release (up-from, then down-to), the scripts handed to the
translation are, in this order:

1. ``[restart_new_emulator]`` when the ERTS version changed (with the warning
   ``erts_vsn_changed``, naming the releases by *name*);
2. ``[{add_application, App, Type}]`` for each application new in the release
   being moved to, in ``.rel`` order, Type from that ``.rel``;
3. the appup script of every application of the *new* release whose version
   changed, in systools' sorted application order.  Both directions read the
   new application's appup: its up-from list going up, its down-to list going
   down; unchanged versions need no appup;
4. ``[{remove_application, App}]`` for each application that goes away;
5. ``[restart_emulator]`` when asked for.

Up entries come out in the reverse of the order given (systools prepends each),
and so do down entries.  Warnings are kept in the order they arose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from diffing.errors import EXIT_INPUT, TranslationError
from diffing.release import Application, Release
from diffing.terms import NIL, Atom, ErlList, Term, erl_list, erl_string
from upgrade import instructions as ins
from upgrade.appup_versions import InvalidVersionPattern, find_entry
from upgrade.rc_errors import crash, relup_error
from upgrade.translate import translate_scripts

# release_handler learned to restart the emulator first in R15 (SASL 2.2).
_R15_SASL_VSN = "2.2"


@dataclass(frozen=True, slots=True)
class RelupWarning:
    """A systools warning: ``tag`` is its atom, ``term`` the whole warning term."""

    tag: str
    term: Term
    message: str


@dataclass(frozen=True, slots=True)
class RelupEntry:
    vsn: str
    description: Term
    instructions: tuple[ins.LowLevelInstruction, ...]


@dataclass(frozen=True, slots=True)
class Relup:
    vsn: str
    up: tuple[RelupEntry, ...]
    down: tuple[RelupEntry, ...]
    warnings: tuple[RelupWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class BaseRelease:
    """A release to upgrade from or downgrade to, with its relup description."""

    release: Release
    description: Term = NIL


@dataclass(frozen=True, slots=True)
class RelupOptions:
    restart_emulator: bool = False


def check_has_sasl(release: Release) -> None:
    """make_relup refuses releases without sasl: release_handler lives there."""
    if release.spec.find("sasl") is None:
        reason = (Atom("missing_sasl"), _release_record(release))
        raise relup_error(
            reason,
            f"release {release.name} {release.vsn} has no sasl application, "
            "so it cannot be upgraded (systools_relup: missing_sasl)",
            release.spec.path,
        )


def build_relup(
    top: Release,
    up_from: Iterable[BaseRelease],
    down_to: Iterable[BaseRelease],
    options: RelupOptions = RelupOptions(),
) -> Relup:
    """The relup of ``top`` with one entry per base release.

    The bases are consumed one at a time, as systools reads them, so a lazy
    iterable that loads each release on demand reports errors in systools' order.

    Raises:
        TranslationError: wherever systools_relup or systools_rc would fail.
    """
    check_has_sasl(top)
    warnings: list[RelupWarning] = []
    up_entries: list[RelupEntry] = []
    for base in up_from:
        check_has_sasl(base.release)
        up_entries.insert(0, build_entry("up", top, base, options, warnings))
    down_entries: list[RelupEntry] = []
    for base in down_to:
        check_has_sasl(base.release)
        down_entries.insert(0, build_entry("dn", top, base, options, warnings))
    return Relup(top.vsn, tuple(up_entries), tuple(down_entries), tuple(warnings))


def build_entry(
    mode: ins.Mode,
    top: Release,
    base: BaseRelease,
    options: RelupOptions,
    warnings: list[RelupWarning],
) -> RelupEntry:
    """One up or down entry; appends the warnings it raises to ``warnings``."""
    old = base.release
    from_release, to_release = (old, top) if mode == "up" else (top, old)
    scripts: list[Term] = []
    for name, start_type in _added(from_release, to_release):
        scripts.append(erl_list((Atom("add_application"), Atom(name), Atom(start_type))))
    appup_scripts = _appup_scripts(mode, top, old, warnings)
    scripts.extend(script for script, _ in appup_scripts)
    for name in _removed(from_release, to_release):
        scripts.append(erl_list((Atom("remove_application"), Atom(name))))
    if top.spec.erts_vsn != old.spec.erts_vsn:
        scripts.insert(0, erl_list(Atom("restart_new_emulator")))
        warnings.append(_erts_changed(top, old))
    if options.restart_emulator:
        scripts.append(erl_list(Atom("restart_emulator")))

    try:
        if mode == "up":
            script = translate_scripts("up", scripts, top.applications, old.applications)
            script = _fix_pre_r15_sasl(script, old, warnings)
        else:
            script = translate_scripts("dn", scripts, old.applications, top.applications)
    except TranslationError as error:
        raise _naming_appup(error, appup_scripts) from error
    return RelupEntry(old.vsn, base.description, script)


def _added(from_release: Release, to_release: Release) -> list[tuple[str, str]]:
    return [
        (app.name, app.start_type)
        for app in to_release.spec.applications
        if from_release.spec.find(app.name) is None
    ]


def _removed(from_release: Release, to_release: Release) -> list[str]:
    return [
        app.name for app in from_release.spec.applications if to_release.spec.find(app.name) is None
    ]


def _appup_scripts(
    mode: ins.Mode, top: Release, old: Release, warnings: list[RelupWarning]
) -> list[tuple[Term, Path]]:
    """Each changed application's appup script, with the appup file it came from."""
    scripts: list[tuple[Term, Path]] = []
    for application in top.applications:
        old_entry = old.spec.find(application.name)
        if old_entry is None or old_entry.vsn == application.vsn:
            continue
        script = _script_from_appup(mode, application, old_entry.vsn, warnings)
        scripts.append((script, application.appup_file))
    return scripts


def _naming_appup(
    error: TranslationError, appup_scripts: Sequence[tuple[Term, Path]]
) -> TranslationError:
    """The error, naming the appup that holds its culprit.

    systools_rc checks the merged script of all appups, so its reasons name
    an instruction or module but no file; the user needs the file.  The
    culprit is the first appup script holding a term the reason carries; when
    the reason carries none (or is a crash), the only appup script there is.
    A culprit found in no appup is in a script relup made (add_application,
    remove_application), so no appup is named.
    """
    if error.path is not None:
        return error
    crashed = isinstance(error.reason, tuple) and error.reason[:1] == (Atom("EXIT"),)
    culprits = error.reason[1:] if isinstance(error.reason, tuple) and not crashed else ()
    holders = [path for script, path in appup_scripts if _holds_any(script, culprits)]
    if not culprits and len(appup_scripts) == 1:
        holders = [appup_scripts[0][1]]
    if not holders:
        return error
    return TranslationError(error.origin, error.reason, error.message, holders[0], error.exit_code)


def _holds_any(term: Term, parts: Sequence[Term]) -> bool:
    try:
        return any(_holds(term, part) for part in parts)
    except RecursionError:  # comparing terms nested near the reader's limit
        return False


def _holds(term: Term, part: Term) -> bool:
    # Iterative: appup terms may nest as deep as the reader allows.
    pending = [term]
    while pending:
        current = pending.pop()
        if current == part:
            return True
        if isinstance(current, tuple):
            pending.extend(current)
        elif isinstance(current, ErlList):
            pending.extend(current.items)
            if current.tail is not None:
                pending.append(current.tail)
    return False


def _script_from_appup(
    mode: ins.Mode, application: Application, old_vsn: str, warnings: list[RelupWarning]
) -> Term:
    path = application.appup_file
    appup = application.appup
    if appup is None or appup.term is None:
        raise _file_problem(application)
    match appup.term:
        case (appup_vsn, up_list, down_list):
            pass
        case _:
            raise _file_problem(application, appup.term)
    if appup_vsn != erl_string(application.vsn):
        warnings.append(_bad_vsn(appup_vsn, application))
    entries = up_list if mode == "up" else down_list
    if not isinstance(entries, ErlList):
        raise crash("systools_relup", f"the {_direction(mode)} list is not a list", path)
    try:
        found = find_entry(old_vsn, entries)
    except InvalidVersionPattern as error:
        raise crash("systools_relup", f"bad version pattern: {error}", path) from error
    if found is None:
        if entries.tail is not None:
            raise crash("systools_relup", f"the {_direction(mode)} list is improper", path)
        reason = (Atom("no_relup"), erl_string(str(path)), _application_record(application),
                  erl_string(old_vsn))  # fmt: skip
        raise relup_error(
            reason,
            f"no {_direction(mode)} entry matching version {old_vsn} of {application.name} "
            f"(appup of {application.name} {application.vsn}) (systools_relup: no_relup)",
            path,
        )
    return found


def _direction(mode: ins.Mode) -> str:
    return "up-from" if mode == "up" else "down-to"


def _file_problem(application: Application, shape_term: Term | None = None) -> Exception:
    """systools' ``{file_problem, {File, Why}}`` for an appup it needs and cannot use."""
    path = application.appup_file
    file_term = erl_string(str(path))
    appup = application.appup
    why: Term
    if shape_term is not None:
        why = (Atom("ok"), shape_term)
        what = "does not hold {Vsn, UpFrom, DownTo}"
    elif appup is None or appup.problem_kind in (None, "open"):
        posix = "enoent" if appup is None or appup.problem is None else appup.problem
        why = (Atom("error"), (Atom("open"), file_term, Atom(posix)))
        what = "is missing" if posix == "enoent" else f"cannot be opened: {posix}"
    elif appup.problem_kind == "read":
        why = (Atom("error"), (Atom("read"), file_term))
        what = f"cannot be read: {appup.problem}"
    else:
        line = appup.problem_line or 1
        detail = (line, Atom("erl_parse"), erl_string(appup.problem or ""))
        why = (Atom("error"), (Atom("parse"), file_term, detail))
        what = f"does not parse (line {line}): {appup.problem}"
    message = (
        f"the appup of {application.name} {application.vsn} {what}; it is needed because "
        "the application's version changed (systools_relup: file_problem)"
    )
    return relup_error((Atom("file_problem"), (file_term, why)), message, path, EXIT_INPUT)


def _bad_vsn(appup_vsn: Term, application: Application) -> RelupWarning:
    term = (Atom("bad_vsn"), (appup_vsn, erl_string(application.vsn)))
    return RelupWarning(
        "bad_vsn",
        term,
        f"{application.appup_file}: the appup's version does not match "
        f"{application.name}'s version {application.vsn}",
    )


def _erts_changed(top: Release, old: Release) -> RelupWarning:
    term = (
        Atom("erts_vsn_changed"),
        (
            (erl_string(top.name), erl_string(top.spec.erts_vsn)),
            (erl_string(old.name), erl_string(old.spec.erts_vsn)),
        ),
    )
    return RelupWarning(
        "erts_vsn_changed",
        term,
        f"the ERTS version changed between {top.name} (erts {top.spec.erts_vsn}) and "
        f"{old.name} (erts {old.spec.erts_vsn}): the upgrade restarts the emulator",
    )


def _fix_pre_r15_sasl(
    script: tuple[ins.LowLevelInstruction, ...], old: Release, warnings: list[RelupWarning]
) -> tuple[ins.LowLevelInstruction, ...]:
    # A release_handler older than R15 cannot restart the emulator first, so
    # the restart goes last, replacing the first restart_emulator.
    if not script or script[0] != ins.RESTART_NEW_EMULATOR:
        return script
    sasl = old.spec.find("sasl")
    if sasl is None or not sasl.vsn < _R15_SASL_VSN:
        return script
    rest = list(script[1:])
    if ins.RESTART_EMULATOR in rest:
        rest.remove(ins.RESTART_EMULATOR)
    warnings.append(
        RelupWarning(
            "pre_R15_emulator_upgrade",
            Atom("pre_R15_emulator_upgrade"),
            f"upgrade from sasl {sasl.vsn} (before OTP R15): the emulator restarts last",
        )
    )
    return (*rest, ins.RESTART_NEW_EMULATOR)


def _release_record(release: Release) -> Term:
    spec = release.spec
    applications = erl_list(
        *((Atom(app.name), erl_string(app.vsn), Atom(app.start_type)) for app in spec.applications)
    )
    included = erl_list(
        *(
            (Atom(app.name), erl_list(*(Atom(name) for name in app.included_override)))
            for app in spec.applications
            if app.included_override is not None
        )
    )
    return (
        Atom("release"), erl_string(spec.name), erl_string(spec.vsn), erl_string(spec.erts_vsn),
        applications, included,
    )  # fmt: skip


def _application_record(application: Application) -> Term:
    def atoms(names: Sequence[str]) -> Term:
        return erl_list(*(Atom(name) for name in names))

    def optional(value: Term | None, default: Term) -> Term:
        return default if value is None else value

    return (
        Atom("application"), Atom(application.name), Atom(application.start_type),
        erl_string(application.vsn), erl_string(application.id),
        erl_string(application.description), atoms(application.modules),
        atoms(application.uses), atoms(application.optional), atoms(application.includes),
        atoms(application.registered), optional(application.env, NIL),
        optional(application.max_t, Atom("infinity")),
        optional(application.max_p, Atom("infinity")), optional(application.mod, NIL),
        optional(application.start_phases, Atom("undefined")),
        erl_string(str(application.directory)),
    )  # fmt: skip
