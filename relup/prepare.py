"""``relup prepare ROOT``: make a freshly built release upgradable before its first boot.

release_handler (part of sasl) learns which releases are installed, and where
their applications live, from ``releases/RELEASES``, and reads it only when it
starts.  relx writes that file; ``mix release`` does not, and a node that
boots without it knows its release by name only (no applications), so it
cannot install an upgrade.  ``prepare`` writes the file release_handler's own
``create_RELEASES("", RelDir, RelFile, [])`` writes: the release of
``releases/start_erl.data`` (the one the start script boots) marked
``permanent``, its applications at ``lib/APP-VSN`` relative to the root (as
``unpack_release`` records the releases it unpacks), so the tree can move.

Checked first, each failure one line naming the file: the tree is a release
root; the booted version's ``releases/VSN/NAME.rel`` reads as systools reads
it; sasl is in the release and started (``load``/``none`` start no
release_handler); every ``lib/APP-VSN`` and the ``erts-VSN`` directory are
there (without ERTS in the tree, release_handler looks for ``releases/`` in
the Erlang installation instead).  The other files release_handler needs
(``NAME.rel``, ``start.boot``, ``start_erl.data``) both builders write.

Idempotent: a ``RELEASES`` that lists the version is left alone (nothing to
do, as on any relx tree).  One that does not is replaced only if relup wrote
it (its marker line; release_handler rewrites the file without it as soon as
it installs anything), which is what happens when ``mix release`` assembles a
new version into the root that holds the previous one; any other is an error,
never overwritten, since it records what was installed.  The write is atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from diffing.errors import InputError
from diffing.rel_check import check_release_term
from diffing.release import ReleaseSpec
from diffing.release_reader import read_rel_term
from diffing.release_sources import locate_rel_in_root
from diffing.term_reader import read_first_term_file
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term, as_text, erl_list, erl_string
from relup import __version__
from relup.files import was_generated_by_relup, write_generated_file

RELEASES_FILE = "RELEASES"
START_ERL_DATA = "start_erl.data"
_NOT_STARTED = ("load", "none")


@dataclass(frozen=True, slots=True)
class PrepareResult:
    """What :func:`prepare_release` found and did.

    ``written`` is the ``RELEASES`` file when it was written, None when it
    already listed the release (nothing to do).
    """

    root: Path
    release_name: str
    vsn: str
    written: Path | None


def prepare_release(root: Path) -> PrepareResult:
    """Write ``ROOT/releases/RELEASES`` for the release ROOT boots, unless it is there.

    Args:
        root: a release root (``mix release`` or relx output, or an unpacked tarball).

    Returns:
        The release and whether the file was written.

    Raises:
        InputError: ROOT is not a release root, its ``.rel`` is unreadable, sasl is
            missing or not started, an application or ERTS directory is missing,
            or ``RELEASES`` exists without this release.
    """
    releases = root / "releases"
    if not root.is_dir() or not releases.is_dir():
        raise InputError(root, "not a release root (expected releases/VSN/NAME.rel)")
    vsn = booted_version(root)
    rel_file = locate_rel_in_root(root, vsn)
    spec, _ = check_release_term(read_rel_term(rel_file), rel_file)
    existing = releases / RELEASES_FILE
    if existing.exists() and _lists_release(existing, spec):
        return PrepareResult(root, spec.name, spec.vsn, None)
    _check_sasl(spec)
    _check_directories(root, spec)
    write_generated_file(existing, releases_text(spec))
    return PrepareResult(root, spec.name, spec.vsn, existing)


def booted_version(root: Path) -> str | None:
    """The version ``releases/start_erl.data`` names (``ERTS_VSN REL_VSN``), if it is there."""
    data = root / "releases" / START_ERL_DATA
    try:
        fields = data.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None  # the root must then hold a single release
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or error
        raise InputError(data, f"cannot read: {why}") from None
    if len(fields) != 2:
        raise InputError(data, "expected two words, ERTS_VSN REL_VSN")
    return fields[1]


def releases_term(spec: ReleaseSpec) -> Term:
    """The ``RELEASES`` term: ``[{release, Name, Vsn, ErtsVsn, Libs, permanent}]``."""
    libraries = ErlList(
        tuple(
            (Atom(app.name), erl_string(app.vsn), erl_string(f"lib/{app.name}-{app.vsn}"))
            for app in spec.applications
        )
    )
    release = (
        Atom("release"),
        erl_string(spec.name),
        erl_string(spec.vsn),
        erl_string(spec.erts_vsn),
        libraries,
        Atom("permanent"),
    )
    return erl_list(release)


def releases_text(spec: ReleaseSpec) -> str:
    """The file: relup's marker, the encoding line file:consult honours, the term."""
    term_text = format_term(releases_term(spec))
    return f"%% generated by relup {__version__}\n%% coding: utf-8\n{term_text}.\n"


def _lists_release(path: Path, spec: ReleaseSpec) -> bool:
    """Whether ``path`` lists the release; False for a file relup wrote and may replace."""
    term = read_first_term_file(path)
    listed = _listed_versions(term)
    if listed is None:
        raise InputError(path, "not a RELEASES file (expected a list of release tuples)")
    if spec.vsn in listed:
        return True
    if was_generated_by_relup(path):
        return False
    shown = ", ".join(listed) or "none"
    raise InputError(
        path,
        f"exists but does not list {spec.name} {spec.vsn} (it lists {shown}); it records "
        "what was installed, so relup does not replace it: remove it to start over",
    )


def _listed_versions(term: Term) -> list[str] | None:
    if not isinstance(term, ErlList):
        return None
    versions = []
    for entry in term.items:
        if not (isinstance(entry, tuple) and len(entry) >= 3 and entry[0] == Atom("release")):
            return None
        version = as_text(entry[2])
        if version is None:
            return None
        versions.append(version)
    return versions


def _check_sasl(spec: ReleaseSpec) -> None:
    sasl = spec.find("sasl")
    if sasl is None:
        raise InputError(
            spec.path,
            "the release has no sasl: release_handler, which installs upgrades, is part of "
            "sasl; add :sasl to extra_applications in mix.exs (or sasl to the relx release)",
        )
    if sasl.start_type in _NOT_STARTED:
        raise InputError(
            spec.path,
            f"sasl is in the release with start type {sasl.start_type}, so release_handler "
            "never runs; make it permanent (mix.exs: releases: [NAME: [applications: "
            "[sasl: :permanent]]])",
        )


def _check_directories(root: Path, spec: ReleaseSpec) -> None:
    for app in spec.applications:
        directory = root / "lib" / f"{app.name}-{app.vsn}"
        if not directory.is_dir():
            raise InputError(directory, f"missing: {app.name} {app.vsn} is in {spec.path.name}")
    erts = root / f"erts-{spec.erts_vsn}"
    if not erts.is_dir():
        raise InputError(
            erts,
            "missing: without ERTS in the release (mix: include_erts: false), release_handler "
            "looks for releases/ in the Erlang installation, so this tree cannot be upgraded",
        )
