"""Locating a release (root, ROOT@VSN, .rel file, tarball) and extracting tarballs safely."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from diffing.errors import InputError
from diffing.release_sources import (
    LocatedRelease,
    extract_tarball,
    locate_rel_in_root,
    open_release_source,
    tree_of_rel_file,
)

REL_TEXT = '{release, {"demo", "1"}, {erts, "1"}, [{kernel, "1"}, {stdlib, "1"}]}.\n'


def make_root(root: Path, *versions: str, name: str = "demo") -> Path:
    for version in versions:
        directory = root / "releases" / version
        directory.mkdir(parents=True)
        (directory / f"{name}.rel").write_text(REL_TEXT)
    return root


def located(source: str | Path) -> LocatedRelease:
    with open_release_source(source) as found:
        return found


def input_error(source: str | Path) -> InputError:
    with pytest.raises(InputError) as caught, open_release_source(source):
        pass
    assert "\n" not in str(caught.value)
    return caught.value


# --- release roots ------------------------------------------------------------------------


def test_root_with_one_release(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r", "1.0")
    assert located(root) == LocatedRelease(root / "releases" / "1.0" / "demo.rel", root)


def test_builder_extras_are_not_releases(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r", "1.0")
    (root / "releases" / "demo.rel").write_text(REL_TEXT)  # relx tarballs add this copy
    for extra in ("start_clean.rel", "no_dot_erlang.rel"):
        (root / "releases" / "1.0" / extra).write_text(REL_TEXT)
    (root / "releases" / "RELEASES").write_text("[].\n")
    (root / "releases" / "2.0").mkdir()  # a version directory without a .rel
    assert located(root).rel_file == root / "releases" / "1.0" / "demo.rel"


def test_several_releases_need_root_at_version(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r", "1.10", "1.9", "2.0")
    error = input_error(root)
    assert error.path == root
    assert "1.9, 1.10, 2.0" in error.message and f"{root}@2.0" in error.message
    assert located(f"{root}@1.10").rel_file == root / "releases" / "1.10" / "demo.rel"


def test_root_at_unknown_version(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r", "1.0")
    assert "holds no release 3.0 (releases found: 1.0)" in input_error(f"{root}@3.0").message


def test_root_at_version_splits_at_the_last_at(tmp_path: Path) -> None:
    root = make_root(tmp_path / "me@host", "1.0", "2.0")
    assert located(f"{root}@1.0") == LocatedRelease(root / "releases" / "1.0" / "demo.rel", root)


def test_an_existing_path_with_at_is_not_split(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r@1.0", "2.0")
    assert located(root).rel_file == root / "releases" / "2.0" / "demo.rel"


def test_root_at_version_of_a_missing_root(tmp_path: Path) -> None:
    error = input_error(f"{tmp_path}/nope@1.0")
    assert error.path == tmp_path / "nope"


def test_missing_source(tmp_path: Path) -> None:
    error = input_error(tmp_path / "nothing")
    assert str(error) == f"{tmp_path / 'nothing'}: no such file or directory"


def test_empty_directory(tmp_path: Path) -> None:
    assert input_error(tmp_path).message == "directory is empty: not a release root"


def test_directory_without_releases(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    assert "no releases/ directory" in input_error(tmp_path).message


def test_releases_without_any_release(tmp_path: Path) -> None:
    (tmp_path / "releases" / "1.0").mkdir(parents=True)
    (tmp_path / "releases" / "1.0" / "start_clean.rel").write_text(REL_TEXT)
    assert "no releases/VSN/NAME.rel found" in input_error(tmp_path).message


def test_several_rel_files_in_one_version(tmp_path: Path) -> None:
    root = make_root(tmp_path, "1.0")
    (root / "releases" / "1.0" / "other.rel").write_text(REL_TEXT)
    error = input_error(root)
    assert error.path == root / "releases" / "1.0"
    assert "demo.rel, other.rel" in error.message


# --- .rel files and other files -----------------------------------------------------------


def test_rel_file_inside_a_tree_has_the_tree(tmp_path: Path) -> None:
    root = make_root(tmp_path / "r", "1.0")
    rel = root / "releases" / "1.0" / "demo.rel"
    assert located(rel) == LocatedRelease(rel, root)


def test_rel_file_elsewhere_has_no_tree(tmp_path: Path) -> None:
    rel = tmp_path / "demo.rel"
    rel.write_text(REL_TEXT)
    assert located(rel) == LocatedRelease(rel, None)
    assert tree_of_rel_file(Path("releases/1/x.rel")) == Path(".")


def test_other_files_are_not_releases(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert "not a release" in input_error(other).message


def test_root_at_version_needs_a_root_not_a_rel_file(tmp_path: Path) -> None:
    rel = tmp_path / "demo.rel"
    rel.write_text(REL_TEXT)
    assert "ROOT@VSN" in input_error(f"{rel}@1").message


def test_locate_in_root_directly(tmp_path: Path) -> None:
    root = make_root(tmp_path, "1", "2")
    assert locate_rel_in_root(root, "2") == root / "releases" / "2" / "demo.rel"


# --- tarballs -----------------------------------------------------------------------------


def add_file(archive: tarfile.TarFile, name: str, data: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def add_special(archive: tarfile.TarFile, name: str, kind: bytes, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    archive.addfile(info)


def tarball(path: Path, build: object) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        build(archive)  # type: ignore[operator]
    return path


def release_members(archive: tarfile.TarFile, prefix: str = "") -> None:
    add_file(archive, f"{prefix}releases/1.0/demo.rel", REL_TEXT.encode())
    add_file(archive, f"{prefix}releases/demo.rel", REL_TEXT.encode())
    add_file(archive, f"{prefix}lib/a-1/ebin/a.app", b"{application, a, []}.")


def test_tarball_is_extracted_and_deleted_afterwards(tmp_path: Path) -> None:
    archive = tarball(tmp_path / "demo-1.0.tar.gz", release_members)
    with open_release_source(archive) as found:
        assert found.tarball == archive and found.extraction_dir is not None
        assert found.rel_file == found.extraction_dir / "releases" / "1.0" / "demo.rel"
        assert (found.extraction_dir / "lib" / "a-1" / "ebin" / "a.app").is_file()
    assert not found.extraction_dir.exists()


def test_tarball_with_one_wrapping_directory(tmp_path: Path) -> None:
    archive = tarball(tmp_path / "demo.tgz", lambda t: release_members(t, "./demo/"))
    with open_release_source(archive) as found:
        assert found.root is not None and found.root.name == "demo"


def test_tarball_at_version(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        release_members(archive)
        add_file(archive, "releases/2.0/demo.rel", REL_TEXT.encode())

    archive = tarball(tmp_path / "demo.tar.gz", build)
    assert "holds several releases" in input_error(archive).message
    with open_release_source(f"{archive}@2.0") as found:
        assert found.rel_file.parent.name == "2.0"


def test_tarball_without_releases(tmp_path: Path) -> None:
    archive = tarball(tmp_path / "x.tar.gz", lambda t: add_file(t, "lib/a"))
    error = input_error(archive)
    assert (error.path, error.message) == (
        archive,
        "not a release tarball: it holds no releases/ directory",
    )


def test_corrupt_tarball(tmp_path: Path) -> None:
    archive = tmp_path / "x.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert input_error(archive).message.startswith("cannot read tarball")


def test_truncated_tarball(tmp_path: Path) -> None:
    archive = tarball(
        tmp_path / "x.tar.gz", lambda t: add_file(t, "releases/1/big", os.urandom(50000))
    )
    archive.write_bytes(archive.read_bytes()[:20000])
    assert input_error(archive).message.startswith("cannot read tarball")


def refused(tmp_path: Path, build: object, **limits: int) -> str:
    archive = tarball(tmp_path / "evil.tar.gz", build)
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(InputError) as caught:
        extract_tarball(archive, destination, **limits)
    assert caught.value.path == archive
    return caught.value.message


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../escape", "'..' in the path"),
        ("a/../../escape", "'..' in the path"),
        ("/etc/x", "absolute path"),
    ],
)
def test_members_escaping_by_name_are_refused(tmp_path: Path, name: str, why: str) -> None:
    assert refused(tmp_path, lambda t: add_file(t, name)) == f"refusing member {name!r}: {why}"
    assert not (tmp_path / "escape").exists()


@pytest.mark.parametrize("link", ["/etc/passwd", "../../outside", "x/../../../outside"])
def test_symlinks_pointing_outside_are_refused(tmp_path: Path, link: str) -> None:
    message = refused(tmp_path, lambda t: add_special(t, "lib/link", tarfile.SYMTYPE, link))
    assert message.startswith("refusing member 'lib/link': symbolic link")


def test_symlink_chains_that_end_up_outside_are_refused(tmp_path: Path) -> None:
    # Each link is inside on its own; together d resolves above the destination.
    def build(archive: tarfile.TarFile) -> None:
        add_special(archive, "d", tarfile.SYMTYPE, "sub/g/../..")
        add_special(archive, "sub/g", tarfile.SYMTYPE, "..")
        add_special(archive, "d/evil", tarfile.SYMTYPE, "x")

    message = refused(tmp_path, build)
    assert message.startswith("refusing member 'd")
    assert not (tmp_path / "evil").exists()


def test_files_are_never_written_through_links(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_special(archive, "inside", tarfile.SYMTYPE, "target")
        add_file(archive, "inside", b"data")  # a later member replaces the link

    archive = tarball(tmp_path / "t.tar.gz", build)
    destination = tmp_path / "out"
    destination.mkdir()
    extract_tarball(archive, destination)
    assert not (destination / "inside").is_symlink()
    assert (destination / "inside").read_bytes() == b"data"
    assert not (destination / "target").exists()


def test_links_inside_are_kept(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_file(archive, "lib/a-1/ebin/a.app", b"app")
        add_special(archive, "lib/a", tarfile.SYMTYPE, "a-1")
        add_special(archive, "lib/copy.app", tarfile.LNKTYPE, "lib/a-1/ebin/a.app")

    archive = tarball(tmp_path / "t.tar.gz", build)
    destination = tmp_path / "out"
    destination.mkdir()
    extract_tarball(archive, destination)
    assert (destination / "lib" / "a" / "ebin" / "a.app").read_bytes() == b"app"
    assert (destination / "lib" / "copy.app").read_bytes() == b"app"


@pytest.mark.parametrize("link", ["../../etc/passwd", "/etc/passwd", "not/extracted"])
def test_hard_links_to_anything_but_extracted_files_are_refused(tmp_path: Path, link: str) -> None:
    message = refused(tmp_path, lambda t: add_special(t, "lib/hard", tarfile.LNKTYPE, link))
    assert message.startswith("refusing member")


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_devices_and_fifos_are_refused(tmp_path: Path, kind: bytes) -> None:
    message = refused(tmp_path, lambda t: add_special(t, "dev/thing", kind))
    assert (
        message == "refusing member 'dev/thing': devices, FIFOs and special files are not allowed"
    )


def test_member_count_is_capped(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        for index in range(5):
            add_file(archive, f"f{index}")

    assert refused(tmp_path, build, max_members=4) == "more than 4 members; refusing"


def test_total_size_is_capped(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_file(archive, "a", b"0" * 600)
        add_file(archive, "b", b"0" * 600)

    message = refused(tmp_path, build, max_bytes=1000)
    assert message == "refusing member 'b': the tarball unpacks to more than 1000 bytes"
    assert not (tmp_path / "out" / "b").exists()


def test_only_release_files_are_written_when_asked(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        release_members(archive)
        add_file(archive, "lib/a-1/ebin/a.beam", b"FOR1")
        add_file(archive, "lib/a-1/ebin/a.appup", b"{}.")
        add_special(archive, "lib/a", tarfile.SYMTYPE, "a-1")

    archive = tarball(tmp_path / "t.tar.gz", build)
    destination = tmp_path / "out"
    destination.mkdir()
    extract_tarball(archive, destination, file_suffixes=(".rel", ".app", ".appup"))
    present = {
        name: (destination / name).is_file()
        for name in (
            "lib/a-1/ebin/a.beam",
            "lib/a/ebin/a.app",
            "lib/a/ebin/a.appup",
            "releases/1.0/demo.rel",
        )
    }
    assert present == {
        "lib/a-1/ebin/a.beam": False,
        "lib/a/ebin/a.app": True,
        "lib/a/ebin/a.appup": True,
        "releases/1.0/demo.rel": True,
    }
