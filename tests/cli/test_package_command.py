"""``relup package``: the command's contract (transcripts, exit codes, one-line errors)."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from relup.cli import main
from unit.relup.package_trees import NEW_VSN, Trees, built_trees, tree_digest, trimmed_trees


@pytest.fixture()
def trees(tmp_path: Path) -> Trees:
    return built_trees(tmp_path / "trees")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _assert_one_line_error(err: str) -> None:
    assert err.startswith("relup: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err


def test_package_writes_the_tarball_and_says_so(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "shop-1.1.0.tar.gz"
    status, out, err = _run(capsys, "package", str(trees.old), str(trees.new), "-o", str(output))
    assert status == 0 and out == ""
    last = err.splitlines()[-1]
    assert last.startswith(f"relup: wrote {output} (shop {NEW_VSN}, ") and "without ERTS" in last
    assert "relup: warning: config-change-not-exported (shop)" in err
    with tarfile.open(output) as archive:
        assert f"releases/{NEW_VSN}/relup" in archive.getnames()


def test_only_changed_leaves_unchanged_applications_out(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "changed.tar.gz"
    argv = ["package", str(trees.old), str(trees.new), "-o", str(output), "--only-changed"]
    status, _, _ = _run(capsys, *argv)
    assert status == 0
    with tarfile.open(output) as archive:
        apps = {name.split("/")[1] for name in archive.getnames() if name.startswith("lib/")}
    assert apps == {"audit_log-0.1.0", "shop-1.1.0"}


def test_relup_and_appup_match_what_plan_write_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packaged = built_trees(tmp_path / "packaged")
    written = built_trees(tmp_path / "written")
    output = tmp_path / "package.tar.gz"
    status, _, _ = _run(capsys, "package", str(packaged.old), str(packaged.new), "-o", str(output))
    assert status == 0
    status, _, _ = _run(capsys, "plan", str(written.old), str(written.new), "--write")
    assert status == 0
    for name in (f"releases/{NEW_VSN}/relup", "lib/shop-1.1.0/ebin/shop.appup"):
        with tarfile.open(output) as archive:
            member = archive.extractfile(name)
            assert member is not None
            assert member.read() == (written.new / name).read_bytes(), name


def test_bare_versions_inside_a_project(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project" / "_build" / "prod" / "rel" / "shop"
    shutil.copytree(trees.old, root)
    shutil.copytree(trees.new, root, dirs_exist_ok=True)
    before = tree_digest(root)
    output = tmp_path / "package.tar.gz"
    argv = ["package", "1.0.0", "1.1.0", "--root", str(root), "-o", str(output)]
    status, _, err = _run(capsys, *argv)
    assert status == 0, err
    assert tree_digest(root) == before
    with tarfile.open(output) as archive:
        assert f"bin/shop-{NEW_VSN}" in archive.getnames()
        assert "bin/shop-1.0.0" not in archive.getnames()


def test_two_runs_write_the_same_bytes(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "package.tar.gz"
    assert _run(capsys, "package", str(trees.old), str(trees.new), "-o", str(output))[0] == 0
    first = output.read_bytes()
    assert _run(capsys, "package", str(trees.old), str(trees.new), "-o", str(output))[0] == 0
    assert output.read_bytes() == first


def test_a_foreign_output_file_is_refused_with_exit_2_and_kept(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "shop-1.1.0.tar.gz"
    output.write_bytes(b"made by rebar3 tar")
    argv = ["package", str(trees.old), str(trees.new), "-o", str(output)]
    status, out, err = _run(capsys, *argv)
    assert status == 2 and out == ""
    _assert_one_line_error(err)
    assert str(output) in err and "--force" in err
    assert output.read_bytes() == b"made by rebar3 tar"
    status, _, _ = _run(capsys, *argv, "--force")
    assert status == 0 and output.read_bytes() != b"made by rebar3 tar"


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing-old", "no such file or directory"),
        ("missing-new", "no such file or directory"),
        ("no-boot-file", "start.boot: missing"),
        ("no-output-directory", "cannot write: no directory"),
    ],
)
def test_bad_inputs_exit_3_with_one_line(
    case: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trees = built_trees(tmp_path / "trees")
    old, new, output = trees.old, trees.new, tmp_path / "package.tar.gz"
    if case == "missing-old":
        old = tmp_path / "absent"
    elif case == "missing-new":
        new = tmp_path / "absent"
    elif case == "no-boot-file":
        new = trimmed_trees(tmp_path / "trimmed").new
    else:
        output = tmp_path / "absent" / "package.tar.gz"
    before = (tree_digest(trees.old), tree_digest(trees.new))
    status, out, err = _run(capsys, "package", str(old), str(new), "-o", str(output))
    assert status == 3 and out == ""
    _assert_one_line_error(err)
    assert needle in err
    assert not output.exists()
    assert (tree_digest(trees.old), tree_digest(trees.new)) == before


def test_output_is_required(trees: Trees, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["package", str(trees.old), str(trees.new)])
    assert raised.value.code == 2
    assert "-o/--output" in capsys.readouterr().err
