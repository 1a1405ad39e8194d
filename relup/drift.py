"""Drift: code running on a node that is not the code on disk for its release.

A hot upgrade is planned from the beams on disk.  If the node runs something
else (a beam replaced after boot, a module hot-patched from another directory,
a beam deleted), the relup's ``load_object_code`` and ``code_change`` steps
act on code nobody planned for.  :func:`find_drift` compares what the node
reports for each loaded module (``code:which`` and the MD5 the loader keeps,
which is ``beam_lib:md5`` of the file it came from) with the beams in the
running version's code directories (a mix release's consolidated protocols
first, as on its code path), MD5 computed by :mod:`diffing.beam` the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from diffing.beam import read_beam
from diffing.errors import InputError
from relup.node_state import LoadedModule


@dataclass(frozen=True, slots=True)
class Drift:
    """One module whose running code is not the beam on disk."""

    module: str
    beam: Path
    reason: str

    def describe(self) -> str:
        return f"{self.module}: {self.reason} ({self.beam})"


@dataclass(frozen=True, slots=True)
class DriftReport:
    checked: int
    drift: tuple[Drift, ...]


def find_drift(loaded: Sequence[LoadedModule], code_dirs: Iterable[Path]) -> DriftReport:
    """Compare each loaded module that has a beam in ``code_dirs`` with that beam.

    ``code_dirs`` are the directories the running version loads code from, in
    code path order (the first holding a module's beam wins): a mix release's
    ``releases/VSN/consolidated``, then each application's ``ebin``.  A module
    counts when the node loaded it from one of them (its beam may since have
    changed or gone) or when one of them holds its beam.  Only the code
    matters: a module the relup did not reload because it did not change
    still runs from the older application directory, and that is no drift.
    Modules that are not loaded are not drift either (interactive mode loads
    on first call).
    """
    directories = [_resolved(directory) for directory in code_dirs]
    on_disk: dict[str, Path] = {}
    for directory in reversed(directories):
        if directory.is_dir():
            on_disk.update((beam.stem, beam) for beam in sorted(directory.glob("*.beam")))
    drift = []
    checked = 0
    for module in sorted(loaded, key=lambda module: module.name):
        loaded_from = None if module.path is None else _resolved(Path(module.path))
        beam = on_disk.get(module.name)
        if beam is None and (loaded_from is None or loaded_from.parent not in directories):
            continue
        checked += 1
        problem = _compare(module, loaded_from, beam)
        if problem is not None:
            drift.append(problem)
    return DriftReport(checked, tuple(drift))


def _compare(module: LoadedModule, loaded_from: Path | None, beam: Path | None) -> Drift | None:
    if beam is None:
        assert loaded_from is not None  # only modules loaded from an ebin get here
        return Drift(module.name, loaded_from, "loaded from a beam that is no longer on disk")
    try:
        on_disk = read_beam(beam).md5.hex()
    except InputError as error:
        return Drift(module.name, beam, f"the beam on disk cannot be read: {error.message}")
    if module.md5 is not None and module.md5.lower() == on_disk:
        return None  # the same code, wherever it was loaded from
    where = "" if loaded_from == beam else f" (loaded from {module.path or 'no file'})"
    return Drift(module.name, beam, f"the running code differs from the beam on disk{where}")


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))
