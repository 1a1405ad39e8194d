"""Read the code of a release's applications: module facts from beams, ``priv/`` digests.

Only what planning needs is read from each beam (md5, exports, imports,
attributes; literals only for supervisors), one read per file.  Applications
whose beams are not in the tree (OTP applications of a trimmed tree, or those
found in the Erlang installation and unchanged) can be skipped by naming the
ones to read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from diffing.beam import BeamFile, parse_beam
from diffing.code_facts import (
    APPLICATION_BEHAVIOURS,
    SUPERVISOR_BEHAVIOURS,
    AppCode,
    ModuleFacts,
    PrivFile,
    ReleaseCode,
    SupervisorFacts,
)
from diffing.errors import InputError
from diffing.release import Application, ModuleName, Release
from diffing.supervisor_specs import supervisor_facts
from diffing.term_reader import read_first_term_file
from diffing.terms import Term

# Exports that betray a behaviour when Attr was stripped: (behaviour, callbacks).
_INFERRED: tuple[tuple[str, set[tuple[str, int]], set[tuple[str, int]]], ...] = (
    ("supervisor", {("init", 1)}, {("handle_call", 3), ("handle_event", 4)}),
    ("gen_statem", {("callback_mode", 0)}, set()),
    ("gen_event", {("handle_event", 2)}, set()),
    ("gen_server", {("handle_call", 3), ("handle_cast", 2)}, set()),
    ("application", {("start", 2), ("stop", 1)}, set()),
)


def read_release_code(release: Release, applications: Collection[str] | None = None) -> ReleaseCode:
    """The code of ``release``'s applications (all, or those named), and its sys.config."""
    codes: list[AppCode] = []
    warnings: list[str] = []
    for application in release.applications:
        if applications is not None and application.name not in applications:
            continue
        code, app_warnings = read_application_code(application)
        if code is not None:
            codes.append(code)
        warnings.extend(app_warnings)
    return ReleaseCode(release, tuple(codes), _sys_config(release), tuple(warnings))


def read_application_code(application: Application) -> tuple[AppCode | None, list[str]]:
    """An application's module facts, or None when its beams are not there."""
    ebin = application.directory
    beams = [ebin / f"{module}.beam" for module in application.modules]
    present = [path for path in beams if path.is_file()]
    present_set = set(present)
    if not present and (beams or not ebin.is_dir()):
        return None, []  # its code is not in the tree (an OTP app of a trimmed tree)
    warnings = [
        f"{path}: listed in {application.name}.app but missing"
        for path in beams
        if path not in present_set
    ]
    facts = tuple(sorted((_module_facts(path) for path in present), key=lambda f: f.name))
    for module_facts in facts:
        if module_facts.behaviours_inferred and module_facts.behaviours:
            warnings.append(
                f"{ebin / (module_facts.name + '.beam')}: attributes stripped; behaviour "
                f"{', '.join(module_facts.behaviours)} inferred from its exports"
            )
    priv = _priv_files(ebin.parent / "priv")
    return AppCode(application.name, application.vsn, facts, priv), warnings


def _module_facts(path: Path) -> ModuleFacts:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from error
    beam = parse_beam(data, path)
    behaviours, inferred = _behaviours(beam)
    is_supervisor = bool(set(behaviours) & SUPERVISOR_BEHAVIOURS)
    inline = not is_supervisor and _starts_inline_supervisor(beam, behaviours)
    supervisor: SupervisorFacts | None = None
    if is_supervisor or inline:
        literals = parse_beam(data, path, literals=True).literals or ()
        supervisor = replace(supervisor_facts(literals, beam.module), elixir_inline=inline)
    return ModuleFacts(
        name=ModuleName(beam.module),
        md5=beam.md5,
        vsn=beam.vsn,
        behaviours=behaviours,
        behaviours_inferred=inferred,
        exports=frozenset(beam.exports),
        calls=tuple(sorted(ModuleName(m) for m in beam.imported_modules if m != beam.module)),
        supervisor=supervisor,
    )


def _starts_inline_supervisor(beam: BeamFile, behaviours: tuple[str, ...]) -> bool:
    # Elixir's Supervisor.start_link(children, opts) in an application callback
    # starts a supervisor whose callback is Supervisor.Default, not this module:
    # {update, M, supervisor} cannot reach it, so its literal specs are kept
    # to plan start_child/terminate_child instead.
    return "Elixir.Supervisor" in beam.imported_modules and bool(
        set(behaviours) & APPLICATION_BEHAVIOURS
    )


def _behaviours(beam: BeamFile) -> tuple[tuple[str, ...], bool]:
    if beam.attributes is not None:
        return tuple(sorted(beam.behaviours)), False
    exports = set(beam.exports)
    for behaviour, required, excluded in _INFERRED:
        if required <= exports and not (excluded & exports):
            return (behaviour,), True
    return (), True


def _priv_files(priv: Path) -> tuple[PrivFile, ...]:
    if not priv.is_dir():
        return ()
    files = []
    for path in sorted(priv.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files.append(PrivFile(path.relative_to(priv).as_posix(), digest))
    return tuple(files)


def _sys_config(release: Release) -> Term | None:
    path = release.spec.path.parent / "sys.config"
    if not path.exists():
        return None  # anything else there (a directory) is an error, not "no config"
    return read_first_term_file(path)
