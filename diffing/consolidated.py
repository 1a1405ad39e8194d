"""Read a mix release's consolidated protocols (``releases/VSN/consolidated/*.beam``).

``mix release`` compiles every protocol of the release once more,
"consolidated" (its dispatch table lists the implementations the release
holds), into ``releases/VSN/consolidated/``, and its boot script prepends that
directory to every code path entry.  So the protocol modules that run are
these, not the same-named modules in the applications' ebin directories, and
they live outside every application: appups cannot load them.  This module
reads them into :class:`~diffing.code_facts.ConsolidatedCode`; the diff and the
planner handle them as a release-wide step (see docs/elixir.md).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from diffing.beam import read_beam
from diffing.code_facts import ConsolidatedCode, ModuleFacts, ReleaseCode
from diffing.errors import InputError
from diffing.release import ModuleName, Release

CONSOLIDATED_DIRECTORY = "consolidated"


def with_consolidated(code: ReleaseCode) -> ReleaseCode:
    """``code`` with its release's consolidated protocols read (while the tree is on disk)."""
    return replace(code, consolidated=read_consolidated(code.release))


def read_consolidated(release: Release) -> ConsolidatedCode | None:
    """The consolidated protocols beside the release's ``.rel``; None when there are none.

    Raises:
        InputError: a consolidated beam cannot be read or is not a BEAM file.
    """
    version_dir = release.spec.path.parent
    directory = version_dir / CONSOLIDATED_DIRECTORY
    if not directory.is_dir():
        return None
    try:
        beams = sorted(path for path in directory.iterdir() if path.suffix == ".beam")
    except OSError as error:
        raise InputError(directory, f"cannot read: {error.strerror or error}") from error
    modules = tuple(sorted((_facts(path) for path in beams), key=lambda facts: facts.name))
    relative = f"releases/{version_dir.name}/{CONSOLIDATED_DIRECTORY}"
    return ConsolidatedCode(relative, modules)


def _facts(path: Path) -> ModuleFacts:
    beam = read_beam(path)
    if beam.module != path.stem:
        # The loader refuses a file whose module is not its name: code:load_abs would fail.
        raise InputError(path, f"holds module {beam.module}, not {path.stem}")
    return ModuleFacts(
        name=ModuleName(beam.module),
        md5=beam.md5,
        vsn=beam.vsn,
        behaviours=beam.behaviours,
        behaviours_inferred=False,
        exports=beam.exports,
        calls=tuple(sorted(ModuleName(m) for m in beam.imported_modules if m != beam.module)),
    )
