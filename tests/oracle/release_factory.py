"""Write small on-disk releases from Python descriptions, for systools to read.

A :class:`ReleaseScenario` becomes a release tree in the layout systools and
``release_handler`` expect::

    ROOT/releases/VSN/NAME.rel
    ROOT/lib/APP-VSN/ebin/APP.app, APP.appup, MODULE.beam

Several scenarios (the releases of one upgrade) can share a ROOT; an
application version written twice must be described identically.

The core applications (kernel, stdlib, sasl) come from the installed OTP: at
the installed version ``ROOT/lib/APP-VSN`` is a symlink to OTP's own lib
directory; at any other version (to fake an upgrade of a core application)
only the ``.app`` file is copied, with its ``vsn`` rewritten, plus an appup if
the description has one.  systools also searches the VM's code path, so the
installed core applications are found even without the links.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from diffing.term_reader import read_first_term_file
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term, erl_string
from oracle.oracle import OtpInstallation, SystoolsOracle

CORE_APPS = ("kernel", "stdlib", "sasl")


@dataclass(frozen=True, slots=True)
class ModuleDescription:
    """A tiny module exporting ``f/0``, which calls ``f/0`` of each module in ``calls``."""

    name: str
    calls: tuple[str, ...] = ()
    code_change: bool = False  # also export a trivial code_change/3
    behaviour: str | None = None  # a -behaviour attribute (callbacks are not generated)

    def source(self) -> str:
        name = _atom(self.name)
        exports = "f/0, code_change/3" if self.code_change else "f/0"
        lines = [f"-module({name}).", f"-export([{exports}])."]
        if self.behaviour is not None:
            lines.append(f"-behaviour({_atom(self.behaviour)}).")
        calls = ", ".join(f"{_atom(callee)}:f()" for callee in self.calls)
        lines.append(f"f() -> [{calls}]." if self.calls else "f() -> ok.")
        if self.code_change:
            lines.append("code_change(_OldVsn, State, _Extra) -> {ok, State}.")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class AppDescription:
    """A user application: its ``.app`` keys, modules, and appup.

    ``appup`` is a term (written with ``format_term``), raw file text (to test
    malformed files), or None for no ``.appup`` file.  ``start_type`` and
    ``rel_included`` are the optional 3rd/4th elements of its ``.rel`` entry.
    """

    name: str
    vsn: str
    modules: tuple[ModuleDescription, ...] = ()
    start_type: str | None = None
    applications: tuple[str, ...] = ("kernel", "stdlib")
    included_applications: tuple[str, ...] = ()
    rel_included: tuple[str, ...] | None = None
    registered: tuple[str, ...] = ()
    extra_keys: tuple[tuple[str, Term], ...] = ()
    appup: Term | str | None = None


@dataclass(frozen=True, slots=True)
class OtpAppDescription:
    """A core application of the installed OTP, optionally faked at another version."""

    name: str
    vsn: str | None = None  # None: the installed version
    start_type: str | None = None
    appup: Term | str | None = None  # only written for a faked version


AnyApp: TypeAlias = AppDescription | OtpAppDescription


@dataclass(frozen=True, slots=True)
class ReleaseScenario:
    """One release: ``apps`` in ``.rel`` order; ``erts_vsn`` None means the installed ERTS."""

    name: str
    vsn: str
    apps: tuple[AnyApp, ...]
    erts_vsn: str | None = None


@dataclass(frozen=True, slots=True)
class WrittenRelease:
    """Where a scenario was written: its ``.rel`` file and the ebin directories of its apps."""

    root: Path
    rel_file: Path
    ebin_dirs: tuple[Path, ...]


def modules(*names: str) -> tuple[ModuleDescription, ...]:
    """Plain modules with no calls, for brevity in scenarios."""
    return tuple(ModuleDescription(name) for name in names)


def standard_release(
    name: str,
    vsn: str,
    apps: Sequence[AnyApp],
    *,
    erts_vsn: str | None = None,
    core: Sequence[OtpAppDescription] | None = None,
) -> ReleaseScenario:
    """A release of ``core`` (default: installed kernel, stdlib, sasl) followed by ``apps``."""
    if core is None:
        core = [OtpAppDescription(name) for name in CORE_APPS]
    return ReleaseScenario(name, vsn, (*core, *apps), erts_vsn)


def write_release(
    root: Path, scenario: ReleaseScenario, oracle: SystoolsOracle, *, compile_beams: bool = True
) -> WrittenRelease:
    """Write ``scenario`` under ``root``; the oracle supplies OTP facts and compiles beams."""
    otp = oracle.otp_installation()
    ebin_dirs: list[Path] = []
    rel_entries: list[Term] = []
    for app in scenario.apps:
        if isinstance(app, OtpAppDescription):
            vsn, ebin = _write_core_app(root, app, otp)
        else:
            vsn, ebin = app.vsn, _write_user_app(root, app, oracle, compile_beams)
        ebin_dirs.append(ebin)
        rel_entries.append(_rel_entry(app, vsn))
    release_term = (
        Atom("release"),
        (erl_string(scenario.name), erl_string(scenario.vsn)),
        (Atom("erts"), erl_string(scenario.erts_vsn or otp.erts_vsn)),
        ErlList(tuple(rel_entries)),
    )
    rel_file = root / "releases" / scenario.vsn / f"{scenario.name}.rel"
    _write_once(rel_file, _term_file_text(release_term))
    return WrittenRelease(root, rel_file, tuple(ebin_dirs))


def search_path(*releases: WrittenRelease) -> tuple[Path, ...]:
    """The ebin directories of all ``releases``, for make_relup's ``{path, Dirs}`` option."""
    seen: dict[Path, None] = {}
    for release in releases:
        seen.update(dict.fromkeys(release.ebin_dirs))
    return tuple(seen)


