"""Read a release from disk into a :class:`~diffing.release.Release`: the only stage that does I/O.

``load_release`` does what ``systools_make:get_release/2`` does for
``systools:make_relup`` (OTP 25): read and check the ``.rel``, find and check
every application's ``.app`` along the search path, check the applications
against each other and sort them.  It also reads each application's
``.appup`` (first term only, as ``systools_lib:read_term``), recording rather
than raising any problem with it, because only translation knows whether an
appup is needed.  Everything later stages need ends up in the returned value,
so a tarball's temporary directory can be deleted before it is returned.
Paths read from a tarball are then renamed to start with the tarball's path
(``demo-1.0.tar.gz/lib/a-1/ebin``), in the release and in errors, so nothing
names the deleted directory.  ``Release.root`` is the release root for a tree
(or for a ``.rel`` inside one) and None for a tarball or a lone ``.rel``;
``Release.source`` is what the caller passed.

Modules: :mod:`diffing.release_sources` finds the ``.rel``,
:mod:`diffing.app_search` builds the search path, :mod:`diffing.rel_check`,
:mod:`diffing.app_resolution` and :mod:`diffing.app_order` restate systools.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from diffing.app_order import order_applications
from diffing.app_resolution import collect_applications
from diffing.app_search import build_search_path
from diffing.code_facts import ReleaseCode
from diffing.code_pair import read_code_pair
from diffing.code_reader import read_release_code
from diffing.consolidated import with_consolidated
from diffing.erlang_install import ERL_ROOT_VARIABLE, find_erlang_root
from diffing.errors import InputError, ReleaseError, TermSyntaxError
from diffing.generated import starts_with_marker
from diffing.progress import Progress
from diffing.rel_check import check_release_term
from diffing.release import Application, Appup, Release
from diffing.release_sources import RELEASE_FILE_SUFFIXES, LocatedRelease, open_release_source
from diffing.term_reader import parse_first_term, read_term_text
from diffing.terms import Atom, ErlList, Term, as_text, erl_string
from diffing.workers import submit

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_COMMENT = re.compile(r"%[^\n]*")


def load_release(
    source: str | Path,
    lib_paths: Sequence[str | Path] = (),
    erlang_root: Path | Literal["auto"] | None = "auto",
) -> Release:
    """Read the release ``source`` names, resolving its applications as systools does.

    Args:
        source: a release root, ``ROOT@VSN``, a release tarball or a ``.rel``
            file (see :mod:`diffing.release_sources`).
        lib_paths: extra places to find ``.app`` files (``-p``), searched after
            the release's own ``lib/`` (see :mod:`diffing.app_search`).
        erlang_root: the Erlang installation whose applications are searched
            last; ``"auto"`` finds it (``$ERL_ROOT``, else ``erl`` on PATH),
            None searches none.

    Returns:
        The release, with applications in systools' start order.

    Raises:
        InputError: the source is missing or not a release (a ``ReleaseError``
            when systools would refuse it, with systools' reason term).
        TermSyntaxError: the ``.rel`` file does not parse.

    >>> load_release("/nonexistent")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    diffing.errors.InputError: /nonexistent: no such file or directory
    """
    release, _ = _load(source, lib_paths, erlang_root, read_code=False)
    return release


def load_release_code(
    source: str | Path,
    lib_paths: Sequence[str | Path] = (),
    erlang_root: Path | Literal["auto"] | None = "auto",
    applications: Collection[str] | None = None,
) -> ReleaseCode:
    """Like :func:`load_release`, and read the code of the applications named (all: None).

    A tarball is extracted whole for this, so beams and ``priv/`` can be read.
    """
    release, code = _load(source, lib_paths, erlang_root, read_code=True, code_of=applications)
    assert code is not None
    return replace(code, release=release)


def load_release_pair(
    old: str | Path,
    new: str | Path,
    lib_paths: Sequence[str | Path] = (),
    erlang_root: Path | Literal["auto"] | None = "auto",
    pool: ProcessPoolExecutor | None = None,
) -> tuple[Release, Release]:
    """:func:`load_release` of OLD, then of NEW; NEW in a worker of ``pool``, meanwhile.

    When the worker fails, NEW is read here, after OLD, so the error is the
    one the two plain calls raise.
    """
    pending = None if pool is None else submit(pool, load_release, new, lib_paths, erlang_root)
    old_release = load_release(old, lib_paths, erlang_root)
    new_release = None if pending is None else pending.result()
    if new_release is None:
        new_release = load_release(new, lib_paths, erlang_root)
    return old_release, new_release


def load_code_pair(
    old: Release,
    new: Release,
    applications: Collection[str],
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[ReleaseCode, ReleaseCode]:
    """What :func:`load_release_code` gives for OLD and for NEW, from the releases already loaded.

    Both must be trees (``root`` set: not a tarball, whose directory is gone).
    The releases are not read again, and the beams of both are read side by
    side (see :mod:`diffing.code_pair`), with ``pool``'s workers when given;
    ``progress`` hears about the beams; ``meanwhile`` is called once the
    workers have their work.
    """
    if old.root is None or new.root is None:
        raise ValueError("load_code_pair needs two release trees")
    return read_code_pair(
        old,
        new,
        applications,
        complete=with_consolidated,
        progress=progress,
        pool=pool,
        meanwhile=meanwhile,
    )


def _load(
    source: str | Path,
    lib_paths: Sequence[str | Path],
    erlang_root: Path | Literal["auto"] | None,
    read_code: bool,
    code_of: Collection[str] | None = None,
) -> tuple[Release, ReleaseCode | None]:
    installation, note = _erlang_installation(erlang_root)
    suffixes = None if read_code else RELEASE_FILE_SUFFIXES
    code: ReleaseCode | None = None
    with open_release_source(source, suffixes) as located:
        try:
            release = _read_located(located, lib_paths, installation, note, str(source))
            if read_code:
                code = with_consolidated(read_release_code(release, code_of))
        except InputError as error:
            if located.tarball is None or located.extraction_dir is None:
                raise
            raise _relocated_error(error, located.extraction_dir, located.tarball) from None
    if located.tarball is not None and located.extraction_dir is not None:
        release = _relocated_release(release, located.extraction_dir, located.tarball)
    return release, code


def _erlang_installation(
    erlang_root: Path | Literal["auto"] | None,
) -> tuple[Path | None, str | None]:
    if erlang_root is None:
        return None, None
    if erlang_root == "auto":
        found = find_erlang_root()
        note = f"no Erlang installation (set ${ERL_ROOT_VARIABLE} or put erl on PATH)"
        return found, None if found is not None else note
    root = Path(erlang_root)
    if not (root / "lib").is_dir():
        raise InputError(root, "not an Erlang installation (no lib/ directory)")
    return root, None


def _read_located(
    located: LocatedRelease,
    lib_paths: Sequence[str | Path],
    installation: Path | None,
    note: str | None,
    source: str,
) -> Release:
    search = build_search_path(located.root, lib_paths, installation, note)
    spec, warnings = check_release_term(read_rel_term(located.rel_file), located.rel_file)
    applications = collect_applications(
        spec, search.directories_for, read_app_term, search.describe
    )
    ordered = order_applications(applications, spec)
    with_appups = tuple(replace(app, appup=read_appup(app)) for app in ordered)
    root = located.root if located.tarball is None else None
    return Release(spec, with_appups, root=root, source=source, warnings=warnings)


def _is_blank(text: str) -> bool:
    """True when the text holds only comments and white space (systools: ``{read, File}``)."""
    return not _COMMENT.sub("", text).strip()


def read_rel_term(rel_file: Path) -> Term:
    """The first term of a ``.rel`` file; unreadable or empty files are ``{read, File}``."""
    try:
        text = read_term_text(rel_file)
    except InputError as error:
        raise ReleaseError(rel_file, error.message, _read_reason(rel_file)) from None
    if _is_blank(text):
        raise ReleaseError(rel_file, "holds no release term", _read_reason(rel_file))
    return parse_first_term(text, rel_file)


def _read_reason(path: Path) -> Term:
    return (Atom("read"), erl_string(str(path)))


def read_app_term(app_file: Path) -> Term:
    """The first term of a ``.app`` file (raises TermSyntaxError or InputError)."""
    text = read_term_text(app_file)
    if _is_blank(text):
        raise InputError(app_file, "holds no term")
    return parse_first_term(text, app_file)


def read_appup(application: Application) -> Appup:
    """The application's ``.appup`` as systools reads it, or why it cannot be read.

    The failure kinds follow ``systools_lib:read_term``: cannot open, no term
    or bytes epp cannot read (a byte-order mark, invalid UTF-8), or tokens
    that do not parse.
    """
    path = application.appup_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Appup(path, problem="enoent", problem_kind="open")
    except OSError as error:
        return Appup(path, problem=error.strerror or str(error), problem_kind="open")
    if data.startswith(b"\xef\xbb\xbf"):
        return Appup(path, problem="starts with a byte-order mark", problem_kind="read")
    try:
        text = read_term_text(path)
    except InputError as error:
        return Appup(path, problem=error.message, problem_kind="read")
    if _is_blank(text):
        return Appup(path, problem="the file holds no term", problem_kind="read")
    try:
        return Appup(
            path, term=parse_first_term(text, path), generated_by_relup=starts_with_marker(data)
        )
    except TermSyntaxError as error:
        return Appup(path, problem=error.message, problem_line=error.line, problem_kind="parse")


# --- tarballs: name files after the tarball, not the deleted temporary directory -------------


def _move(path: Path, old: Path, new: Path) -> Path:
    return new / path.relative_to(old) if path.is_relative_to(old) else path


def _relocated_release(release: Release, old: Path, new: Path) -> Release:
    applications = tuple(
        replace(
            app,
            directory=_move(app.directory, old, new),
            appup=None
            if app.appup is None
            else replace(app.appup, path=_move(app.appup.path, old, new)),
        )
        for app in release.applications
    )
    spec = replace(release.spec, path=_move(release.spec.path, old, new))
    return replace(release, spec=spec, applications=applications)


def _relocated_error(error: InputError, old: Path, new: Path) -> InputError:
    path = None if error.path is None else _move(error.path, old, new)
    message = error.message.replace(str(old), str(new))
    if isinstance(error, TermSyntaxError):
        return TermSyntaxError(path, error.line, error.column, error.source_line, message)
    if isinstance(error, ReleaseError):
        reason = None if error.reason is None else _relocated_term(error.reason, str(old), str(new))
        return ReleaseError(path, message, reason)
    return InputError(path, message)


def _relocated_term(term: Term, old: str, new: str) -> Term:
    if isinstance(term, tuple):
        return tuple(_relocated_term(item, old, new) for item in term)
    if isinstance(term, ErlList):
        text = as_text(term)
        if text is not None and text.startswith(old):
            return erl_string(new + text[len(old) :])
        items = tuple(_relocated_term(item, old, new) for item in term.items)
        return ErlList(items, term.tail)
    return term
