"""Find the local Erlang/OTP installation and the code path systools would search.

``systools:make_relup`` appends ``code:get_path()`` to the ``{path, ...}``
option, so applications that a release does not ship (``kernel``, ``stdlib``
and ``sasl`` in a relx tree built without ERTS, say) are found in the running
node's installation.  relup has no running node, so it locates the
installation itself:

1. ``$ERL_ROOT`` when set (it must hold ``lib/``);
2. otherwise ``erl`` on ``PATH``, resolved through symlinks; the root is two
   levels up (``/usr/bin/erl -> /usr/lib/erlang/bin/erl`` gives
   ``/usr/lib/erlang``).  When that directory has no ``lib/`` (a version
   manager's shim, for instance) the ``ROOTDIR=`` line of the ``erl`` shell
   script is tried.

The code path is every ``ROOT/lib/*/ebin`` directory, sorted by application
name and then by version, newest first.  A real node lists ``kernel`` and
``stdlib`` first and only the newest version of each application; since a
``.app`` file counts only when its version is the one the ``.rel`` asks for,
the order matters only for which wrong version an error names, and keeping
every version lets a release pinned to an older OTP application still resolve.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from diffing.errors import InputError

ERL_ROOT_VARIABLE = "ERL_ROOT"

_ROOTDIR_LINE = re.compile(r'^\s*ROOTDIR="?([^"\n]+)"?\s*$', re.MULTILINE)
_VERSION_PART = re.compile(r"(\d+)|(\D+)")


def find_erlang_root(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Path | None:
    """The root directory of the local Erlang installation, or None when there is none.

    Args:
        environ: the environment to read ``ERL_ROOT`` from (default ``os.environ``).
        which: how to look ``erl`` up on ``PATH`` (default :func:`shutil.which`).

    Returns:
        A directory that has a ``lib/`` subdirectory, or None.

    Raises:
        InputError: ``ERL_ROOT`` is set but names no Erlang installation.
    """
    environment = os.environ if environ is None else environ
    configured = environment.get(ERL_ROOT_VARIABLE)
    if configured:
        root = Path(configured)
        if not (root / "lib").is_dir():
            raise InputError(root, f"${ERL_ROOT_VARIABLE} names no Erlang installation (no lib/)")
        return root
    erl = which("erl")
    if erl is None:
        return None
    return _root_of_erl(Path(os.path.realpath(erl)))


def _root_of_erl(erl: Path) -> Path | None:
    candidate = erl.parent.parent
    if (candidate / "lib").is_dir():
        return candidate
    # Version managers install shims whose real root is only named inside the script.
    try:
        head = erl.read_bytes()[:8192].decode("utf-8", errors="replace")
    except OSError:
        return None
    match = _ROOTDIR_LINE.search(head)
    if match is None or "$" in match.group(1):
        return None
    scripted = Path(match.group(1))
    return scripted if (scripted / "lib").is_dir() else None


def erlang_code_path(root: Path) -> tuple[Path, ...]:
    """Every ``ROOT/lib/APP-VSN/ebin`` directory, by app name then newest version first."""
    return library_ebin_dirs(root / "lib")


def library_ebin_dirs(lib: Path) -> tuple[Path, ...]:
    """The ``ebin`` directories of a ``lib`` directory's applications, in search order.

    Entries are ``APP-VSN`` (or plain ``APP``) directories holding ``ebin/``;
    they come sorted by application name, then by version, newest first.
    """
    try:
        entries = [entry for entry in os.scandir(lib) if entry.is_dir()]
    except OSError:
        return ()
    names = sort_app_dir_names(entry.name for entry in entries)
    return tuple(lib / name / "ebin" for name in names if (lib / name / "ebin").is_dir())


def split_app_dir_name(name: str) -> tuple[str, str]:
    """``"kernel-8.5.3"`` -> ``("kernel", "8.5.3")``; a name without ``-`` has no version."""
    app, dash, version = name.rpartition("-")
    return (app, version) if dash else (name, "")


def sort_app_dir_names(names: Iterable[str]) -> list[str]:
    """``APP-VSN`` names by application name, then version descending."""
    by_version = sorted(
        names, key=lambda name: (version_key(split_app_dir_name(name)[1]), name), reverse=True
    )
    # sorted() is stable, so versions stay newest-first within each application.
    return sorted(by_version, key=lambda name: split_app_dir_name(name)[0])


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A natural-order key: digit runs compare as numbers, other runs as text."""
    parts = []
    for digits, text in _VERSION_PART.findall(version):
        parts.append((1, int(digits), "") if digits else (0, 0, text))
    return tuple(parts)
