"""Read the code of a release's applications: module facts from beams, ``priv/`` digests.

Only what planning needs is read from each beam (md5, exports, imports,
attributes; literals only for supervisors), one read per file.  Applications
whose beams are not in the tree (OTP applications of a trimmed tree, or those
found in the Erlang installation and unchanged) can be skipped by naming the
ones to read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import replace
from pathlib import Path
from typing import cast

from diffing.beam import BeamChunks, BeamCode, beam_code, beam_literals, split_beam
from diffing.beam_common import common_module_facts
from diffing.beam_files import beam_paths, read_file, regular_file_size
from diffing.code_facts import (
    APPLICATION_BEHAVIOURS,
    SUPERVISOR_BEHAVIOURS,
    AppCode,
    ModuleFacts,
    PrivFile,
    ReleaseCode,
    SupervisorFacts,
)
from diffing.errors import InputError, TermDecodeError
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

# Beams read before, by module name: their bytes and facts.  An unchanged module
# is usually the same bytes in OLD and NEW, so with OLD's memo NEW's copy is
# compared, not decoded (see diffing.code_pair).
BeamMemo = dict[str, tuple[bytes, ModuleFacts]]


AppRead = tuple[AppCode | None, list[str]]


def read_release_code(release: Release, applications: Collection[str] | None = None) -> ReleaseCode:
    """The code of ``release``'s applications (all, or those named), and its sys.config."""
    reads = (
        read_application_code(application)
        for application in release.applications
        if applications is None or application.name in applications
    )
    return release_code(release, reads)


def release_code(release: Release, reads: Iterable[AppRead]) -> ReleaseCode:
    """The release's code from its applications' reads, in release order, and its sys.config
    (read last, once the applications are)."""
    codes: list[AppCode] = []
    warnings: list[str] = []
    for code, app_warnings in reads:
        if code is not None:
            codes.append(code)
        warnings.extend(app_warnings)
    return ReleaseCode(release, tuple(codes), sys_config(release), tuple(warnings))


def read_application_code(application: Application, memo: BeamMemo | None = None) -> AppRead:
    """An application's module facts, or None when its beams are not there.

    A beam whose bytes are those ``memo`` holds under its module's name gets
    the facts found there; every beam read is put in ``memo``.
    """
    ebin = application.directory
    beams = beam_paths(ebin, application.modules)
    sizes = [regular_file_size(path) for path in beams]
    present = [
        (module, path, size)
        for module, path, size in zip(application.modules, beams, sizes, strict=True)
        if size is not None
    ]
    if not present and (beams or not ebin.is_dir()):
        return None, []  # its code is not in the tree (an OTP app of a trimmed tree)
    warnings = [
        f"{path}: listed in {application.name}.app but missing"
        for path, size in zip(beams, sizes, strict=True)
        if size is None
    ]
    facts = tuple(
        sorted(
            (_module_facts(module, path, size, memo) for module, path, size in present),
            key=lambda f: f.name,
        )
    )
    for module_facts in facts:
        if module_facts.behaviours_inferred and module_facts.behaviours:
            warnings.append(
                f"{ebin / (module_facts.name + '.beam')}: attributes stripped; behaviour "
                f"{', '.join(module_facts.behaviours)} inferred from its exports"
            )
    priv = _priv_files(ebin.parent / "priv")
    return AppCode(application.name, application.vsn, facts, priv), warnings


def _module_facts(module: str, path: str, size: int, memo: BeamMemo | None) -> ModuleFacts:
    try:
        data = read_file(path, size)
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from error
    if memo is None:
        return _decoded(data, path)
    earlier = memo.get(module)
    known = earlier[1] if earlier is not None and earlier[0] == data else None
    facts = known if known is not None else _decoded(data, path)
    memo[module] = (data, facts)
    return facts


def _decoded(data: bytes, path: str) -> ModuleFacts:
    common = common_module_facts(data)  # the usual beam in one pass; None: the plain read
    if common is not None:
        return common
    try:
        beam = split_beam(data)
        return _facts_of(beam, beam_code(beam))
    except TermDecodeError as error:
        # Decoded without the path (a Path per beam costs more than the rest of
        # the bookkeeping); the error names the file now.
        raise TermDecodeError(Path(path), error.message) from error


def _facts_of(beam: BeamChunks, code: BeamCode) -> ModuleFacts:
    behaviours, inferred = _behaviours(code)
    is_supervisor = not SUPERVISOR_BEHAVIOURS.isdisjoint(behaviours)
    inline = not is_supervisor and _starts_inline_supervisor(code, behaviours)
    supervisor: SupervisorFacts | None = None
    if is_supervisor or inline:
        literals = beam_literals(beam)
        supervisor = replace(supervisor_facts(literals, code.module), elixir_inline=inline)
    module = code.module
    # Sorted already, as imported_modules is (ModuleName is a str at run time).
    calls = tuple([name for name in code.imported_modules if name != module])
    return ModuleFacts(
        name=ModuleName(module),
        md5=code.md5,
        vsn=code.vsn,
        behaviours=behaviours,
        behaviours_inferred=inferred,
        exports=code.exports,
        calls=cast(tuple[ModuleName, ...], calls),
        supervisor=supervisor,
    )


def _starts_inline_supervisor(beam: BeamCode, behaviours: tuple[str, ...]) -> bool:
    # Elixir's Supervisor.start_link(children, opts) in an application callback
    # starts a supervisor whose callback is Supervisor.Default, not this module:
    # {update, M, supervisor} cannot reach it, so its literal specs are kept
    # to plan start_child/terminate_child instead.
    return "Elixir.Supervisor" in beam.imported_modules and not APPLICATION_BEHAVIOURS.isdisjoint(
        behaviours
    )


def _behaviours(beam: BeamCode) -> tuple[tuple[str, ...], bool]:
    if beam.has_attributes:
        return beam.behaviours, False  # sorted already
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


def sys_config(release: Release) -> Term | None:
    """The first term of the release's ``sys.config``, None when there is none."""
    path = release.spec.path.parent / "sys.config"
    if not path.exists():
        return None  # anything else there (a directory) is an error, not "no config"
    return read_first_term_file(path)
