"""The Erlang VM behind the oracle: starting it, framing messages, failing clearly.

One ``erl -noshell -noinput`` process runs ``oracle_server.erl``, compiled in
memory at start-up.  Requests and replies travel over two extra pipes (not
stdin/stdout), each message a 4-byte big-endian length followed by UTF-8
Erlang term text, so whatever OTP prints goes to a log file and can never
corrupt a reply.  A timeout or an unexpected exit kills the VM and raises a
:class:`OracleError` naming the request and quoting the VM's output.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_SOURCE = Path(__file__).with_name("oracle_server.erl")
STARTUP_TIMEOUT = 60.0


class OracleError(Exception):
    """The oracle harness failed (not an answer from systools)."""


class OracleUnavailable(OracleError):
    """There is no ``erl`` executable to run."""


class OracleTimeout(OracleError):
    """The VM did not answer in time; it has been killed."""


class OracleDied(OracleError):
    """The VM exited or closed its pipe while a request was pending."""


class OracleRequestError(OracleError):
    """The server could not carry out a request (a bug in the request or the harness)."""


class ServerProcess:
    """One ``erl`` process and the two pipe ends used to talk to it."""

    def __init__(
        self, process: subprocess.Popen[bytes], to_vm: int, from_vm: int, workdir: Path
    ) -> None:
        self.process = process
        self.to_vm = to_vm
        self.from_vm = from_vm
        self.workdir = workdir
        self.stopped = False

    @classmethod
    def start(cls, erl: str) -> ServerProcess:
        # The VM runs in its own scratch directory: make_relup looks for .rel
        # files in "." first, and a crash dump must not land in the repo.
        workdir = Path(tempfile.mkdtemp(prefix="systools-oracle-"))
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        with open(workdir / "erl.log", "wb") as log:
            process = subprocess.Popen(
                [erl, "-noshell", "-noinput", "-eval", _boot_expression(request_read, reply_write)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                pass_fds=(request_read, reply_write),
                env={**os.environ, "ERL_CRASH_DUMP_BYTES": "0"},
            )
        os.close(request_read)
        os.close(reply_write)
        server = cls(process, request_write, reply_read, workdir)
        try:
            answer = server.exchange("{ping}", STARTUP_TIMEOUT)
        except OracleError:
            server.stop(kill=True)
            raise
        if answer != "{reply,pong}":
            server.stop()
            raise OracleRequestError(f"unexpected start-up answer {answer!r}")
        return server

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        try:
            return (self.workdir / "erl.log").read_text(errors="replace")
        except OSError:
            return ""

    def exchange(self, request: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        payload = request.encode()
        try:
            _write_all(self.to_vm, struct.pack(">I", len(payload)) + payload)
            (length,) = struct.unpack(">I", self._read_exactly(4, deadline, request))
            return self._read_exactly(length, deadline, request).decode()
        except (BrokenPipeError, EOFError):
            output = self.log_text()
            self.stop(kill=True)
            raise OracleDied(
                f"the Erlang VM died during {summary(request)}; its output was:\n{output}"
            ) from None

    def _read_exactly(self, count: int, deadline: float, request: str) -> bytes:
        chunks: list[bytes] = []
        missing = count
        while missing:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.from_vm], [], [], max(remaining, 0.0))
            if not ready:
                output = self.log_text()
                self.stop(kill=True)
                raise OracleTimeout(
                    f"the Erlang VM did not answer {summary(request)} in time; "
                    "it was killed and the next request starts a new one; "
                    f"its output was:\n{output}"
                )
            chunk = os.read(self.from_vm, missing)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def stop(self, kill: bool = False) -> None:
        """End the VM: gracefully by closing its request pipe, or at once with ``kill``."""
        # Idempotent: a closed descriptor number may already belong to someone else.
        if self.stopped:
            return
        self.stopped = True
        if kill:
            self.process.kill()
        for descriptor in (self.to_vm, self.from_vm):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _boot_expression(request_fd: int, reply_fd: int) -> str:
    # The source path goes in as a list of bytes so no quoting can break it.
    path_bytes = ",".join(str(byte) for byte in os.fsencode(SERVER_SOURCE))
    return (
        f"{{ok,M,B}} = compile:file(binary_to_list(<<{path_bytes}>>), [binary, report]), "
        f'{{module,M}} = code:load_binary(M, "oracle_server.erl", B), '
        f'oracle_server:main(["{request_fd}", "{reply_fd}"]).'
    )


def summary(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "..."
