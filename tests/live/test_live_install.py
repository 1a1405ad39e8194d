"""``relup install`` on a running relx release: up and down, drift, a child that did not start.

The shop example is built by rebar3 (1.0.0, then 1.1.0 beside it), packaged by
``relup.packaging.build_package``, and a node booted from the 1.0.0 tarball
(tests/live/live_release.py: its own ``bin/shop daemon``, a random node name
and cookie on a private epmd) is driven by ``relup install`` alone, run
in-process with the node's environment (VMARGS_PATH, ERL_EPMD_PORT) so that
``bin/shop eval`` reaches it as an operator's shell would.

* up to 1.1.0 with ``--package``, then down to 1.0.0: every step passes and the
  node is in the state test_live_upgrade_relx.py checks (cart pid and state,
  children, applications, modules);
* a beam replaced on disk after boot: the drift is listed and nothing is
  installed, unless ``--allow-drift``;
* 1.1.0 built with an appup that forgets ``{update, shop_sup, supervisor}``:
  ``supervisor:restart_child(shop_sup, shop_audit)`` then returns
  ``{error, not_found}``, which OTP ignores; ``relup install`` reports it and
  does not make 1.1.0 permanent, and installing 1.0.0 goes back at once.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_tool

from diffing.terms import Atom, ErlList, erl_string
from live.live_release import RunningNode, build_release, build_tarball, deploy_tarball
from live.test_live_upgrade_relx import (
    HAND_WRITTEN_APPUP,
    _check_new_release,
    _check_old_release,
    _snapshot,
)
from relup.cli import main
from relup.packaging import PackageRequest, build_package
from relup.planning import PlanRequest

pytestmark = [pytest.mark.live, pytest.mark.erlang]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"
OLD, NEW = "1.0.0", "1.1.0"
ITEMS = [("apple", 3), ("bread", 1)]
SUPERVISOR_UPDATE = "    {update, shop_sup, supervisor},\n"


@dataclass(frozen=True, slots=True)
class Builds:
    old_tarball: Path
    new_root: Path  # _build/prod/rel/shop holding 1.0.0 and 1.1.0
    package: Path
    broken_package: Path  # 1.1.0 whose appup never updates shop_sup


@pytest.fixture(scope="module")
def builds() -> Iterator[Builds]:
    require_tool("rebar3", "rebar3 to build the example releases")
    work = Path(tempfile.mkdtemp(prefix="relup-live-install-"))
    try:
        old_root = build_release(EXAMPLES / "v1", work / "old")
        old_tarball = build_tarball(old_root, OLD)
        new_root = build_release(EXAMPLES / "v2", work / "new", alongside=old_root)
        broken_project = shutil.copytree(EXAMPLES / "v2", work / "broken-source" / "v2")
        appup = broken_project / HAND_WRITTEN_APPUP
        text = appup.read_text(encoding="utf-8")
        assert text.count(SUPERVISOR_UPDATE) == 2
        appup.write_text(text.replace(SUPERVISOR_UPDATE, "", 1), encoding="utf-8")
        broken_root = build_release(broken_project, work / "broken", alongside=old_root)
        yield Builds(
            old_tarball,
            new_root,
            _package(old_root, new_root, work / "package"),
            _package(old_root, broken_root, work / "broken-package"),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _package(old_root: Path, new_root: Path, directory: Path) -> Path:
    directory.mkdir()
    request = PackageRequest(PlanRequest(old=old_root, new=f"{new_root}@{NEW}"))
    return build_package(request, directory).output


@pytest.fixture()
def node(builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningNode]:
    """A node running the deployed 1.0.0 tarball; this process's environment reaches it."""
    root = deploy_tarball(builds.old_tarball, tmp_path / "shop")
    with RunningNode(root, tmp_path / "node") as running:
        # What an operator's shell would hold for this node; bin/shop reads it.
        environment = running._environment()
        for name in list(os.environ):
            if name not in environment:
                monkeypatch.delenv(name)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        running.eval("ok = shop_cart:add(apple, 3), ok = shop_cart:add(bread, 1)")
        yield running


