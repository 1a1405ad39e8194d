"""Boot a release in a scratch directory, alone: its own name, cookie and epmd.

A rehearsal must not meet any other node on the machine, nor be met by one:
the node gets a random short name and cookie, and registers with an epmd of
its own, started here on a free port (``ERL_EPMD_PORT`` tells every Erlang
program started with our environment where it is).  The node runs in the
foreground of a child process started here (relx's ``bin/NAME foreground``,
mix's ``bin/NAME start``, both ending in ``exec`` of the emulator), so
stopping it needs no search for processes: ``bin/NAME stop``, then a kill of
that child's process group if it lingers.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from diffing.errors import EXIT_INPUT
from relup.node_control import NodeControl, NodeError, ReleaseScript

BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
LOG_TAIL_LINES = 15
# Settings from the caller's environment that would point the node or the
# script at another node, cookie, vm.args, epmd or log directory.
_INHERITED_SETTINGS = re.compile(
    r"ERL_.*|ELIXIR_ERL_OPTIONS|REBAR_.*|RELX_.*|RELEASE_.*|VMARGS_PATH|PIPE_DIR|RUNNER_LOG_DIR"
    r"|NODETOOL_.*|USE_NODETOOL|DEBUG|CODE_LOADING_MODE"
)
_NAME_OR_COOKIE = re.compile(r"-(s?name|setcookie|start_epmd)\b")


class PrivateEpmd:
    """An epmd on a free local port, a child of this process until :meth:`stop`."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, attempts: int = 3) -> int:
        """Start epmd on a free port (trying again if another process took it first)."""
        for _attempt in range(attempts):
            port = _free_port()
            process = subprocess.Popen(
                [self.binary, "-port", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline:
                if _port_accepts(port):
                    self.process, self.port = process, port
                    return port
                time.sleep(0.05)
            process.kill()
            process.wait()
        raise NodeError(f"could not start {self.binary} on a free port")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def find_erlang_binary(root: Path, program: str) -> str:
    """``program`` (erl, epmd) from the release's bundled ERTS, else from PATH.

    Raises:
        NodeError: neither has it (exit code 3: a missing input).
    """
    bundled = sorted(root.glob(f"erts-*/bin/{program}"))
    if bundled:
        return str(bundled[-1])
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory or ".") / program
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise NodeError(
        f"no Erlang found: {root} bundles no erts-*/bin/{program} and {program} is not on "
        "PATH; install Erlang/OTP (rehearsing boots the release)",
        EXIT_INPUT,
    )


def write_vm_args(root: Path, target: Path, node_name: str, cookie: str) -> Path:
    """Write to ``target`` the vm.args of the relx release at ``root`` (its current
    version's, as ``releases/start_erl.data`` names it), with its node name, cookie and
    epmd settings replaced: ``-sname node_name``, ``-setcookie cookie``, no epmd started
    (the node registers with an epmd already running).  Returns ``target``."""
    version = (root / "releases" / "start_erl.data").read_text().split()[1]
    original = root / "releases" / version / "vm.args"
    lines = original.read_text().splitlines() if original.is_file() else []
    kept = [line for line in lines if not _NAME_OR_COOKIE.match(line.strip())]
    ours = [f"-sname {node_name}", f"-setcookie {cookie}", "-start_epmd false"]
    target.write_text("\n".join([*ours, *kept]) + "\n")
    return target


class ScratchNode:
    """A release copy in ``work/`` booted under a random name and cookie, stopped on exit."""

    def __init__(self, release: ReleaseScript, work: Path, timeout: float) -> None:
        self.release = release
        self.work = work
        self.timeout = timeout
        token = secrets.token_hex(4)
        self.node_name = f"relup_rehearse_{token}"
        self.cookie = secrets.token_hex(16)
        self.log = work / "node.log"
        self.epmd = PrivateEpmd(find_erlang_binary(release.root, "epmd"))
        self.process: subprocess.Popen[bytes] | None = None
        self.control = NodeControl(release, {}, timeout)

    def __enter__(self) -> ScratchNode:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, boot_timeout: float = BOOT_TIMEOUT) -> None:
        """Start epmd and the node; return once the node answers through ``bin/NAME``."""
        (self.work / "home").mkdir(parents=True, exist_ok=True)
        self.epmd.start()
        environment = self._environment()
        self.control = NodeControl(self.release, environment, self.timeout)
        command = "foreground" if self.release.builder == "relx" else "start"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [str(self.release.script), command],
                cwd=self.release.root,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_up(boot_timeout)

    def _environment(self) -> dict[str, str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            if not _INHERITED_SETTINGS.fullmatch(name)
        }
        environment.update(HOME=str(self.work / "home"), ERL_EPMD_PORT=str(self.epmd.port))
        if self.release.builder == "relx":
            environment["VMARGS_PATH"] = str(self._write_vm_args())
            environment["RUNNER_LOG_DIR"] = str(self.work / "log")
        else:
            environment.update(
                RELEASE_NODE=self.node_name,
                RELEASE_COOKIE=self.cookie,
                RELEASE_DISTRIBUTION="sname",
                RELEASE_TMP=str(self.work / "tmp"),
                ELIXIR_ERL_OPTIONS="-start_epmd false",
            )
        return environment

    def _write_vm_args(self) -> Path:
        return write_vm_args(self.release.root, self.work / "vm.args", self.node_name, self.cookie)

    def _wait_until_up(self, boot_timeout: float) -> None:
        deadline = time.monotonic() + boot_timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise NodeError(
                    f"the release exited with status {self.process.returncode} while booting: "
                    f"{self.log_tail()}"
                )
            try:
                self.control.evaluate("ok", timeout=10)
                return
            except NodeError:
                if time.monotonic() >= deadline:
                    raise NodeError(
                        f"the node did not answer within {boot_timeout:.0f} s: {self.log_tail()}"
                    ) from None
                time.sleep(0.3)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines the node printed, joined on one line."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no output)"
        tail = " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())
        return f"node output: {tail or '(none)'}"

    def stop(self) -> None:
        """Stop the node (``init:stop()``, then a kill of its process group) and our epmd."""
        try:
            if self.process is not None and self.process.poll() is None:
                with contextlib.suppress(NodeError):
                    self.control.evaluate("init:stop()", timeout=STOP_TIMEOUT)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    # The group holds the emulator and what it started (erl_child_setup).
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        finally:
            self.process = None
            self.epmd.stop()
