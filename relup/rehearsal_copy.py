"""The release copy a rehearsal boots: OLD, alone, in a scratch directory.

OLD may be a root holding several versions (``_build/prod/rel/NAME`` after two
rebar3 builds, named ``ROOT@VSN``); its copy must boot OLD and know nothing of
the others, as a deployed OLD would.  So in the copy only: the other versions'
``releases/VSN`` are removed, ``start_erl.data`` names OLD, relx's
``bin/NAME-VSN`` of OLD becomes ``bin/NAME``, and ``RELEASES`` (which lists
what the root was last built as) is dropped, for the rehearsal to prepare
the copy as ``relup prepare`` prepares a root (``RELEASES`` listing OLD alone,
permanent, as a mix release needs before its first boot).  OLD itself is only
read.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from diffing.errors import InputError, UsageError
from diffing.release_reader import read_rel_term
from diffing.release_sources import open_release_source, release_versions
from diffing.terms import Atom, ErlList, as_text
from relup.node_control import ReleaseScript, find_release_script

# Left behind by a node that ran from OLD: logs, run_erl pipes, mix's tmp.
_RUNTIME_DIRECTORIES = ("log", "tmp")


@dataclass(frozen=True, slots=True)
class ReleaseCopy:
    script: ReleaseScript
    vsn: str
    erts_vsn: str


def copy_release(source: str | Path, destination: Path) -> ReleaseCopy:
    """Copy the release root ``source`` names (ROOT, ROOT@VSN or a tarball) to ``destination``.

    Raises:
        InputError: ``source`` is not a release root or tarball, or is unreadable.
        UsageError: ``source`` is a lone ``.rel`` file (nothing to boot).
    """
    with open_release_source(source, file_suffixes=None) as located:
        if located.root is None:
            raise UsageError(f"{source}: rehearse needs a release root or tarball to boot")
        name, vsn, erts_vsn = _rel_identity(located.rel_file)
        try:
            shutil.copytree(
                located.root,
                destination,
                symlinks=True,
                ignore=lambda directory, _names: (
                    _RUNTIME_DIRECTORIES if Path(directory) == located.root else ()
                ),
            )
        except OSError as error:
            raise InputError(located.root, f"cannot copy: {error}") from None
    _keep_only(destination, name, vsn, erts_vsn)
    return ReleaseCopy(find_release_script(destination), vsn, erts_vsn)


def _rel_identity(rel_file: Path) -> tuple[str, str, str]:
    match read_rel_term(rel_file):
        case (Atom("release"), (name, vsn), (Atom("erts"), erts_vsn), ErlList()):
            name_text, vsn_text, erts_text = as_text(name), as_text(vsn), as_text(erts_vsn)
            if name_text is not None and vsn_text is not None and erts_text is not None:
                return name_text, vsn_text, erts_text
    raise InputError(rel_file, "not a release file: expected {release, {Name, Vsn}, {erts, V}, _}")


def _keep_only(root: Path, name: str, vsn: str, erts_vsn: str) -> None:
    releases = root / "releases"
    others = [version for version in release_versions(releases) if version != vsn]
    start_data = releases / "start_erl.data"
    booted = start_data.read_text().split()[1:2] if start_data.is_file() else []
    if not others and booted == [vsn]:
        return
    for version in others:
        shutil.rmtree(releases / version)
    start_data.write_text(f"{erts_vsn} {vsn}\n")
    # It lists what the root was last built or installed as; prepare writes OLD's.
    (releases / "RELEASES").unlink(missing_ok=True)
    versioned_script = root / "bin" / f"{name}-{vsn}"
    if versioned_script.is_file():
        shutil.copy2(versioned_script, root / "bin" / name)
