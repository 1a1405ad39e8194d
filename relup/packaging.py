"""``relup package``: the upgrade package a running release installs.

The package is a ``.tar.gz`` laid out like the release root it is unpacked
into.  ``release_handler:unpack_release(Name)`` reads ``releases/Name.tar.gz``,
extracts ``releases/Name.rel`` from it first, then the whole archive with
``keep_old_files`` (a file already in the running release, such as
``bin/NAME`` or an unchanged ``lib/APP-VSN``, is never overwritten).  relx's
``bin/NAME upgrade VSN`` links the package found at ``releases/NAME-VSN.tar.gz``
to ``releases/VSN/NAME.tar.gz`` and unpacks it as ``VSN/NAME``, so it reads
``releases/VSN/NAME.rel``; after ``make_permanent`` it copies
``bin/NAME-VSN`` over ``bin/NAME``.  Hence the members, all taken from NEW:

* ``releases/NAME-VSN.rel`` and everything under NEW's ``releases/VSN/``
  (``NAME.rel``, ``start.boot``, ``sys.config``, ``vm.args``, a mix release's
  ``consolidated/`` and env scripts), with ``relup`` replaced by the plan's;
* ``lib/APP-VSN/`` of every application of NEW (only the added and upgraded
  ones with ``only_changed``), each generated appup placed in its ebin;
* ``bin/NAME-VSN`` when NEW has one (relx writes it, mix does not);
* ``erts-VSN/`` when the ERTS version changed and NEW bundles it.

OLD and NEW are only read.  The relup is the one ``relup plan --write``
writes: hand-written appups in NEW are honoured, the others generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from diffing.errors import InputError, UsageError
from diffing.release import Release
from diffing.release_sources import tree_of_rel_file
from relup import __version__
from relup.package_tar import TarEntry, check_package_replaceable, package_comment, write_package
from relup.package_tree import directory_entries, tree_entries
from relup.planning import generated_appups, plan_release_upgrade
from relup.reading import PlanRequest, read_release_pair
from render.relup_file import render_relup
from upgrade.plan import UpgradePlan

BOOT_FILE = "start.boot"


@dataclass(frozen=True, slots=True)
class PackageRequest:
    """What to package: the plan's inputs, and whether unchanged applications are left out."""

    plan_request: PlanRequest
    only_changed: bool = False


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """What :func:`build_package` wrote.

    ``members`` are the archive's entry names in archive order (directories
    included, without a trailing slash); ``warnings`` are packaging notes (the
    plan's own warnings are in ``plan.warnings``).
    """

    release_name: str
    vsn: str
    output: Path
    members: tuple[str, ...]
    erts_included: bool
    plan: UpgradePlan
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Source:
    """A file or directory of NEW copied into the package under ``name``."""

    name: str
    path: Path


def build_package(request: PackageRequest, output: Path, force: bool = False) -> PackageSummary:
    """Plan the upgrade from OLD to NEW and write NEW's upgrade package.

    Args:
        request: OLD, NEW and the planning options; ``only_changed`` packs only
            the applications OLD does not have in the same version.
        output: the ``.tar.gz`` to write, or an existing directory to write
            ``NAME-VSN.tar.gz`` into.
        force: replace an existing file relup did not write.

    Returns:
        The summary of the package written.

    Raises:
        UsageError: NEW is not a release directory, or ``output`` lies inside
            what the package holds.
        InputError: NEW has no ``start.boot`` (or a file cannot be read).
        OutputError: ``output`` exists and was not written by relup (without
            ``force``), or cannot be written.
    """
    if not output.is_dir():
        check_package_replaceable(output, force)  # fail before the planning work
    codes = read_release_pair(request.plan_request)
    root, release_dir = release_tree(codes[1].release)  # so is a NEW that cannot be packed
    plan = plan_release_upgrade(request.plan_request, codes=codes)
    new = plan.diff.new.release
    target = output / f"{new.name}-{new.vsn}.tar.gz" if output.is_dir() else output
    sources, warnings = _sources(plan, root, release_dir, request.only_changed)
    _check_outside(target, sources)
    entries = _entries(sources, _generated_files(plan, new))
    write_package(target, entries, package_comment(__version__), force)
    return PackageSummary(
        release_name=new.name,
        vsn=new.vsn,
        output=target,
        members=tuple(entry.name for entry in entries),
        erts_included=any(source.name == f"erts-{new.spec.erts_vsn}" for source in sources),
        plan=plan,
        warnings=warnings,
    )


