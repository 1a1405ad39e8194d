"""Build, deploy and drive real relx releases, for live upgrade tests.

Building: :func:`build_release` assembles a rebar3 project's release in a private
copy of the project (``rebar3 as prod release``), optionally beside an older
release root, since relx expects every version of a release in one
``_build/PROFILE/rel/NAME``; :func:`build_tarball` packs it (``rebar3 as prod
tar``).  rebar3 runs offline, with HOME and its cache inside the work directory.

Running: :class:`RunningNode` starts a deployed release with its own
``bin/NAME daemon`` under a unique node name and cookie, on an epmd of its own
(a private port, started and stopped here), and drives it through the same
script (``eval``, ``upgrade``, ``downgrade``, ``stop``).  Every failure raises
:class:`LiveReleaseError` quoting the command's output and the tail of the
node's log, and leaving the context always stops the node and that epmd.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from diffing.term_reader import parse_first_term
from diffing.terms import Term, as_text
from live.processes import (
    LiveReleaseError,
    clean_environment,
    kill_leftovers,
    node_environment,
    private_epmd,
    run_checked,
    wait_until,
)
from relup.scratch_node import write_vm_args

__all__ = [
    "LiveReleaseError",
    "RunningNode",
    "build_release",
    "build_tarball",
    "deploy_tarball",
    "rebar3_environment",
    "release_name_of",
    "run_relup_command",
    "wait_until",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
REBAR3_TIMEOUT = 300.0
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
LOG_TAIL_LINES = 60
REQUIRED_COMMANDS = ("daemon", "ping", "eval", "upgrade", "downgrade", "stop")
BOOT_FAILURE_MARKERS = ("init terminating in do_boot", "Kernel pid terminated")


# -- building ---------------------------------------------------------------------------


def rebar3_environment(work_dir: Path) -> dict[str, str]:
    """An environment in which rebar3 stays offline and writes only under ``work_dir``."""
    environment = clean_environment()
    environment.update(
        HOME=str(work_dir / "home"),
        REBAR_CACHE_DIR=str(work_dir / "rebar-cache"),
        REBAR_GLOBAL_CONFIG_DIR=str(work_dir / "rebar-config"),
        REBAR_OFFLINE="1",
        REBAR_COLOR="none",
    )
    return environment


def build_release(
    project_dir: Path,
    work_dir: Path,
    *,
    alongside: Path | None = None,
    profile: str = "prod",
    without: Sequence[str] = (),
) -> Path:
    """Copy a rebar3 project into ``work_dir`` and assemble its release there.

    Args:
        project_dir: the rebar3 project (left untouched).
        work_dir: where the copy ``work_dir/<project_dir.name>`` is made.
        alongside: an already built release root (``.../_build/PROFILE/rel/NAME``)
            copied in first, so that both versions share one release root.
        profile: the rebar3 profile (``prod`` builds self-contained trees).
        without: files of the project (relative paths) to leave out of the copy.

    Returns:
        The release root ``<copy>/_build/PROFILE/rel/NAME``.
    """
    project = work_dir / project_dir.name
    shutil.copytree(project_dir, project, symlinks=True, ignore=shutil.ignore_patterns("_build"))
    for relative in without:
        (project / relative).unlink()
    rel_dir = project / "_build" / profile / "rel"
    if alongside is not None:
        rel_dir.mkdir(parents=True)
        shutil.copytree(alongside, rel_dir / alongside.name, symlinks=True)
    (work_dir / "home").mkdir(exist_ok=True)
    run_checked(
        ["rebar3", "as", profile, "release"],
        cwd=project,
        env=rebar3_environment(work_dir),
        timeout=REBAR3_TIMEOUT,
    )
    roots = sorted(path for path in rel_dir.iterdir() if path.is_dir())
    if len(roots) != 1:
        raise LiveReleaseError(f"expected one release root in {rel_dir}, found {roots}")
    return roots[0]


def build_tarball(release_root: Path, version: str) -> Path:
    """Run ``rebar3 as PROFILE tar`` for the project that built ``release_root``.

    Returns:
        The tarball ``release_root/NAME-VERSION.tar.gz``.
    """
    project, profile = release_root.parents[3], release_root.parents[1].name
    work_dir = project.parent
    run_checked(
        ["rebar3", "as", profile, "tar"],
        cwd=project,
        env=rebar3_environment(work_dir),
        timeout=REBAR3_TIMEOUT,
    )
    tarball = release_root / f"{release_root.name}-{version}.tar.gz"
    if not tarball.is_file():
        raise LiveReleaseError(f"rebar3 tar did not write {tarball}")
    return tarball


def run_relup_command(
    arguments: Sequence[str], timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run ``relup ARGUMENTS`` from this checkout in a fresh Python; never raises on status."""
    environment = clean_environment()
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), environment.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, "-m", "relup.cli", *arguments],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def deploy_tarball(tarball: Path, target: Path) -> Path:
    """Extract a release tarball into a new directory ``target``; return ``target``."""
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target


