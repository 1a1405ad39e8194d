"""What the oracle answers: systools results as frozen values, decoded from reply terms.

A systools answer is a value, never an exception: a success, a
:class:`SystoolsError` (``{error, Module, Reason}``) or an
:class:`ErlangCrash` (an exception escaped from systools).  Only a reply the
harness cannot make sense of raises :class:`OracleRequestError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term, as_text, erl_string
from oracle.vm_process import OracleRequestError


@dataclass(frozen=True, slots=True)
class RelupEntry:
    """One ``{Vsn, Descr, Instructions}`` entry of a relup's up or down list."""

    vsn: str
    description: Term
    instructions: ErlList


@dataclass(frozen=True, slots=True)
class RelupBuilt:
    """``{ok, Relup, Module, Warnings}`` from ``make_relup`` with ``silent``."""

    relup: Term
    module: str
    warnings: ErlList

    def as_term(self) -> Term:
        return (Atom("ok"), self.relup, Atom(self.module), self.warnings)

    @property
    def up(self) -> tuple[RelupEntry, ...]:
        return _relup_entries(self.relup, 1)

    @property
    def down(self) -> tuple[RelupEntry, ...]:
        return _relup_entries(self.relup, 2)


@dataclass(frozen=True, slots=True)
class ScriptTranslated:
    """``{ok, Script}`` from ``systools_rc:translate_scripts/4``."""

    script: ErlList

    def as_term(self) -> Term:
        return (Atom("ok"), self.script)


@dataclass(frozen=True, slots=True)
class SystoolsError:
    """``{error, Module, Reason}``: systools refused, for the reason given."""

    module: str
    reason: Term

    def as_term(self) -> Term:
        return (Atom("error"), Atom(self.module), self.reason)


@dataclass(frozen=True, slots=True)
class ErlangCrash:
    """An exception escaped from systools (``kind`` is ``error``, ``exit`` or ``throw``)."""

    kind: str
    reason: Term
    stacktrace: Term

    def as_term(self) -> Term:
        """What Erlang's ``catch`` would have returned."""
        if self.kind == "error":
            return (Atom("EXIT"), (self.reason, self.stacktrace))
        if self.kind == "exit":
            return (Atom("EXIT"), self.reason)
        return self.reason


RelupOutcome: TypeAlias = RelupBuilt | SystoolsError | ErlangCrash
ScriptOutcome: TypeAlias = ScriptTranslated | SystoolsError | ErlangCrash


@dataclass(frozen=True, slots=True)
class AppRecord:
    """The parts of an ``#application{}`` record that ``translate_scripts`` reads."""

    name: str
    vsn: str
    modules: tuple[str, ...]
    start_type: str = "permanent"

    def as_term(self) -> Term:
        modules = ErlList(tuple(Atom(module) for module in self.modules))
        return (Atom(self.name), erl_string(self.vsn), modules, Atom(self.start_type))


@dataclass(frozen=True, slots=True)
class OtpInstallation:
    """The OTP the oracle runs: root directory, ERTS version, and core application versions."""

    root: Path
    erts_vsn: str
    app_versions: tuple[tuple[str, str], ...]
    app_dirs: tuple[tuple[str, Path], ...]

    def app_vsn(self, name: str) -> str:
        return dict(self.app_versions)[name]

    def app_dir(self, name: str) -> Path:
        return dict(self.app_dirs)[name]


def atom_name(term: Term) -> str:
    if not isinstance(term, Atom):
        raise OracleRequestError(f"expected an atom, got {term!r}")
    return term.name


def erlang_text(term: Term) -> str:
    text = as_text(term)
    if text is None:
        raise OracleRequestError(f"expected a string, got {term!r}")
    return text


def _relup_entries(relup: Term, position: int) -> tuple[RelupEntry, ...]:
    if not (isinstance(relup, tuple) and len(relup) == 3 and isinstance(relup[position], ErlList)):
        raise OracleRequestError(f"not a relup term: {relup!r}")
    entries: list[RelupEntry] = []
    for entry in relup[position]:
        match entry:
            case (vsn, description, ErlList() as instructions):
                entries.append(RelupEntry(erlang_text(vsn), description, instructions))
            case _:
                raise OracleRequestError(f"not a relup entry: {entry!r}")
    return tuple(entries)


def _crash_or_none(answer: Term) -> ErlangCrash | None:
    match answer:
        case (Atom("raised"), Atom(kind), reason, stacktrace):
            return ErlangCrash(kind, reason, stacktrace)
    return None


def relup_outcome(answer: Term) -> RelupOutcome:
    match answer:
        case (Atom("returned"), (Atom("ok"), relup, Atom(module), ErlList() as warnings)):
            return RelupBuilt(relup, module, warnings)
        case (Atom("returned"), (Atom("error"), Atom(module), reason)):
            return SystoolsError(module, reason)
    crash = _crash_or_none(answer)
    if crash is None:
        raise OracleRequestError(f"unexpected make_relup result {format_term(answer)}")
    return crash


def script_outcome(answer: Term) -> ScriptOutcome:
    match answer:
        case (Atom("returned"), (Atom("ok"), ErlList() as script)):
            return ScriptTranslated(script)
        case (Atom("returned"), (Atom("error"), Atom(module), reason)):
            return SystoolsError(module, reason)
    crash = _crash_or_none(answer)
    if crash is None:
        raise OracleRequestError(f"unexpected translate_scripts result {format_term(answer)}")
    return crash


def otp_installation(answer: Term) -> OtpInstallation:
    match answer:
        case (root, erts_vsn, ErlList() as apps):
            versions: list[tuple[str, str]] = []
            directories: list[tuple[str, Path]] = []
            for app in apps:
                match app:
                    case (Atom(name), vsn, directory):
                        versions.append((name, erlang_text(vsn)))
                        directories.append((name, Path(erlang_text(directory))))
                    case _:
                        raise OracleRequestError(f"bad otp_info entry {app!r}")
            return OtpInstallation(
                Path(erlang_text(root)), erlang_text(erts_vsn), tuple(versions), tuple(directories)
            )
    raise OracleRequestError(f"bad otp_info answer {answer!r}")