def release_tree(release: Release) -> tuple[Path, Path]:
    """NEW's root and its ``releases/VSN`` directory, checked to hold a boot file."""
    rel_file = release.spec.path
    root = release.root
    if root is None or tree_of_rel_file(rel_file) is None:
        raise UsageError(
            "relup package needs NEW to be a built release directory "
            "(ROOT or ROOT@VSN holding releases/VSN/NAME.rel), not a tarball or a lone .rel"
        )
    release_dir = rel_file.parent
    boot = release_dir / BOOT_FILE
    if not boot.is_file():
        raise InputError(
            boot,
            "missing: release_handler boots and installs from it; package a release "
            "assembled by its builder (rebar3 release, mix release), not a trimmed tree",
        )
    return root, release_dir


def _sources(
    plan: UpgradePlan, root: Path, release_dir: Path, only_changed: bool
) -> tuple[list[_Source], tuple[str, ...]]:
    new, old = plan.diff.new.release, plan.diff.old.release
    sources = [_Source(f"releases/{new.vsn}", release_dir)]
    for application in new.applications:
        previous = old.application(application.name)
        if only_changed and previous is not None and previous.vsn == application.vsn:
            continue
        name = f"lib/{application.name}-{application.vsn}"
        sources.append(_Source(name, application.directory.parent))
    script = root / "bin" / f"{new.name}-{new.vsn}"
    if script.is_file():
        sources.append(_Source(script.relative_to(root).as_posix(), script))
    warnings: tuple[str, ...] = ()
    if plan.diff.erts is not None:
        erts = root / f"erts-{new.spec.erts_vsn}"
        if erts.is_dir():
            sources.append(_Source(erts.name, erts))
        else:
            warnings = (
                f"ERTS changes from {plan.diff.erts[0]} to {plan.diff.erts[1]} but NEW bundles "
                f"no {erts.name}/: the target system must already have it",
            )
    return sources, warnings


def _check_outside(target: Path, sources: Iterable[_Source]) -> None:
    """The package must not be written into a directory it packs (it would pack itself)."""
    resolved = target.resolve()
    for source in sources:
        if source.path.is_dir() and resolved.is_relative_to(source.path.resolve()):
            raise UsageError(
                f"{target} is inside {source.path}, which the package holds: write it elsewhere"
            )


def _generated_files(plan: UpgradePlan, new: Release) -> dict[str, bytes]:
    """Archive name to content of what relup writes itself: the .rel copy, relup, appups."""
    if plan.relup is None:
        raise UsageError("the plan has no relup to package")
    try:
        rel_bytes = new.spec.path.read_bytes()
    except OSError as error:
        raise InputError(new.spec.path, f"cannot read: {error.strerror or error}") from error
    files = {
        f"releases/{new.name}-{new.vsn}.rel": rel_bytes,
        f"releases/{new.vsn}/relup": render_relup(plan.relup, __version__).encode(),
    }
    for application, text in generated_appups(plan):
        inside = application.appup_file.relative_to(application.directory.parent)
        name = f"lib/{application.name}-{application.vsn}/{inside.as_posix()}"
        files[name] = text.encode()
    return files


def _entries(sources: Iterable[_Source], generated: dict[str, bytes]) -> tuple[TarEntry, ...]:
    """Every member, sorted by path components so a directory's contents follow it."""
    by_name: dict[str, TarEntry] = {}
    for source in sources:
        by_name.update((entry.name, entry) for entry in tree_entries(source.path, source.name))
    by_name.update((name, TarEntry(name, content=content)) for name, content in generated.items())
    by_name.update((entry.name, entry) for entry in directory_entries(by_name))
    return tuple(sorted(by_name.values(), key=lambda entry: PurePosixPath(entry.name).parts))
