"""Check a ``.rel`` term as ``systools_make:check_rel`` does (OTP 25, SASL 4.2).

Checks run in systools' order, so the error reported is the one systools
reports: the term's shape, then the release name, version and ERTS version,
then every application entry, then the mandatory ``kernel`` and ``stdlib``
(which must be ``permanent``).  A missing ``sasl`` is only a warning here.
Each refusal is a :class:`~diffing.errors.ReleaseError` whose ``reason`` is
the term systools returns inside ``{error, systools_make, Reason}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from diffing.errors import ReleaseError
from diffing.release import START_TYPES, AppName, RelApplication, ReleaseSpec, StartType
from diffing.systools_terms import (
    ErlangCrash,
    atom_names,
    crash_reason,
    is_string,
    show_term,
    text_of,
)
from diffing.terms import Atom, ErlList, Term, is_atom_list

MISSING_SASL = "missing_sasl: the release has no sasl application, so it cannot be upgraded"


def check_release_term(term: Term, path: Path) -> tuple[ReleaseSpec, tuple[str, ...]]:
    """Check a ``.rel`` term as ``systools_make:check_rel`` does.

    Args:
        term: the first term of the ``.rel`` file.
        path: the ``.rel`` file, for messages and :attr:`ReleaseSpec.path`.

    Returns:
        The release and its warnings (``missing_sasl`` when sasl is absent).

    Raises:
        ReleaseError: the first check that fails, in systools' order.
    """
    match term:
        case (Atom("release"), (name, vsn), (Atom("erts"), erts_vsn), ErlList() as entries):
            pass
        case _:
            raise ReleaseError(
                path,
                "not a {release, {Name, Vsn}, {erts, ErtsVsn}, [Application]} term",
                Atom("badly_formatted_release"),
            )
    try:
        _check_release_strings(name, vsn, erts_vsn, path)
        illegal = _illegal_entries(entries)
    except ErlangCrash as crash:
        raise ReleaseError(
            path, f"malformed release term ({show_term(crash.why)})", crash_reason(crash.why)
        ) from None
    if illegal:
        shown = ", ".join(show_term(entry) for entry in illegal)
        raise ReleaseError(
            path,
            f"illegal application entries: {shown}",
            (Atom("illegal_applications"), ErlList(tuple(illegal))),
        )
    applications = tuple(_rel_application(entry) for entry in entries.items)
    warnings = _check_mandatory(applications, path)
    spec = ReleaseSpec(
        name=text_of(name),
        vsn=text_of(vsn),
        erts_vsn=text_of(erts_vsn),
        applications=applications,
        path=path,
    )
    return spec, warnings


def _check_release_strings(name: Term, vsn: Term, erts_vsn: Term, path: Path) -> None:
    if not is_string(name):
        raise ReleaseError(
            path,
            f"release name must be a string, not {show_term(name)}",
            (Atom("illegal_name"), name),
        )
    if not is_string(vsn):
        raise ReleaseError(
            path,
            f"release version must be a string, not {show_term(vsn)}",
            (Atom("illegal_form"), vsn),
        )
    if not is_string(erts_vsn):
        raise ReleaseError(
            path,
            f"erts version must be a string, not {show_term(erts_vsn)}",
            (Atom("illegal_form"), (Atom("erts"), erts_vsn)),
        )


def _illegal_entries(entries: ErlList) -> list[Term]:
    illegal = [entry for entry in entries.items if _is_illegal_entry(entry)]
    if entries.tail is not None:
        raise ErlangCrash((Atom("bad_generator"), entries.tail))
    return illegal


def _is_illegal_entry(entry: Term) -> bool:
    match entry:
        case (Atom(), vsn):
            return not is_string(vsn)
        case (Atom(), vsn, ErlList() as included):
            return not (is_string(vsn) and is_atom_list(included))
        case (Atom(), vsn, Atom() as start_type):
            return not (is_string(vsn) and start_type.name in START_TYPES)
        case (Atom(), vsn, Atom() as start_type, ErlList() as included):
            valid_type = start_type.name in START_TYPES
            return not (is_string(vsn) and valid_type and is_atom_list(included))
    return True


def _rel_application(entry: Term) -> RelApplication:
    assert isinstance(entry, tuple) and isinstance(entry[0], Atom)
    name, vsn = AppName(entry[0].name), text_of(entry[1])
    start_type: StartType = "permanent"
    included: tuple[AppName, ...] | None = None
    for extra in entry[2:]:
        if isinstance(extra, Atom):
            start_type = _start_type(extra)
        else:
            included = atom_names(extra)
    return RelApplication(name, vsn, start_type, included)


def _start_type(atom: Atom) -> StartType:
    for start_type in START_TYPES:
        if start_type == atom.name:
            return start_type
    raise AssertionError(atom)


def _check_mandatory(applications: Sequence[RelApplication], path: Path) -> tuple[str, ...]:
    first_types: dict[str, StartType] = {}
    for application in applications:
        first_types.setdefault(application.name, application.start_type)
    for mandatory in ("kernel", "stdlib"):
        start_type = first_types.get(mandatory)
        if start_type is None:
            raise ReleaseError(
                path,
                f"the release must include the {mandatory} application",
                (Atom("missing_mandatory_app"), Atom(mandatory)),
            )
        if start_type != "permanent":
            raise ReleaseError(
                path,
                f"{mandatory} must be permanent in the release, not {start_type}",
                (Atom("mandatory_app"), Atom(mandatory), Atom(start_type)),
            )
    return () if "sasl" in first_types else (MISSING_SASL,)
