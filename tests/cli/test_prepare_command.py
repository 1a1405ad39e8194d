"""``relup prepare``: what it prints and the exit codes, on the bundled Elixir example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relup.cli import main

COUNTER = Path(__file__).resolve().parents[2] / "examples" / "counter" / "rel-0.1.0"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture()
def fresh(tmp_path: Path) -> Path:
    root = shutil.copytree(COUNTER, tmp_path / "counter")
    (root / "erts-13.1.5").mkdir()
    return root


def test_prepare_writes_then_has_nothing_to_do(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "prepare", str(fresh)) == (
        0,
        "",
        f"relup: wrote {fresh}/releases/RELEASES (counter 0.1.0 permanent)\n",
    )
    assert _run(capsys, "prepare", str(fresh)) == (
        0,
        "",
        f"relup: nothing to do: {fresh}/releases/RELEASES already lists counter 0.1.0\n",
    )


def test_a_non_release_is_one_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, "prepare", str(tmp_path))
    assert (status, out) == (3, "")
    assert err == f"relup: error: {tmp_path}: not a release root (expected releases/VSN/NAME.rel)\n"


def test_a_release_that_cannot_install_upgrades_is_exit_3(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(fresh / "erts-13.1.5")
    status, _, err = _run(capsys, "prepare", str(fresh))
    assert status == 3
    assert err.startswith(f"relup: error: {fresh}/erts-13.1.5: missing: without ERTS")
    assert err.count("\n") == 1
    assert not (fresh / "releases" / "RELEASES").exists()
