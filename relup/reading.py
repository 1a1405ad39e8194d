"""Read OLD and NEW for a plan: the releases, and the code of the applications that may differ.

Split from :mod:`relup.planning` so that it imports only ``diffing``: the
command line can start reading (and the worker processes, see
``diffing.workers``) before the planner and the renderers are imported, and
import them while the workers read (``meanwhile``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diffing.code_facts import ReleaseCode
from diffing.progress import Progress, report
from diffing.release import Release
from diffing.release_reader import load_code_pair, load_release_code, load_release_pair
from diffing.workers import worker_pool, workers_for_tree

if TYPE_CHECKING:  # types only: importing them here would import the planner
    from relup.api import ErlangRoot
    from upgrade.options import Fallback


@dataclass(frozen=True, slots=True)
class PlanRequest:
    old: str | Path
    new: str | Path
    lib_paths: Sequence[str | Path] = ()
    erlang_root: ErlangRoot = "auto"
    fallback: Fallback = "fail"
    regenerate: bool = False
    overrides: Path | None = None


def read_release_pair(
    request: PlanRequest,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[ReleaseCode, ReleaseCode]:
    """OLD and NEW with the code of the applications that may differ between them.

    Two release trees are read once each, their beams side by side
    (``diffing.code_pair``), big ones on every CPU (``diffing.workers``); a
    tarball or a lone ``.rel`` is opened again to read its code, the way
    ``load_release_code`` does.  ``meanwhile`` is called while the workers
    read beams, when there are any (see ``diffing.code_pair.read_code_pair``).
    """
    report(progress, "reading releases", 0, 1)
    with worker_pool(workers_for_tree(request.old)) as pool:  # none for small trees
        old_release, new_release = load_release_pair(
            request.old, request.new, request.lib_paths, request.erlang_root, pool
        )
        names = applications_to_read(old_release, new_release)
        if old_release.root is not None and new_release.root is not None:
            return load_code_pair(old_release, new_release, names, progress, pool, meanwhile)
    if meanwhile is not None:
        meanwhile()
    old_code = load_release_code(request.old, request.lib_paths, request.erlang_root, names)
    new_code = load_release_code(request.new, request.lib_paths, request.erlang_root, names)
    return old_code, new_code


def applications_to_read(old: Release, new: Release) -> frozenset[str]:
    """Applications whose code must be read: in both releases, and possibly different."""
    names = set()
    for application in new.applications:
        previous = old.application(application.name)
        if previous is None:
            continue
        if previous.vsn != application.vsn or previous.directory != application.directory:
            names.add(application.name)
    return frozenset(names)