# -- running ----------------------------------------------------------------------------


def release_name_of(root: Path) -> str:
    """The release name of a relx root, from its ``releases/VSN/NAME.rel``."""
    names = {path.stem for path in root.glob("releases/*/*.rel")}
    if len(names) != 1:
        raise LiveReleaseError(f"cannot tell the release name of {root}: found {sorted(names)}")
    return names.pop()


def _missing_commands(script: Path) -> list[str]:
    text = script.read_text(encoding="utf-8", errors="replace")
    return [
        command
        for command in REQUIRED_COMMANDS
        if not re.search(rf"(?m)^\s*(?:[\w|]+\|)?{command}(?:\|[\w|]+)?\)", text)
    ]


class RunningNode:
    """A deployed release running under its own ``bin/NAME daemon``, stopped on exit.

    ``scratch`` receives the node's vm.args (unique ``-sname`` and cookie), its
    run_erl pipes and logs, and a private HOME; ``root`` is the deployed release.
    """

    def __init__(self, root: Path, scratch: Path, *, command_timeout: float = COMMAND_TIMEOUT):
        self.root = root
        self.scratch = scratch
        self.release_name = release_name_of(root)
        self.script = root / "bin" / self.release_name
        self.node_name = f"relup_live_{secrets.token_hex(4)}@localhost"
        self.cookie = secrets.token_hex(16)
        self.command_timeout = command_timeout
        self.log_dir = scratch / "log"
        self.os_pid: int | None = None
        self.epmd = private_epmd(root)

    def __enter__(self) -> RunningNode:
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

    # -- starting

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start epmd and the node, and wait (at most ``timeout`` s) until it answers."""
        missing = _missing_commands(self.script)
        if missing:
            raise LiveReleaseError(f"{self.script} has no command {', '.join(missing)}")
        for directory in (self.scratch / "home", self.scratch / "pipes", self.log_dir):
            directory.mkdir(parents=True, exist_ok=True)
        write_vm_args(self.root, self.scratch / "vm.args", self.node_name, self.cookie)
        self.epmd.start()
        self._run_daemon(timeout)
        try:
            wait_until(self.ping, timeout, f"{self.node_name} to answer ping")
        except LiveReleaseError as error:
            raise LiveReleaseError(f"{error}\n{self.log_tail()}") from error
        os_pid = as_text(self.eval_term("os:getpid()"))
        self.os_pid = int(os_pid) if os_pid is not None else None

    def _environment(self) -> dict[str, str]:
        environment = node_environment(self.scratch, self.epmd)
        environment.update(
            VMARGS_PATH=str(self.scratch / "vm.args"),
            PIPE_DIR=f"{self.scratch / 'pipes'}/",
            RUNNER_LOG_DIR=str(self.log_dir),
            RELX_RPC_TIMEOUT=str(int(self.command_timeout)),
        )
        return environment

    def _run_daemon(self, timeout: float) -> None:
        # relx's daemon command waits, without limit, for the node to answer; it gets
        # its own session so that, on a timeout, the waiting shell and its erl_call go.
        output = self.scratch / "daemon.out"
        with output.open("w") as sink:
            process = subprocess.Popen(
                [str(self.script), "daemon"],
                cwd=self.root,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            failed = any(marker in self._log_text() for marker in BOOT_FAILURE_MARKERS)
            if failed or time.monotonic() >= deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                reason = "failed to boot" if failed else f"did not start within {timeout:.0f} s"
                raise LiveReleaseError(f"{self.node_name} {reason}\n{self.log_tail()}")
            time.sleep(0.2)
        if process.returncode != 0:
            raise LiveReleaseError(
                f"`{self.script} daemon` exited {process.returncode}\n{self.log_tail()}"
            )

    # -- talking to the node

    def command(
        self, *arguments: str, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``bin/NAME ARGUMENTS`` against the node; raise (with the log) if it fails."""
        try:
            return run_checked(
                [self.script, *arguments],
                cwd=self.root,
                env=self._environment(),
                timeout=timeout or self.command_timeout,
            )
        except LiveReleaseError as error:
            raise LiveReleaseError(f"{error}\n{self.log_tail()}") from error

    def ping(self) -> bool:
        """Whether ``bin/NAME ping`` gets an answer from the node."""
        try:
            return "pong" in self.command("ping", timeout=15).stdout
        except LiveReleaseError:
            return False

    def eval(self, expression: str) -> str:
        """Evaluate Erlang expressions on the node; return the value as ``~0tp`` prints it.

        ``expression`` is one or more comma-separated expressions (a final dot is
        optional).  An exception raised on the node raises :class:`LiveReleaseError`.
        """
        # relx passes the text through the shell's echo, which rewrites backslashes.
        if "\\" in expression:
            raise ValueError(f"backslashes do not survive `bin/NAME eval`: {expression!r}")
        body = expression.strip().removesuffix(".")
        # erl_call prints terms in its own syntax (pids as <node.N.M>, binaries
        # truncated), so the node formats the value itself and sends it in base64.
        wrapped = (
            "base64:encode_to_string(unicode:characters_to_binary("
            f'try io_lib:format("ok ~0tp", [begin {body} end]) '
            "catch RelupLive__Class:RelupLive__Reason:RelupLive__Stack -> "
            'io_lib:format("raised ~0tp:~0tp ~0tp", '
            "[RelupLive__Class, RelupLive__Reason, RelupLive__Stack]) end))."
        )
        printed = self.command("eval", wrapped).stdout.strip()
        is_text = printed.startswith(('"', "["))
        encoded = as_text(parse_first_term(printed + ".")) if is_text else None
        if encoded is None:
            raise LiveReleaseError(f"eval of {body!r} failed: {printed}\n{self.log_tail()}")
        reply = base64.b64decode(encoded).decode("utf-8")
        if not reply.startswith("ok "):
            raise LiveReleaseError(f"eval of {body!r} {reply}\n{self.log_tail()}")
        return reply.removeprefix("ok ")

    def eval_term(self, expression: str) -> Term:
        """Like :meth:`eval`, parsed (the value must not hold pids, ports, refs or funs)."""
        return parse_first_term(self.eval(expression) + ".")

    # -- logs

    def _log_files(self) -> list[Path]:
        return sorted(self.log_dir.glob("erlang.log.*"), key=lambda path: path.stat().st_mtime)

    def _log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self._log_files())

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the node's console log (run_erl's erlang.log.N files)."""
        text = self._log_text()
        daemon_output = self.scratch / "daemon.out"
        if daemon_output.exists():
            text += daemon_output.read_text(errors="replace")
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last lines of the node's log ({self.log_dir}) ---\n{tail}\n--- end of log ---"

    # -- stopping

    def stop(self) -> None:
        """Stop the node (``bin/NAME stop``, then SIGKILL for what is left) and our epmd."""
        try:
            if self.os_pid is not None and self.ping():
                self.command("stop", timeout=STOP_TIMEOUT)
        except LiveReleaseError:
            pass  # whatever is left is killed below
        finally:
            try:
                self._kill_leftovers()
            finally:
                self.epmd.stop()

    def _kill_leftovers(self) -> None:
        # Ours only: the node's beam, and anything (run_erl, a waiting erl_call)
        # whose command line names our private release root or scratch directory.
        kill_leftovers([self.root, self.scratch], self.epmd, self.os_pid)
        self.os_pid = None
