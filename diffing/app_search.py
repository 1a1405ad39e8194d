"""Where ``.app`` files are looked for: the search path of ``systools:make_relup``.

systools tries the directories of its path in order and takes the first
``NAME.app`` whose version is the one the ``.rel`` asks for.  relup's path is,
in order:

1. the release tree's own ``lib/NAME-VSN/ebin`` for the application asked
   for, then every ``ROOT/lib/*/ebin`` (by app name, newest version first);
2. each ``-p`` entry, expanded as systools expands ``{path, [...]}``
   (``systools_lib:get_path``: a ``*`` component matches one or more
   characters of a directory name, a ``*`` inside a component any run of
   characters; non-existent directories drop out; matches come sorted rather
   than in directory order).  Each resulting directory may be an ``ebin``
   directory (its name is ``ebin`` or it holds ``.app`` files), an application
   directory (it has ``ebin/``), a release root (it has ``releases/`` and
   ``lib/``: its ``lib/*/ebin``), or a ``lib`` directory whose
   ``APP-VSN/ebin`` subdirectories are all searched;
3. the Erlang installation's code path (see :mod:`diffing.erlang_install`),
   which systools gets from ``code:get_path()``.  The current directory, first
   on a real node's code path, is not searched.

Duplicates are dropped, the first occurrence kept, as systools' ``make_set``.
Every directory is listed once up front, so finding an application costs a
dictionary lookup however many applications and directories there are.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from diffing.erlang_install import erlang_code_path, library_ebin_dirs
from diffing.errors import ReleaseError
from diffing.release import RelApplication


@dataclass(frozen=True, slots=True)
class SearchPath:
    """The ordered ebin directories, which ``.app`` files each holds, and a description."""

    directories: tuple[Path, ...]
    holders: Mapping[str, tuple[Path, ...]]
    tree_lib: Path | None
    places: tuple[str, ...]

    def directories_for(self, wanted: RelApplication) -> tuple[Path, ...]:
        """The directories holding ``NAME.app``, the tree's ``lib/NAME-VSN/ebin`` first."""
        holders = self.holders.get(f"{wanted.name}.app", ())
        if self.tree_lib is None:
            return holders
        preferred = self.tree_lib / f"{wanted.name}-{wanted.vsn}" / "ebin"
        if preferred not in holders:
            return holders
        return (preferred, *(holder for holder in holders if holder != preferred))

    def describe(self, wanted: RelApplication) -> str:
        """Every place searched for ``wanted``, for a "not found" message."""
        places = list(self.places)
        if self.tree_lib is not None:
            places.insert(0, str(self.tree_lib / f"{wanted.name}-{wanted.vsn}" / "ebin"))
        return ", ".join(places)


def build_search_path(
    tree_root: Path | None,
    lib_paths: Sequence[str | Path],
    erlang_root: Path | None,
    erlang_note: str | None = None,
) -> SearchPath:
    """The search path for a release tree, the ``-p`` entries and an Erlang installation.

    Args:
        tree_root: the release root whose ``lib/`` comes first, if any.
        lib_paths: the user's ``-p`` entries, in order.
        erlang_root: the Erlang installation whose code path comes last, if any.
        erlang_note: what to say about the installation when there is none.

    Raises:
        ReleaseError: the tree is a relx dev-mode release.
    """
    groups: list[tuple[str, tuple[Path, ...]]] = []
    tree_lib = None if tree_root is None else tree_root / "lib"
    if tree_root is not None and tree_lib is not None:
        refuse_dev_mode(tree_root, tree_lib)
        groups.append((f"{tree_lib}/*/ebin", library_ebin_dirs(tree_lib)))
    for entry in lib_paths:
        found = tuple(
            ebin for directory in expand_path(str(entry)) for ebin in ebin_dirs_of(directory)
        )
        groups.append((f"{entry} (-p)" + ("" if found else " (no such directory)"), found))
    if erlang_root is not None:
        installed = f"{erlang_root / 'lib'}/*/ebin (Erlang installation)"
        groups.append((installed, erlang_code_path(erlang_root)))
    elif erlang_note is not None:
        groups.append((erlang_note, ()))
    directories = _without_duplicates(directory for _, group in groups for directory in group)
    return SearchPath(
        directories=directories,
        holders=_app_file_holders(directories),
        tree_lib=tree_lib,
        places=tuple(place for place, _ in groups),
    )


def _without_duplicates(directories: Iterable[Path]) -> tuple[Path, ...]:
    seen: dict[str, Path] = {}
    for directory in directories:
        seen.setdefault(os.path.normpath(os.path.abspath(directory)), directory)
    return tuple(seen.values())


def _app_file_holders(directories: Sequence[Path]) -> dict[str, tuple[Path, ...]]:
    holders: dict[str, list[Path]] = {}
    for directory in directories:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".app") and not entry.is_dir():
                holders.setdefault(entry.name, []).append(directory)
    return {name: tuple(found) for name, found in holders.items()}


def refuse_dev_mode(tree_root: Path, tree_lib: Path) -> None:
    """Refuse a relx dev-mode tree, whose ``lib/APP-VSN`` links into ``_build/*/lib/``.

    Such a link shows whatever was built last, not the code of the release's
    version, so diffing it against another release would be meaningless.
    """
    try:
        entries = sorted(os.scandir(tree_lib), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if not entry.is_symlink():
            continue
        target = Path(os.path.realpath(entry.path))
        if target.parent.name == "lib" and target.parent.parent.parent.name == "_build":
            raise ReleaseError(
                tree_root,
                f"is a relx dev-mode release: lib/{entry.name} links to {target}, the newest "
                "build rather than this release's code; rebuild it with "
                "`rebar3 as prod release` (or set {dev_mode, false})",
            )


def expand_path(pattern: str) -> list[Path]:
    """The existing directories ``pattern`` names, ``*`` expanded as systools does."""
    components = [component for component in pattern.split("/") if component]
    if pattern.startswith("/"):
        components.insert(0, "/")
    found: list[str] = []
    for position, component in enumerate(components):
        first = position == 0
        if "*" in component:
            found = _matching_subdirectories(component, ["."] if first else found, first)
        elif first:
            found = [component] if os.path.isdir(component) else []
        else:
            found = [
                os.path.join(directory, component)
                for directory in found
                if os.path.isdir(os.path.join(directory, component))
            ]
    return [Path(directory) for directory in found]


def _matching_subdirectories(component: str, parents: list[str], relative: bool) -> list[str]:
    # Like systools, only '*' is translated; the rest of the component is a regex as is.
    pattern = "[^/]+" if component == "*" else component.replace("*", "[^/]*")
    try:
        matcher = re.compile(pattern)
    except re.error:
        return []
    matches = []
    for parent in parents:
        try:
            names = sorted(os.listdir(parent))
        except OSError:
            continue
        for name in names:
            joined = name if relative else os.path.join(parent, name)
            if matcher.fullmatch(name) and os.path.isdir(joined):
                matches.append(joined)
    return matches


def ebin_dirs_of(directory: Path) -> tuple[Path, ...]:
    """The ebin directories a ``-p`` directory stands for (ebin, app, release or lib dir)."""
    if directory.name == "ebin" or _holds_app_file(directory):
        return (directory,)
    if (directory / "ebin").is_dir():
        return (directory / "ebin",)
    if (directory / "releases").is_dir() and (directory / "lib").is_dir():
        return library_ebin_dirs(directory / "lib")
    return library_ebin_dirs(directory)


def _holds_app_file(directory: Path) -> bool:
    try:
        return any(entry.name.endswith(".app") for entry in os.scandir(directory))
    except OSError:
        return False