def _install(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = main(["install", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _row(out: str, step: str) -> str:
    """The table row of ``step`` (its name, result and detail)."""
    rows = [line for line in out.splitlines() if re.match(rf"{re.escape(step)}\s{{2,}}", line)]
    assert len(rows) == 1, f"no single row for {step!r} in:\n{out}"
    return rows[0]


def _results(out: str) -> dict[str, str]:
    found = {}
    for line in out.splitlines()[2:]:
        match = re.match(r"(\S.*?)\s{2,}(passed|warned|failed|skipped)\s", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_install_upgrades_and_downgrades_a_running_node(
    builds: Builds, node: RunningNode, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(node)
    _check_old_release(before, ITEMS)

    status, out, err = _install(capsys, str(node.root), NEW, "--package", str(builds.package))
    assert status == 0, out + err
    assert out.startswith(f"relup install: shop {OLD} -> {NEW} (upgrade)\n")
    assert set(_results(out).values()) == {"passed"}, out
    assert list(_results(out)) == [
        "node",
        "version",
        "drift",
        "unpack",
        "relup",
        "check_install_release",
        "install_release",
        "verify script",
        "make_permanent",
        "verify version",
    ]
    assert "shop_sup's child shop_audit running" in _row(out, "verify script")
    assert "application old_metrics stopped" in _row(out, "verify script")
    assert f"{NEW} installed and verified" in err
    _check_new_release(_snapshot(node), before, ITEMS)
    assert 'REL_VSN="1.1.0"' in (node.root / "bin" / "shop").read_text()
    assert not (node.root / "releases" / f"shop-{NEW}.tar.gz").exists(), "unpacked and removed"

    status, out, err = _install(capsys, str(node.root), OLD, "--from", NEW)
    assert status == 0, out + err
    assert out.startswith(f"relup install: shop {NEW} -> {OLD} (downgrade)\n")
    assert "already old" in _row(out, "unpack")
    assert "shop_sup's child shop_audit absent" in _row(out, "verify script")
    downgraded = _snapshot(node)
    _check_old_release(downgraded, ITEMS)
    assert downgraded.cart_pid == before.cart_pid
    assert 'REL_VSN="1.0.0"' in (node.root / "bin" / "shop").read_text()

    status, out, err = _install(capsys, str(node.root), OLD)
    assert status == 1
    assert "1.0.0 is already running" in _row(out, "version")
    assert "failed at version" in err


def test_drift_stops_the_install_unless_allowed(
    builds: Builds, node: RunningNode, capsys: pytest.CaptureFixture[str]
) -> None:
    replaced = node.root / "lib" / f"shop-{OLD}" / "ebin" / "shop_price.beam"
    shutil.copy(builds.new_root / "lib" / f"shop-{NEW}" / "ebin" / "shop_price.beam", replaced)

    status, out, err = _install(capsys, str(node.root), NEW, "--package", str(builds.package))
    assert status == 1
    drift = _row(out, "drift")
    assert re.search(r"failed\s+1 of \d+ loaded modules differ from disk", drift), drift
    assert f"shop_price: the running code differs from the beam on disk ({replaced})" in out
    assert "failed at drift" in err
    assert list(_results(out)) == ["node", "version", "drift"]
    releases = node.eval_term("[V || {_, V, _, _} <- release_handler:which_releases()]")
    assert releases == ErlList((erl_string(OLD),)), "nothing may be unpacked after drift"
    assert not (node.root / "releases" / f"shop-{NEW}.tar.gz").exists()

    status, out, err = _install(
        capsys, str(node.root), NEW, "--package", str(builds.package), "--allow-drift"
    )
    assert status == 0, out + err
    assert _results(out)["drift"] == "warned"
    assert _results(out)["verify script"] == "passed"


def test_a_child_restart_that_failed_is_reported(
    builds: Builds, node: RunningNode, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _install(
        capsys, str(node.root), NEW, "--package", str(builds.broken_package)
    )
    assert status == 1, out + err
    results = _results(out)
    assert results["install_release"] == "passed", "OTP itself saw no problem"
    assert results["verify script"] == "failed"
    assert "make_permanent" not in results, "never made permanent after a failed check"
    assert "expected shop_sup's child shop_audit running, but it is absent" in out
    assert f"{NEW} is not made permanent: a restart boots {OLD}" in _row(out, "verify script")
    assert "failed at verify script" in err
    # The node agrees: the supervisor never learnt the new child, and OLD stays permanent.
    children = node.eval_term("[Id || {Id, _, _, _} <- supervisor:which_children(shop_sup)]")
    assert children == ErlList((Atom("shop_cart"),))
    assert 'REL_VSN="1.0.0"' in (node.root / "bin" / "shop").read_text(), "a restart boots OLD"
    statuses = node.eval_term("[{V, S} || {_, V, _, S} <- release_handler:which_releases()]")
    assert (erl_string(OLD), Atom("permanent")) in statuses.items, statuses
    assert (erl_string(NEW), Atom("current")) in statuses.items, statuses

    # Going back from the unfinished installation: its own down script, then permanent.
    # shop_sup still runs 1.0.0's code beside 1.1.0's beam (the appup never loaded
    # it): the drift check says so, and the operator going back allows it.
    status, out, err = _install(capsys, str(node.root), OLD, "--allow-drift")
    assert status == 0, out + err
    assert out.startswith(f"relup install: shop {NEW} -> {OLD} (downgrade)\n")
    assert "shop_sup: the running code differs from the beam on disk" in out
    assert _results(out)["drift"] == "warned"
    assert _results(out)["verify version"] == "passed"
    _check_old_release(_snapshot(node), ITEMS)
