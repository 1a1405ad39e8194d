"""Where a release is: turn what the user names as OLD or NEW into a ``.rel`` file.

Accepted forms (tried in this order):

* an existing directory ``ROOT``: a release root holding ``releases/VSN/NAME.rel``
  for exactly one ``VSN``.  What the builders write was checked: relx
  (``rebar3 release``/``tar``, erlang.mk), ``mix release``, Distillery and
  systools all put the release's own ``NAME.rel`` in ``releases/VSN/``; relx
  tarballs add a copy at ``releases/NAME.rel`` and Distillery (and older relx)
  a ``releases/VSN/start_clean.rel``; in a deployed tree
  ``release_handler:unpack_release`` leaves a copy ``releases/VSN/NAME-VSN.rel``
  beside ``NAME.rel``.  Top-level ``releases/*.rel`` files, that copy and the
  boot-variant ``.rel`` files named in :data:`NON_RELEASE_REL_FILES` are
  ignored;
* an existing ``*.tar.gz``/``*.tgz`` file: a release tarball, extracted safely
  into a temporary directory that is deleted when the ``with`` block ends;
* an existing ``*.rel`` file: when it sits at ``ROOT/releases/VSN/NAME.rel``,
  ``ROOT`` is its tree; otherwise it has no tree;
* ``ROOT@VSN``, tried only when the whole string is not an existing path (it
  is split at the last ``@``): the release ``VSN`` of a root (or tarball)
  that holds several.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from diffing.erlang_install import version_key
from diffing.errors import InputError

# .rel files builders write next to the release's own, to make extra boot files.
NON_RELEASE_REL_FILES = frozenset(
    {"start_clean.rel", "no_dot_erlang.rel", "start_sasl.rel", "start_all_example.rel"}
)
TARBALL_SUFFIXES = (".tar.gz", ".tgz")
# What reading a release needs from a tarball; beams and ERTS binaries stay packed.
RELEASE_FILE_SUFFIXES = (".rel", ".app", ".appup")
# Limits against decompression bombs; real release tarballs stay far below them.
MAX_TARBALL_MEMBERS = 200_000
MAX_TARBALL_BYTES = 4 * 1024**3
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocatedRelease:
    """A release found on disk.

    ``root`` is the release tree whose ``lib/`` is searched first (None for a
    lone ``.rel`` file).  For a tarball, ``extraction_dir`` is the temporary
    directory the tarball was unpacked into and ``tarball`` the file itself, so
    paths can be shown relative to the tarball once the directory is gone.
    """

    rel_file: Path
    root: Path | None
    tarball: Path | None = None
    extraction_dir: Path | None = None


@contextmanager
def open_release_source(
    source: str | Path, file_suffixes: tuple[str, ...] | None = RELEASE_FILE_SUFFIXES
) -> Iterator[LocatedRelease]:
    """Locate the release ``source`` names; a tarball stays extracted inside the block.

    From a tarball only files ending in ``file_suffixes`` are written out (all
    files with None: reading code needs the beams and ``priv/``).

    Raises:
        InputError: the source does not exist or is not a release.
    """
    text = str(source)
    path = Path(text)
    version: str | None = None
    if not path.exists():
        path, version = _split_root_at_version(text)
    with _open_existing(path, version, file_suffixes) as located:
        yield located


def _split_root_at_version(text: str) -> tuple[Path, str]:
    root_text, at, version = text.rpartition("@")
    if not at or not root_text or not version:
        raise InputError(text, "no such file or directory")
    root = Path(root_text)
    if not root.exists():
        raise InputError(root, f"no such release root (from {text!r}, read as ROOT@VSN)")
    return root, version


@contextmanager
def _open_existing(
    path: Path, version: str | None, file_suffixes: tuple[str, ...] | None
) -> Iterator[LocatedRelease]:
    if path.is_dir():
        yield LocatedRelease(locate_rel_in_root(path, version), path)
    elif path.is_file() and is_tarball_name(path):
        with tempfile.TemporaryDirectory(prefix="relup-") as temporary:
            destination = Path(temporary)
            extract_tarball(path, destination, file_suffixes=file_suffixes)
            root = _release_root_inside(path, destination)
            yield LocatedRelease(locate_rel_in_root(root, version), root, path, destination)
    elif path.is_file() and path.suffix == ".rel":
        if version is not None:
            raise InputError(path, "ROOT@VSN needs a release root or tarball, not a .rel file")
        yield LocatedRelease(path, tree_of_rel_file(path))
    else:
        raise InputError(
            path, "not a release: expected a release root, a .rel file or a .tar.gz/.tgz tarball"
        )


def is_tarball_name(path: Path) -> bool:
    return path.name.endswith(TARBALL_SUFFIXES)


def tree_of_rel_file(rel_file: Path) -> Path | None:
    """``ROOT`` when ``rel_file`` is ``ROOT/releases/VSN/NAME.rel``, else None."""
    version_dir = rel_file.parent
    if version_dir.parent.name == "releases":
        return version_dir.parent.parent
    return None


def locate_rel_in_root(root: Path, version: str | None = None) -> Path:
    """The release ``.rel`` of a release root (``releases/VSN/NAME.rel``).

    Args:
        root: a release root directory.
        version: which release to take when the root holds several (``ROOT@VSN``).

    Raises:
        InputError: no release, several releases and no ``version``, an unknown
            ``version``, or several release ``.rel`` files in one version directory.
    """
    try:
        return _locate_rel_in_root(root, version)
    except OSError as error:
        raise InputError(error.filename or root, f"cannot read: {error.strerror}") from None


def _locate_rel_in_root(root: Path, version: str | None) -> Path:
    releases = root / "releases"
    if not releases.is_dir():
        if not any(root.iterdir()):
            raise InputError(root, "directory is empty: not a release root")
        raise InputError(
            root, "not a release root: no releases/ directory (expected releases/VSN/NAME.rel)"
        )
    found = release_versions(releases)
    listed = ", ".join(found) or "none"
    if version is not None:
        if version not in found:
            raise InputError(root, f"holds no release {version} (releases found: {listed})")
        candidates = found[version]
    elif not found:
        raise InputError(root, "not a release root: no releases/VSN/NAME.rel found")
    elif len(found) > 1:
        example = f"{root}@{next(reversed(found))}"
        raise InputError(
            root, f"holds several releases ({listed}); name one as ROOT@VSN, e.g. {example}"
        )
    else:
        candidates = next(iter(found.values()))
    if len(candidates) > 1:
        names = ", ".join(candidate.name for candidate in candidates)
        raise InputError(
            candidates[0].parent, f"holds several .rel files ({names}); give the .rel file itself"
        )
    return candidates[0]


def release_versions(releases: Path) -> dict[str, list[Path]]:
    """``VSN -> [release .rel files]`` for every ``releases/VSN`` holding one, oldest first."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(releases.iterdir(), key=lambda entry: version_key(entry.name)):
        if not entry.is_dir():
            continue
        rel_files = sorted(
            candidate
            for candidate in entry.iterdir()
            if candidate.suffix == ".rel"
            and candidate.name not in NON_RELEASE_REL_FILES
            and candidate.is_file()
        )
        if rel_files:
            found[entry.name] = _without_unpack_copies(rel_files, entry.name)
    return found


