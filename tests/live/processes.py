"""Process plumbing for the live release harness: commands, waiting, epmd, cleanup.

Everything here acts only on processes the harness started: the private epmd
is our child, and leftovers are found by the unique temporary directories
their command lines name, then killed by pid.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from relup.node_control import NodeError
from relup.scratch_node import PrivateEpmd, find_erlang_binary

# Settings from the caller's environment that would change how erl, rebar3 or the
# relx script behave (another node, cookie, vm.args or log directory).
_INHERITED_SETTINGS = re.compile(
    r"ERL_.*|REBAR_.*|RELX_.*|VMARGS_PATH|PIPE_DIR|RUNNER_LOG_DIR|NODETOOL_.*|USE_NODETOOL|DEBUG"
)


class LiveReleaseError(Exception):
    """A build, a start or a command on a live release failed."""


def clean_environment() -> dict[str, str]:
    """This process's environment without Erlang, rebar3 and relx settings."""
    return {
        name: value for name, value in os.environ.items() if not _INHERITED_SETTINGS.fullmatch(name)
    }


def private_epmd(root: Path) -> PrivateEpmd:
    """An (unstarted) epmd of the release's bundled ERTS, else the one on PATH."""
    try:
        return PrivateEpmd(find_erlang_binary(root, "epmd"))
    except NodeError as error:
        raise LiveReleaseError(str(error)) from error


def node_environment(scratch: Path, epmd: PrivateEpmd) -> dict[str, str]:
    """A clean environment for a node: HOME in ``scratch``, epmd at ``epmd``'s port."""
    environment = clean_environment()
    environment.update(HOME=str(scratch / "home"), ERL_EPMD_PORT=str(epmd.port))
    return environment


def kill_leftovers(directories: Iterable[Path], epmd: PrivateEpmd, os_pid: int | None) -> None:
    """Kill the node ``os_pid`` and whatever names ``directories`` (our epmd excepted)."""
    excluded = [epmd.process.pid] if epmd.process is not None else []
    leftovers = set(processes_naming(directories, excluded))
    if os_pid is not None and is_running(os_pid):
        leftovers.add(os_pid)
    kill_and_wait(leftovers)


def run_checked(
    command: Sequence[str | Path], *, cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``command``; raise :class:`LiveReleaseError` with its output if it fails or hangs."""
    shown = " ".join(str(part) for part in command)
    try:
        result = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LiveReleaseError(f"`{shown}` (in {cwd}) took over {timeout:.0f} s") from error
    if result.returncode != 0:
        raise LiveReleaseError(
            f"`{shown}` (in {cwd}) exited {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return result


def wait_until(
    condition: Callable[[], bool], timeout: float, description: str, interval: float = 0.25
) -> None:
    """Poll ``condition`` until it holds; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise LiveReleaseError(f"timed out after {timeout:.0f} s waiting for {description}")
        time.sleep(interval)


def processes_naming(directories: Iterable[Path], excluded: Iterable[int] = ()) -> list[int]:
    """Pids (Linux /proc) whose command line names a path inside one of ``directories``."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    markers = [f"{directory}/".encode() for directory in directories]
    skipped = {os.getpid(), *excluded}
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in skipped:
            continue
        try:
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if any(marker in command_line for marker in markers):
            found.append(int(entry.name))
    return found


def kill_and_wait(pids: Iterable[int], timeout: float = 10) -> None:
    """SIGKILL each pid, then wait until none is running."""
    targets = set(pids)
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not any(is_running(pid) for pid in targets), timeout, f"{targets} to exit")


def is_running(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited (a zombie counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited already; only its parent (not us) can reap it.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][:1]
    except (OSError, IndexError):
        return True
    return state != "Z"
