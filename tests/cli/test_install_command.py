"""``relup install`` and ``relup rehearse``: arguments, exit codes and one-line errors.

What they do on a running node is in tests/live/test_live_install.py and
tests/live/test_live_rehearse.py; here nothing boots.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relup.cli import main
from unit.relup.package_trees import tree_digest
from unit.relup.release_roots import shared_root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _assert_one_line_error(err: str, *parts: str) -> None:
    assert err.startswith("relup: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    for part in parts:
        assert part in err, err


def test_install_on_something_that_is_not_a_release_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, "install", str(tmp_path), "1.1.0")
    assert (status, out) == (3, "")
    _assert_one_line_error(err, f"{tmp_path}: not a release root")


def test_install_with_a_missing_package_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shared_root(tmp_path)
    status, out, err = _run(
        capsys, "install", str(root), "1.1.0", "--package", str(tmp_path / "nope.tar.gz")
    )
    assert (status, out) == (2, "")
    _assert_one_line_error(err, "nope.tar.gz: no such package file")


def test_install_when_no_node_answers_quotes_the_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shared_root(tmp_path)
    script = root / "bin" / "shop"
    script.write_text(
        "#!/bin/sh\nerl_eval() {\n :\n}\necho \"Node 'shop@host' not responding to pings.\"\n"
        "exit 1\n"
    )
    script.chmod(0o755)
    status, out, err = _run(capsys, "install", str(root), "1.1.0", "--timeout", "20")
    assert (status, out) == (1, "")
    _assert_one_line_error(
        err, "bin/shop eval exited 1 (is the node running?): Node 'shop@host' not responding"
    )


@pytest.mark.parametrize("check", ["shop_check", "shop check:run", ":run"])
def test_rehearse_with_a_malformed_check_is_a_usage_error(
    check: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shared_root(tmp_path)
    status, out, err = _run(capsys, "rehearse", f"{root}@1.0.0", f"{root}@1.1.0", "--check", check)
    assert (status, out) == (2, "")
    _assert_one_line_error(err, "expected MOD:FUN")


def test_rehearse_without_erlang_says_so_and_touches_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shared_root(tmp_path)
    shutil.rmtree(root / "erts-13.1.5")
    before = tree_digest(root)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    keep = tmp_path / "rehearsal"
    status, out, err = _run(
        capsys, "rehearse", f"{root}@1.0.0", f"{root}@1.1.0", "--keep", str(keep)
    )
    assert (status, out) == (3, "")
    _assert_one_line_error(err, "no Erlang found", "erl is not on PATH")
    assert tree_digest(root) == before


def test_rehearse_of_a_missing_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "rehearse", str(tmp_path / "old"), str(tmp_path / "new"))
    assert (status, out) == (3, "")
    _assert_one_line_error(err, "old: no such file or directory")


def test_rehearse_refuses_a_non_empty_keep_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shared_root(tmp_path)
    status, _, err = _run(capsys, "rehearse", f"{root}@1.0.0", f"{root}@1.1.0", "--keep", str(root))
    assert status == 2
    _assert_one_line_error(err, "the directory is not empty")