def _without_unpack_copies(rel_files: list[Path], version: str) -> list[Path]:
    """Drop ``NAME-VSN.rel`` beside ``NAME.rel``: release_handler's unpack_release copy."""
    stems = {rel_file.stem for rel_file in rel_files}
    suffix = f"-{version}"
    return [
        rel_file
        for rel_file in rel_files
        if not (rel_file.stem.endswith(suffix) and rel_file.stem.removesuffix(suffix) in stems)
    ]


def _release_root_inside(tarball: Path, destination: Path) -> Path:
    if (destination / "releases").is_dir():
        return destination
    # Some tools wrap the tree in one top-level directory.
    subdirectories = [entry for entry in destination.iterdir() if entry.is_dir()]
    if len(subdirectories) == 1 and (subdirectories[0] / "releases").is_dir():
        return subdirectories[0]
    raise InputError(tarball, "not a release tarball: it holds no releases/ directory")


def extract_tarball(
    tarball: Path,
    destination: Path,
    max_members: int | None = None,
    max_bytes: int | None = None,
    file_suffixes: tuple[str, ...] | None = None,
) -> None:
    """Extract ``tarball`` into the empty directory ``destination``, refusing anything unsafe.

    Members must stay inside ``destination``: absolute names, ``..``
    components, devices and FIFOs are refused, and so are links whose target
    leaves the directory.  Regular files and directories are written first and
    links created last, so no file is ever written through a link.  The member
    count and total size (of every member, written or not) are capped against
    decompression bombs (by default :data:`MAX_TARBALL_MEMBERS` and
    :data:`MAX_TARBALL_BYTES`, read at call time so they can be lowered).
    With ``file_suffixes``, only regular files whose names end so are
    written (all members are still checked).

    Raises:
        InputError: naming the tarball and the offending member.
    """
    extractor = _Extractor(
        tarball,
        destination.resolve(),
        MAX_TARBALL_MEMBERS if max_members is None else max_members,
        MAX_TARBALL_BYTES if max_bytes is None else max_bytes,
    )
    extractor.file_suffixes = file_suffixes
    try:
        with tarfile.open(tarball, mode="r|*") as archive:
            for member in archive:
                extractor.add(archive, member)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise InputError(tarball, f"cannot read tarball: {error}") from None
    except OSError as error:
        raise InputError(tarball, f"cannot extract tarball: {error.strerror or error}") from None
    extractor.create_links()


