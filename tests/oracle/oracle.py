"""A real Erlang VM answering systools questions, for differential tests.

:class:`SystoolsOracle` starts one ``erl -noshell`` process running
``oracle_server.erl`` and talks to it over a pair of pipes (``vm_process.py``).
Requests are written with ``diffing.term_writer`` and replies read with
``diffing.term_reader``, so results come back as ``diffing.terms`` values that
compare directly with relup's own output.  A request costs well under a
millisecond of protocol overhead; ``make_relup`` on a small release about 10 ms.

Results are values, not exceptions (``outcomes.py``): a systools refusal is a
:class:`SystoolsError` and an exception inside systools an
:class:`ErlangCrash`.  Exceptions (:class:`OracleError`) mean the harness
itself failed: a timeout, a dead VM or a malformed request.  A dead or
timed-out VM is replaced by a fresh one on the next request.

Known source of variation (reference §4.10): systools orders dependency
components that are unrelated to each other by the hash of their module-name
atoms, which depends on each atom's index in the VM's atom table.  The same
request in the same VM always gives the same answer, but the order of such
incomparable components can change with everything the VM did before (which
tests ran first, a restart).  Everything else in a systools answer is
independent of VM history.  Compare those orders modulo reachability.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TypeAlias

from diffing.term_reader import parse_first_term
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term, erl_string
from oracle.outcomes import (
    AppRecord,
    ErlangCrash,
    OtpInstallation,
    RelupBuilt,
    RelupEntry,
    RelupOutcome,
    ScriptOutcome,
    ScriptTranslated,
    SystoolsError,
    atom_name,
    erlang_text,
    otp_installation,
    relup_outcome,
    script_outcome,
)
from oracle.vm_process import (
    OracleDied,
    OracleError,
    OracleRequestError,
    OracleTimeout,
    OracleUnavailable,
    ServerProcess,
    summary,
)

__all__ = [
    "AppRecord",
    "ErlangCrash",
    "OracleDied",
    "OracleError",
    "OracleRequestError",
    "OracleTimeout",
    "OracleUnavailable",
    "OtpInstallation",
    "RelupBuilt",
    "RelupEntry",
    "RelupOutcome",
    "ScriptOutcome",
    "ScriptTranslated",
    "SystoolsError",
    "SystoolsOracle",
]

REQUEST_TIMEOUT = 30.0

PathLike: TypeAlias = "str | os.PathLike[str]"
ReleaseRef: TypeAlias = "PathLike | tuple[PathLike, Term]"


class SystoolsOracle:
    """A long-lived Erlang VM that answers systools requests (see the module docstring)."""

    def __init__(self, erl: str | None = None, request_timeout: float = REQUEST_TIMEOUT) -> None:
        executable = erl or shutil.which("erl")
        if executable is None:
            raise OracleUnavailable("erl is not on PATH")
        self._erl = executable
        self.request_timeout = request_timeout
        self._server: ServerProcess | None = None
        self._otp: OtpInstallation | None = None
        self.starts = 0

    def __enter__(self) -> SystoolsOracle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def vm_pid(self) -> int | None:
        """The OS process id of the running VM, if one is running."""
        return None if self._server is None else self._server.process.pid

    def vm_alive(self) -> bool:
        return self._server is not None and self._server.alive()

    def stray_output(self) -> str:
        """Everything the current VM printed to stdout or stderr (should stay empty)."""
        return "" if self._server is None else self._server.log_text()

    def request(self, request: Term, timeout: float | None = None) -> Term:
        """Send one request term and return the server's answer term."""
        server = self._running_server()
        try:
            text = server.exchange(format_term(request), timeout or self.request_timeout)
        except BaseException:
            # A half-finished exchange leaves the pipes out of step: never reuse this VM.
            server.stop(kill=True)
            self._server = None
            raise
        match parse_first_term(text + ".\n"):
            case (Atom("reply"), answer):
                result: Term = answer
                return result
            case (Atom("oracle_error"), _):
                raise OracleRequestError(
                    f"server failed on {summary(format_term(request))}: {text}"
                )
            case other:
                raise OracleRequestError(f"malformed reply {other!r}")

    def ping(self) -> None:
        if self.request((Atom("ping"),)) != Atom("pong"):
            raise OracleRequestError("ping was not answered with pong")

    def echo(self, term: Term) -> Term:
        """``term`` after a round trip through Erlang's parser and printer."""
        return self.request((Atom("echo"), term))

    def erlang_format(self, format_string: str, args: Sequence[Term]) -> str:
        """``io_lib:format(Format, Args)`` as text, e.g. to compare layouts with ``~tp``."""
        return erlang_text(
            self.request((Atom("format"), erl_string(format_string), ErlList(tuple(args))))
        )

    def otp_installation(self) -> OtpInstallation:
        if self._otp is None:
            self._otp = otp_installation(self.request((Atom("otp_info"),)))
        return self._otp

    def intern_atoms(self, names: Sequence[str]) -> None:
        """Create these atoms in the VM, in this order (to study §4.10 hash order)."""
        self.request((Atom("intern_atoms"), ErlList(tuple(Atom(name) for name in names))))

    def compile_modules(self, ebin_dir: PathLike, sources: Sequence[str]) -> tuple[str, ...]:
        """Compile Erlang module sources and write ``MODULE.beam`` files into ``ebin_dir``."""
        texts = ErlList(tuple(erl_string(source) for source in sources))
        answer = self.request((Atom("compile"), _path_term(ebin_dir), texts))
        match answer:
            case (Atom("ok"), ErlList() as modules):
                return tuple(atom_name(module) for module in modules)
            case _:
                raise OracleRequestError(f"compilation failed: {format_term(answer)}")

    def make_relup(
        self,
        top: PathLike,
        up_from: Sequence[ReleaseRef],
        down_to: Sequence[ReleaseRef],
        *,
        path: Sequence[PathLike] = (),
        outdir: PathLike | None = None,
        restart_emulator: bool = False,
        warnings_as_errors: bool = False,
        extra_options: Sequence[Term] = (),
    ) -> RelupOutcome:
        """``systools:make_relup/4`` on ``.rel`` files (given with or without ``.rel``).

        Always ``silent``; also ``noexec`` (nothing written) unless ``outdir`` is
        given.  ``extra_options`` are appended verbatim, for odd cases.
        """
        options: list[Term] = [Atom("silent")]
        if outdir is None:
            options.append(Atom("noexec"))
        else:
            options.append((Atom("outdir"), _path_term(outdir)))
        if path:
            options.append((Atom("path"), ErlList(tuple(_path_term(entry) for entry in path))))
        if restart_emulator:
            options.append(Atom("restart_emulator"))
        if warnings_as_errors:
            options.append(Atom("warnings_as_errors"))
        options.extend(extra_options)
        request = (
            Atom("make_relup"),
            _rel_stem(top),
            _release_refs(up_from),
            _release_refs(down_to),
            ErlList(tuple(options)),
        )
        return relup_outcome(self.request(request))

    def translate_scripts(
        self,
        mode: Literal["up", "dn"],
        scripts: Sequence[Sequence[Term]] | ErlList,
        applications: Sequence[AppRecord | Term],
        previous_applications: Sequence[AppRecord | Term],
    ) -> ScriptOutcome:
        """``systools_rc:translate_scripts(Mode, Scripts, Appls, PreAppls)``.

        ``scripts`` is a list of scripts, each a list of instructions (or one
        ready-made ErlList term).  An application is an :class:`AppRecord` or a
        full 17-element ``#application{}`` tuple.
        """
        request = (
            Atom("translate_scripts"),
            Atom(mode),
            _scripts_term(scripts),
            _applications_term(applications),
            _applications_term(previous_applications),
        )
        return script_outcome(self.request(request))

    def _running_server(self) -> ServerProcess:
        if self._server is not None and not self._server.alive():
            self.close()
        if self._server is None:
            self._server = ServerProcess.start(self._erl)
            self.starts += 1
        return self._server


def _path_term(path: PathLike) -> ErlList:
    return erl_string(os.fsdecode(Path(path).absolute()))


def _rel_stem(rel_file: PathLike) -> ErlList:
    # make_relup appends ".rel" itself; absolute, because it looks in "." first.
    path = Path(rel_file).absolute()
    return erl_string(str(path.with_suffix("")) if path.suffix == ".rel" else str(path))


def _release_refs(refs: Sequence[ReleaseRef]) -> ErlList:
    items: list[Term] = []
    for ref in refs:
        if isinstance(ref, tuple):
            rel_file, description = ref
            items.append((_rel_stem(rel_file), description))
        else:
            items.append(_rel_stem(ref))
    return ErlList(tuple(items))


def _scripts_term(scripts: Sequence[Sequence[Term]] | ErlList) -> ErlList:
    if isinstance(scripts, ErlList):
        return scripts
    return ErlList(
        tuple(
            script if isinstance(script, ErlList) else ErlList(tuple(script)) for script in scripts
        )
    )


def _applications_term(applications: Sequence[AppRecord | Term]) -> ErlList:
    return ErlList(
        tuple(app.as_term() if isinstance(app, AppRecord) else app for app in applications)
    )
