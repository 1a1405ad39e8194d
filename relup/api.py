"""relup's public functions: what the CLI calls, usable from Python too."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from diffing.progress import Progress, report
from diffing.release import Release
from diffing.release_reader import load_release
from diffing.terms import Atom, erl_list
from relup.errors import TranslationError, UsageError
from upgrade.relup_builder import BaseRelease, Relup, RelupOptions, build_relup

ErlangRoot = Path | None | Literal["auto"]


def make_relup(
    new: str | Path,
    old: str | Path,
    also_from: Sequence[str | Path] = (),
    lib_paths: Sequence[str | Path] = (),
    erlang_root: ErlangRoot = "auto",
    options: RelupOptions | None = None,
    warnings_as_errors: bool = False,
    progress: Progress | None = None,
) -> tuple[Release, Relup]:
    """Read NEW, OLD and the extra bases, and build NEW's relup as systools would.

    The up-from and down-to lists are OLD then each of ``also_from``, in order
    (systools' UpFrom/DownTo).  Releases are read when systools would read them,
    so the first error reported is the one systools reports.  ``progress``
    hears each release read, then the translation (see ``diffing.progress``).

    Returns:
        The NEW release and its relup.
    """
    steps = 2 + len({str(source) for source in (old, *also_from)})
    report(progress, "reading NEW", 0, steps)
    top = load_release(new, lib_paths, erlang_root)
    loaded: dict[str, Release] = {}

    def load(source: str | Path) -> Release:
        key = str(source)
        if key not in loaded:
            report(progress, f"reading {source}", len(loaded) + 1, steps)
            loaded[key] = load_release(source, lib_paths, erlang_root)
            report(progress, "translating", len(loaded) + 1, steps)
        return loaded[key]

    def bases() -> Iterator[BaseRelease]:
        for source in (old, *also_from):
            yield BaseRelease(load(source))

    relup = build_relup(top, bases(), bases(), options or RelupOptions())
    report(progress, "translating", steps, steps)
    if warnings_as_errors and relup.warnings:
        reason = (
            Atom("warnings_treated_as_errors"),
            erl_list(*(warning.term for warning in reversed(relup.warnings))),
        )
        shown = "; ".join(warning.message for warning in relup.warnings)
        raise TranslationError("systools_relup", reason, f"warnings treated as errors: {shown}")
    return top, relup


def default_relup_path(new_source: str | Path, new: Release) -> Path:
    """Where ``relup relup`` writes by default: beside NEW's ``.rel`` (releases/VSN/relup)."""
    directory = new.spec.path.parent
    if not directory.is_dir():
        # A tarball's paths name the packed file, which has no directory to write into.
        raise UsageError(f"NEW ({new_source}) is packed: say where to write the relup with -o FILE")
    return directory / "relup"
