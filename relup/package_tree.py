"""Reading the files of NEW that a package copies: trees walked, links followed once.

Symbolic links are stored as what they point to (a release unpacked elsewhere
must not depend on the build machine's paths); a link that dangles, a loop of
links, or a special file (socket, fifo, device) is an error naming it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from diffing.errors import InputError
from relup.package_tar import TarEntry

_EXECUTABLE = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def tree_entries(path: Path, name: str) -> Iterator[TarEntry]:
    """``path`` (a file, or a directory and everything under it) as members named from ``name``."""
    yield from _entries(path, name, frozenset())


def _entries(path: Path, name: str, ancestors: frozenset[Path]) -> Iterator[TarEntry]:
    mode = _mode(path)
    if stat.S_ISREG(mode):
        yield TarEntry(name, source=path, executable=bool(mode & _EXECUTABLE))
        return
    if not stat.S_ISDIR(mode):
        raise InputError(path, "neither a file nor a directory: cannot be packaged")
    real = path.resolve()
    if real in ancestors:
        raise InputError(path, f"symbolic link loop: leads back to {real}")
    yield TarEntry(name)
    try:
        children = sorted(entry.name for entry in os.scandir(path))
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from error
    for child in children:
        yield from _entries(path / child, f"{name}/{child}", ancestors | {real})


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(path, "broken symbolic link: cannot be packaged") from None
        raise InputError(path, "no such file or directory") from None
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from error


def directory_entries(names: Iterable[str]) -> Iterator[TarEntry]:
    """A directory member for every parent of ``names`` (so extraction sets their mode)."""
    parents = {str(parent) for name in names for parent in PurePosixPath(name).parents}
    parents.discard(".")
    return (TarEntry(parent) for parent in sorted(parents))
