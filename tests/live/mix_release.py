"""Build and drive real ``mix release`` trees, for live upgrade tests.

Building: :func:`build_mix_release` assembles a mix project's release in a
private copy of the project (``MIX_ENV=prod mix release``), offline, with
MIX_HOME, HEX_HOME and HOME inside the work directory.  The example projects
run ``relup prepare`` as a release step through the ``RELUP`` variable, which
points at :func:`relup_wrapper`: this checkout's ``relup`` in this Python.

Running: :class:`MixNode` starts a deployed release with its own
``bin/NAME daemon`` under a unique node name and cookie (``RELEASE_NODE``,
``RELEASE_COOKIE``, short names), on an epmd of its own, its pipes and logs
in a scratch directory (``RELEASE_TMP``), and evaluates Elixir on it with
``bin/NAME rpc``.  Leaving the context always stops the node and that epmd,
and kills whatever is left that names the release or the scratch directory.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from diffing.term_reader import parse_first_term
from diffing.terms import Term
from live.processes import (
    LiveReleaseError,
    clean_environment,
    is_running,
    kill_leftovers,
    node_environment,
    private_epmd,
    run_checked,
    wait_until,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MIX_TIMEOUT = 300.0
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 120.0
REPLY_MARKER = "RELUP-LIVE:"
BOOT_FAILURE_MARKERS = ("init terminating in do_boot", "Kernel pid terminated")


# -- building ---------------------------------------------------------------------------


def relup_wrapper(work_dir: Path) -> Path:
    """A ``relup`` executable running this checkout with this Python (for ``RELUP``)."""
    wrapper = work_dir / "bin" / "relup"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(
        f"#!/bin/sh\nPYTHONPATH='{REPO_ROOT}' exec '{sys.executable}' -m relup.cli \"$@\"\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


def mix_environment(work_dir: Path) -> dict[str, str]:
    """An environment in which mix stays offline and writes only under ``work_dir``."""
    environment = clean_environment()
    for name in [name for name in environment if name.startswith(("MIX_", "HEX_", "RELEASE_"))]:
        del environment[name]
    environment.update(
        HOME=str(work_dir / "home"),
        MIX_HOME=str(work_dir / "mix-home"),
        HEX_HOME=str(work_dir / "hex-home"),
        HEX_OFFLINE="1",
        MIX_ENV="prod",
        RELUP=str(relup_wrapper(work_dir)),
    )
    return environment


def build_mix_release(project_dir: Path, work_dir: Path) -> Path:
    """Copy a mix project into ``work_dir`` and assemble its release there.

    Returns:
        The release root ``<copy>/_build/prod/rel/NAME``.
    """
    project = work_dir / project_dir.name
    shutil.copytree(project_dir, project, ignore=shutil.ignore_patterns("_build", "deps"))
    (work_dir / "home").mkdir(exist_ok=True)
    run_checked(
        ["mix", "release", "--quiet"],
        cwd=project,
        env=mix_environment(work_dir),
        timeout=MIX_TIMEOUT,
    )
    rel_dir = project / "_build" / "prod" / "rel"
    roots = sorted(path for path in rel_dir.iterdir() if path.is_dir())
    if len(roots) != 1:
        raise LiveReleaseError(f"expected one release root in {rel_dir}, found {roots}")
    return roots[0]


# -- running ----------------------------------------------------------------------------


class MixNode:
    """A deployed mix release running under its own ``bin/NAME daemon``, stopped on exit."""

    def __init__(self, root: Path, scratch: Path, name: str):
        self.root = root
        self.scratch = scratch
        self.script = root / "bin" / name
        self.node_name = f"relup_mix_{secrets.token_hex(4)}@localhost"
        self.cookie = secrets.token_hex(16)
        self.tmp = scratch / "tmp"
        self.os_pid: int | None = None
        self.epmd = private_epmd(root)

    def __enter__(self) -> MixNode:
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

    def _environment(self) -> dict[str, str]:
        environment = node_environment(self.scratch, self.epmd)
        environment.update(
            ELIXIR_ERL_OPTIONS="-start_epmd false",
            RELEASE_DISTRIBUTION="sname",
            RELEASE_NODE=self.node_name,
            RELEASE_COOKIE=self.cookie,
            RELEASE_TMP=str(self.tmp),
        )
        return environment

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start epmd and the node, and wait (at most ``timeout`` s) until it answers."""
        (self.scratch / "home").mkdir(parents=True, exist_ok=True)
        self.epmd.start()
        run_checked([self.script, "daemon"], cwd=self.root, env=self._environment(), timeout=30)
        try:
            wait_until(self._answers, timeout, f"{self.node_name} to answer")
        except LiveReleaseError as error:
            raise LiveReleaseError(f"{error}\n{self.log_tail()}") from error
        self.os_pid = int(self.rpc_text("String.to_integer(System.pid())"))

    def _answers(self) -> bool:
        if any(marker in self._log_text() for marker in BOOT_FAILURE_MARKERS):
            raise LiveReleaseError(f"{self.node_name} failed to boot\n{self.log_tail()}")
        try:
            return self.rpc_text(":ok") == "ok"
        except LiveReleaseError:
            return False

    def rpc(self, expression: str, timeout: float = COMMAND_TIMEOUT) -> Term:
        """Evaluate Elixir on the node; return its value (a literal term: no pids, no funs)."""
        return parse_first_term(self.rpc_text(expression, timeout) + ".")

    def rpc_text(self, expression: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Evaluate Elixir on the node; the value as Erlang's ``~0tp`` prints it.

        An exception raised on the node raises :class:`LiveReleaseError`.
        """
        wrapped = (
            "relup_live_reply = try do\n"
            f"  {{:ok, ({expression})}}\n"
            "catch\n"
            "  kind, reason -> {:raised, kind, reason, __STACKTRACE__}\n"
            "end\n"
            'IO.puts("' + REPLY_MARKER + '" <> Base.encode64(:erlang.iolist_to_binary('
            ':io_lib.format(~c"~0tp", [relup_live_reply]))))'
        )
        try:
            result = run_checked(
                [self.script, "rpc", wrapped],
                cwd=self.root,
                env=self._environment(),
                timeout=timeout,
            )
        except LiveReleaseError as error:
            raise LiveReleaseError(f"{error}\n{self.log_tail()}") from error
        marked = [line for line in result.stdout.splitlines() if line.startswith(REPLY_MARKER)]
        if len(marked) != 1:
            raise LiveReleaseError(f"rpc of {expression!r} printed no reply: {result.stdout}")
        reply = base64.b64decode(marked[0].removeprefix(REPLY_MARKER)).decode("utf-8")
        if not reply.startswith("{ok,"):
            raise LiveReleaseError(f"rpc of {expression!r} failed on the node: {reply}")
        return reply.removeprefix("{ok,").removesuffix("}")

    def _log_text(self) -> str:
        logs = sorted((self.tmp / "log").glob("erlang.log.*"))
        return "".join(path.read_text(errors="replace") for path in logs)

    def log_tail(self, lines: int = 60) -> str:
        tail = "\n".join(self._log_text().splitlines()[-lines:])
        return f"--- last lines of the node's log ({self.tmp / 'log'}) ---\n{tail}\n--- end ---"

    def stop(self) -> None:
        """Stop the node (``bin/NAME stop``, then SIGKILL for what is left) and our epmd."""
        try:
            if self.os_pid is not None and self.epmd.port:
                subprocess.run(
                    [str(self.script), "stop"],
                    cwd=self.root,
                    env=self._environment(),
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
                wait_until(lambda: not _alive(self.os_pid), 20, f"{self.node_name} to stop")
        except (LiveReleaseError, subprocess.TimeoutExpired):
            pass  # killed below
        finally:
            try:
                kill_leftovers([self.root, self.scratch], self.epmd, self.os_pid)
                self.os_pid = None
            finally:
                self.epmd.stop()


def _alive(pid: int | None) -> bool:
    return pid is not None and is_running(pid)