class _Extractor:
    """Running state of one extraction (internal, mutable by design)."""

    def __init__(self, tarball: Path, destination: Path, max_members: int, max_bytes: int):
        self.tarball = tarball
        self.destination = destination
        self.max_members = max_members
        self.max_bytes = max_bytes
        self.members = 0
        self.total_bytes = 0
        self.files: set[PurePosixPath] = set()
        self.symlinks: list[tuple[PurePosixPath, str]] = []
        # The kind of the last member at each path: a later member replaces an earlier one.
        self.last_kind: dict[PurePosixPath, str] = {}
        self.file_suffixes: tuple[str, ...] | None = None

    def refuse(self, member: str, why: str) -> InputError:
        return InputError(self.tarball, f"refusing member {member!r}: {why}")

    def add(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.members += 1
        if self.members > self.max_members:
            raise InputError(self.tarball, f"more than {self.max_members} members; refusing")
        relative = self.member_path(member.name)
        if relative is None:
            return
        try:
            self.place(archive, member, relative)
        except OSError as error:
            raise self.refuse(member.name, error.strerror or str(error)) from None

    def place(
        self, archive: tarfile.TarFile, member: tarfile.TarInfo, relative: PurePosixPath
    ) -> None:
        target = self.destination.joinpath(*relative.parts)
        self.last_kind[relative] = "link" if member.issym() else "other"
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
        elif member.isreg():
            self.count_bytes(member.name, member.size)
            if self.wanted(relative):
                self.write_file(archive, member, target)
                self.files.add(relative)
        elif member.issym():
            self.check_symlink(member.name, relative, member.linkname)
            self.symlinks.append((relative, member.linkname))
        elif member.islnk():
            if self.wanted(relative):
                self.copy_hard_link(member, target)
                self.files.add(relative)
        else:
            raise self.refuse(member.name, "devices, FIFOs and special files are not allowed")

    def wanted(self, relative: PurePosixPath) -> bool:
        return self.file_suffixes is None or relative.name.endswith(self.file_suffixes)

    def member_path(self, name: str) -> PurePosixPath | None:
        """The member's path relative to the destination; None for the archive root."""
        path = PurePosixPath(name)
        if path.is_absolute():
            raise self.refuse(name, "absolute path")
        if ".." in path.parts:
            raise self.refuse(name, "'..' in the path")
        parts = [part for part in path.parts if part != "."]
        return PurePosixPath(*parts) if parts else None

    def count_bytes(self, member: str, size: int) -> None:
        self.total_bytes += size
        if self.total_bytes > self.max_bytes:
            raise self.refuse(member, f"the tarball unpacks to more than {self.max_bytes} bytes")

    def write_file(self, archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
        source = archive.extractfile(member)
        if source is None:
            raise self.refuse(member.name, "unreadable file data")
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, _CHUNK)

    def check_symlink(self, name: str, relative: PurePosixPath, link: str) -> None:
        if PurePosixPath(link).is_absolute():
            raise self.refuse(name, f"symbolic link to the absolute path {link!r}")
        resolved = os.path.normpath(os.path.join(str(relative.parent), link))
        if resolved == ".." or resolved.startswith("../"):
            raise self.refuse(name, f"symbolic link {link!r} points outside the tarball")

    def copy_hard_link(self, member: tarfile.TarInfo, target: Path) -> None:
        linked = self.member_path(member.linkname)
        if linked is None or linked not in self.files:
            raise self.refuse(
                member.name, f"hard link to {member.linkname!r}, not a file extracted before it"
            )
        source = self.destination.joinpath(*linked.parts)
        self.count_bytes(member.name, source.stat().st_size)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def create_links(self) -> None:
        """Create the deferred symbolic links, then check none resolves outside."""
        self.symlinks = [
            (relative, link)
            for relative, link in self.symlinks
            if self.last_kind.get(relative) == "link"
        ]
        for relative, link in self.symlinks:
            path = self.destination.joinpath(*relative.parts)
            if not self.inside(os.path.realpath(path.parent)):
                raise self.refuse(str(relative), "its directory resolves outside the tarball")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink() or path.is_file():
                    path.unlink()
                os.symlink(link, path)
            except OSError as error:
                raise self.refuse(str(relative), error.strerror or str(error)) from None
        for relative, link in self.symlinks:
            path = self.destination.joinpath(*relative.parts)
            if not self.inside(os.path.realpath(path)):
                raise self.refuse(str(relative), f"symbolic link {link!r} resolves outside")

    def inside(self, real_path: str) -> bool:
        base = str(self.destination)
        return real_path == base or real_path.startswith(base + os.sep)