def _write_user_app(
    root: Path, app: AppDescription, oracle: SystoolsOracle, compile_beams: bool
) -> Path:
    ebin = root / "lib" / f"{app.name}-{app.vsn}" / "ebin"
    newly_written = _write_once(ebin / f"{app.name}.app", _term_file_text(_app_term(app)))
    if app.appup is not None:
        _write_once(ebin / f"{app.name}.appup", _appup_text(app.appup))
    if compile_beams and newly_written and app.modules:
        oracle.compile_modules(ebin, [module.source() for module in app.modules])
    return ebin


def _write_core_app(root: Path, app: OtpAppDescription, otp: OtpInstallation) -> tuple[str, Path]:
    installed_vsn = otp.app_vsn(app.name)
    vsn = app.vsn or installed_vsn
    lib_dir = root / "lib" / f"{app.name}-{vsn}"
    if vsn == installed_vsn:
        if not lib_dir.is_symlink():
            lib_dir.parent.mkdir(parents=True, exist_ok=True)
            lib_dir.symlink_to(otp.app_dir(app.name), target_is_directory=True)
        return vsn, lib_dir / "ebin"
    installed_app_file = otp.app_dir(app.name) / "ebin" / f"{app.name}.app"
    app_term = _with_vsn(read_first_term_file(installed_app_file), vsn)
    ebin = lib_dir / "ebin"
    _write_once(ebin / f"{app.name}.app", _term_file_text(app_term))
    if app.appup is not None:
        _write_once(ebin / f"{app.name}.appup", _appup_text(app.appup))
    return vsn, ebin


def _with_vsn(app_term: Term, vsn: str) -> Term:
    match app_term:
        case (Atom("application"), name, ErlList() as keys):
            new_keys = tuple(
                (Atom("vsn"), erl_string(vsn))
                if isinstance(key, tuple) and key[:1] == (Atom("vsn"),)
                else key
                for key in keys
            )
            return (Atom("application"), name, ErlList(new_keys))
    raise ValueError(f"not an application resource term: {app_term!r}")


def _app_term(app: AppDescription) -> Term:
    keys: list[Term] = [
        (Atom("description"), erl_string(app.name)),
        (Atom("vsn"), erl_string(app.vsn)),
        (Atom("modules"), _atoms(module.name for module in app.modules)),
        (Atom("registered"), _atoms(app.registered)),
        (Atom("applications"), _atoms(app.applications)),
    ]
    if app.included_applications:
        keys.append((Atom("included_applications"), _atoms(app.included_applications)))
    keys.extend((Atom(key), value) for key, value in app.extra_keys)
    return (Atom("application"), Atom(app.name), ErlList(tuple(keys)))


def _rel_entry(app: AnyApp, vsn: str) -> Term:
    entry: tuple[Term, ...] = (Atom(app.name), erl_string(vsn))
    if app.start_type is not None:
        entry += (Atom(app.start_type),)
    if isinstance(app, AppDescription) and app.rel_included is not None:
        entry += (_atoms(app.rel_included),)
    return entry


def _atoms(names: Iterable[str]) -> ErlList:
    return ErlList(tuple(Atom(name) for name in names))


def _atom(name: str) -> str:
    return format_term(Atom(name))


def _appup_text(appup: Term | str) -> str:
    return appup if isinstance(appup, str) else _term_file_text(appup)


def _term_file_text(term: Term) -> str:
    return f"{format_term(term)}.\n"


def _write_once(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it is there already; True if it was written.

    A different existing content means two scenarios describe the same file
    differently, which would make one of them silently wrong.
    """
    if path.exists():
        if path.read_text(encoding="utf-8") != text:
            raise ValueError(f"{path}: already written with different content")
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
