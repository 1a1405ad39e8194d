"""Find and read an application's beam files: tens of thousands per plan, so cheaply.

``pathlib`` builds an object per path and buffered ``open`` an object per
file; for a 20,000-module release pair that bookkeeping cost as much as
reading.  Paths here are strings spelled exactly as ``str(ebin / name)``
spells them, a file is checked with one ``stat`` (with ``Path.is_file``'s
rules), and read with the size that ``stat`` gave.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

# What Path.is_file (Python 3.11) takes as "not a file" rather than an error.
_NOT_THERE_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})
_NOT_THERE_WINERRORS = frozenset({21, 123, 1921})  # not ready, invalid name, cannot resolve
_READ_ONLY = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def beam_paths(ebin: Path, modules: Sequence[str]) -> list[str]:
    """``str(ebin / f"{module}.beam")`` for each module, without a Path per module.

    >>> beam_paths(Path("lib/a-1/ebin"), ["a_app", "a_sup"])
    ['lib/a-1/ebin/a_app.beam', 'lib/a-1/ebin/a_sup.beam']
    """
    names = [f"{module}.beam" for module in modules]
    separators = [os.sep] if os.altsep is None else [os.sep, os.altsep]
    if any(separator in name for name in names for separator in separators):
        return [str(ebin / name) for name in names]  # a name that is a path: pathlib's rules
    # A one-component name is joined as pathlib joins it (Path(".") / "x" is "x").
    prefix = str(ebin / "x")[:-1]
    return [prefix + name for name in names]


def regular_file_size(path: str) -> int | None:
    """The size of ``path`` when it is a regular file (symlinks followed), else None.

    Like ``Path.is_file``: a missing file or directory on the way is None, any
    other failure (no permission to look) raises ``OSError``.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno in _NOT_THERE_ERRNOS:
            return None
        if getattr(error, "winerror", None) in _NOT_THERE_WINERRORS:
            return None
        raise
    except ValueError:  # a path the OS cannot take (a NUL byte)
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def read_file(path: str, size: int) -> bytes:
    """The whole file; ``size`` is what ``stat`` said, read in one call if still true."""
    descriptor = os.open(path, _READ_ONLY)
    try:
        parts = [os.read(descriptor, size + 1)]
        # A regular file reads short only at its end: asking one byte more than
        # the size tells whether it grew since, without a read to find the end.
        if len(parts[0]) <= size:
            return parts[0]
        while parts[-1]:  # the end is an empty read, whatever the size said
            parts.append(os.read(descriptor, max(size, 1 << 16)))
    finally:
        os.close(descriptor)
    return b"".join(parts)
