"""``relup rehearse`` on the shop example, run as a user runs it (``python -m relup.cli``).

1.0.0 is built by rebar3, 1.1.0 beside it (so ``_build/prod/rel/shop`` holds
both, as in a project).  A rehearsal boots a copy of 1.0.0, installs the
package it builds, downgrades, and prints a table:

* from the 1.0.0 build tree, with a check that holds (``erlang:garbage_collect``
  returns true): every step passes, exit 0;
* from ``ROOT@1.0.0`` of the shared tree, with a check that returns something
  else than ok or true (``catalog:skus`` returns the list of skus): the three
  check rows fail, every install step passes, exit 1.

The Elixir example (examples/counter, built by ``mix release``, whose release
step runs ``relup prepare``) is rehearsed too, with a check named the Elixir
way (``Counter.Server:bump``, which returns the new count): every install step
passes, including the new supervised child started from an Elixir child spec
and stopped again, and the three check rows fail.

Neither tree changes, and nothing the rehearsal started survives it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_tool

from live.live_release import build_release, run_relup_command
from live.mix_release import build_mix_release
from live.processes import processes_naming
from unit.relup.package_trees import tree_digest

pytestmark = [pytest.mark.live, pytest.mark.erlang]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"
COUNTER = Path(__file__).resolve().parents[2] / "examples" / "counter"
OLD, NEW = "1.0.0", "1.1.0"
REHEARSE_TIMEOUT = 300.0
ROW = re.compile(r"(\S.*?)\s{2,}(passed|warned|failed|skipped)\s{2,}(.*)")


@dataclass(frozen=True, slots=True)
class Builds:
    old_root: Path  # the old version alone
    new_root: Path  # shop: 1.0.0 and 1.1.0 in one root (as rebar3 leaves it)


@pytest.fixture(scope="module")
def builds() -> Iterator[Builds]:
    require_tool("rebar3", "rebar3 to build the example releases")
    work = Path(tempfile.mkdtemp(prefix="relup-live-rehearse-"))
    try:
        old_root = build_release(EXAMPLES / "v1", work / "old")
        yield Builds(old_root, build_release(EXAMPLES / "v2", work / "new", alongside=old_root))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _rows(out: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in out.splitlines()[2:]:
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def _rehearse(builds: Builds, old: str, keep: Path, *options: str) -> tuple[int, str, str]:
    return _rehearse_pair(
        builds.old_root, builds.new_root, old, f"{builds.new_root}@{NEW}", keep, *options
    )


def _rehearse_pair(
    old_tree: Path, new_tree: Path, old: str, new: str, keep: Path, *options: str
) -> tuple[int, str, str]:
    digests = (tree_digest(old_tree), tree_digest(new_tree))
    result = run_relup_command(
        ["rehearse", old, new, "--keep", str(keep), *options], timeout=REHEARSE_TIMEOUT
    )
    assert (tree_digest(old_tree), tree_digest(new_tree)) == digests, "OLD or NEW changed"
    assert processes_naming([keep]) == [], "the rehearsal left processes behind"
    assert (keep / "node" / "node.log").is_file()
    return result.returncode, result.stdout, result.stderr


def test_a_rehearsal_that_passes(builds: Builds, tmp_path: Path) -> None:
    status, out, err = _rehearse(
        builds, str(builds.old_root), tmp_path / "kept", "--check", "erlang:garbage_collect"
    )
    assert status == 0, out + err
    assert out.startswith(f"relup rehearse: shop {OLD} -> {NEW} -> {OLD}\n")
    rows = _rows(out)
    assert {result for result, _ in rows.values()} <= {"passed", "skipped"}, out
    for step in ("package", "boot", "stop", f"check on {OLD}", f"check on {NEW}"):
        assert rows[step][0] == "passed", out
    for direction, vsn in (("upgrade", NEW), ("downgrade", OLD)):
        assert rows[f"{direction}: verify version"] == ("passed", f"{vsn} runs, permanent")
        kept = re.fullmatch(
            r"(\d+) untouched processes kept their pid", rows[f"{direction}: pids kept"][1]
        )
        assert kept is not None and int(kept.group(1)) > 20, out
    assert rows["upgrade: verify script"][1].startswith("shop_sup's child shop_audit running")
    assert rows[f"check on {OLD} again"] == ("passed", "erlang:garbage_collect() returned true")
    assert "rehearsal passed" in err


def test_a_failing_check_fails_the_rehearsal(builds: Builds, tmp_path: Path) -> None:
    status, out, err = _rehearse(
        builds, f"{builds.new_root}@{OLD}", tmp_path / "kept", "--check", "catalog:skus"
    )
    assert status == 1, out + err
    rows = _rows(out)
    checks = (f"check on {OLD}", f"check on {NEW}", f"check on {OLD} again")
    for check in checks:
        assert rows[check] == (
            "failed",
            "catalog:skus() returned [apple,bread,cheese], not ok or true",
        ), out
    others = {step: result for step, (result, _) in rows.items() if step not in checks}
    assert set(others.values()) <= {"passed", "skipped"}, out
    assert others["downgrade: verify script"] == "passed"
    assert f"rehearsal failed: {', '.join(checks)}" in err


@pytest.fixture(scope="module")
def counter_builds() -> Iterator[Builds]:
    require_tool("mix", "Elixir's mix to build the Elixir example")
    work = Path(tempfile.mkdtemp(prefix="relup-live-rehearse-mix-"))
    try:
        old_root = build_mix_release(COUNTER / "v1", work / "v1")
        yield Builds(old_root, build_mix_release(COUNTER / "v2", work / "v2"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_a_mix_release_rehearses_with_a_failing_elixir_check(
    counter_builds: Builds, tmp_path: Path
) -> None:
    old_root, new_root = counter_builds.old_root, counter_builds.new_root
    status, out, err = _rehearse_pair(
        old_root,
        new_root,
        str(old_root),
        str(new_root),
        tmp_path / "kept",
        "--check",
        "Counter.Server:bump",
    )
    assert status == 1, out + err
    assert out.startswith("relup rehearse: counter 0.1.0 -> 0.2.0 -> 0.1.0\n")
    rows = _rows(out)
    checks = ("check on 0.1.0", "check on 0.2.0", "check on 0.1.0 again")
    for count, check in enumerate(checks, start=1):
        said = f"'Elixir.Counter.Server':bump() returned {count}, not ok or true"
        assert rows[check] == ("failed", said), out
    others = {step: result for step, (result, _) in rows.items() if step not in checks}
    assert set(others.values()) <= {"passed", "skipped"}, out
    assert rows["upgrade: verify script"] == (
        "passed",
        "Elixir.Counter.Supervisor's child from spec {'Elixir.Counter.Ticker',0} running",
    )
    assert rows["downgrade: verify script"] == (
        "passed",
        "Elixir.Counter.Supervisor's child 'Elixir.Counter.Ticker' absent",
    )
    assert f"rehearsal failed: {', '.join(checks)}" in err
