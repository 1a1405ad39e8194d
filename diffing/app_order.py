"""Check a release's applications against each other and sort them, as ``systools_make`` does.

After every ``.app`` file is read, ``systools_make:get_release`` (OTP 25,
SASL 4.2) runs, in this order, and stops at the first failure:

1. ``check_applications``: every used (non-optional) or included application
   is in the release (``undefined_applications``); no name is registered
   twice (``duplicate_register``); no application is included twice
   (``duplicate_include``); then each ``uses`` list is rewritten so that an
   application included by another is replaced by its top-level includer
   (dropped when that top is already used, kept when both share the same
   top, and an application's use of its own top is dropped);
2. ``sort_used_and_incl_appls``: ``uses`` and ``includes`` lists of two or
   more entries are stably sorted by ``.rel`` position, names missing from the
   ``.rel`` (optional applications) last;
3. ``check_modules``: no module is in two applications (``duplicate_modules``);
4. ``sort_appls``: the start order.  Walking the list, an application whose
   used or included applications still wait further down is put back behind
   them; an application found again after it was already taken marks a
   cycle, and names met nowhere are missing.

The duplicate checks report systools' pairs: entries sorted (stably) by name,
each adjacent pair with equal names, last pair first.  systools scans lists
where this module uses dicts and sets; the order of everything it reports is
kept.  Includes that form a cycle make systools loop forever while looking
for the top includer; relup reports ``{circular_includes, Names}`` instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

from diffing.errors import ReleaseError
from diffing.release import Application, AppName, ReleaseSpec
from diffing.terms import Atom, ErlList, Term, erl_string

Entry = TypeVar("Entry")

_DESCRIBED_PAIRS = 5


def order_applications(
    applications: Sequence[Application], spec: ReleaseSpec
) -> tuple[Application, ...]:
    """Check, rewrite and sort ``applications`` (in ``.rel`` order) as systools does.

    Raises:
        ReleaseError: the first failing check, with systools' reason term.
    """
    checked = check_applications(applications, spec.path)
    sorted_lists = sort_uses_and_includes(checked, spec)
    check_duplicate_modules(sorted_lists, spec.path)
    return sort_applications(sorted_lists, spec.path)


def _atoms(names: Iterable[str]) -> ErlList:
    return ErlList(tuple(Atom(name) for name in names))


def _unique(items: Iterable[AppName]) -> list[AppName]:
    return list(dict.fromkeys(items))


def subtract(items: Sequence[AppName], removed: Iterable[AppName]) -> list[AppName]:
    """Erlang's ``Items -- Removed``: each removed element takes out its first occurrence."""
    pending = Counter(removed)
    kept = []
    for item in items:
        if pending[item] > 0:
            pending[item] -= 1
        else:
            kept.append(item)
    return kept


# --- check_applications --------------------------------------------------------------------


def check_applications(applications: Sequence[Application], rel_file: Path) -> list[Application]:
    """Undefined, duplicate registered and duplicate included checks, then the uses rewrite."""
    defined = {application.name for application in applications}
    wanted = [
        name
        for application in applications
        for name in [*subtract(application.uses, application.optional), *application.includes]
    ]
    undefined = _unique(name for name in wanted if name not in defined)
    if undefined:
        raise ReleaseError(
            rel_file,
            f"applications used or included but not in the release: {', '.join(undefined)}",
            (Atom("undefined_applications"), _atoms(undefined)),
        )
    registered = [(name, app) for app in applications for name in app.registered]
    _refuse_duplicates(registered, "duplicate_register", "names registered twice", rel_file)
    includers = _check_duplicate_includes(applications, rel_file)
    top_of = _top_includer_finder(includers, rel_file)
    return [
        replace(application, uses=_rewrite_uses(application, includers, top_of))
        for application in applications
    ]


def duplicate_pairs(entries: Sequence[tuple[str, Entry]]) -> list[tuple[Entry, Entry]]:
    """systools' ``duplicates``: adjacent equal-name pairs after a stable sort, last first."""
    ordered = sorted(entries, key=lambda entry: entry[0])
    pairs = [(first[1], second[1]) for first, second in pairwise(ordered) if first[0] == second[0]]
    pairs.reverse()
    return pairs


def _refuse_duplicates(
    entries: Sequence[tuple[str, Application]], tag: str, what: str, rel_file: Path
) -> None:
    """Raise systools' ``{Tag, [{{Name, App, [Vsn,] Dir}, {...}}]}`` if a name repeats.

    Terms are built for the duplicates only: a release has thousands of modules.
    """
    pairs = duplicate_pairs([(name, (name, app)) for name, app in entries])
    if not pairs:
        return
    with_vsn = tag != "duplicate_modules"

    def entry(name: str, app: Application) -> Term:
        directory = erl_string(str(app.directory))
        if with_vsn:
            return (Atom(name), Atom(app.name), erl_string(app.vsn), directory)
        return (Atom(name), Atom(app.name), directory)

    described = [f"{first[0]} ({first[1].name}, {second[1].name})" for first, second in pairs]
    described.reverse()
    shown = ", ".join(described[:_DESCRIBED_PAIRS])
    more = len(described) - _DESCRIBED_PAIRS
    raise ReleaseError(
        rel_file,
        f"{what}: {shown}" + (f" and {more} more" if more > 0 else ""),
        (Atom(tag), ErlList(tuple((entry(*first), entry(*second)) for first, second in pairs))),
    )


def _check_duplicate_includes(
    applications: Sequence[Application], rel_file: Path
) -> dict[AppName, AppName]:
    """Check nothing is included twice; return each included application's includer."""
    entries = [(name, app) for app in applications for name in app.includes]
    _refuse_duplicates(entries, "duplicate_include", "applications included twice", rel_file)
    includers: dict[AppName, AppName] = {}
    for name, app in entries:
        includers.setdefault(name, app.name)
    return includers


def _top_includer_finder(
    includers: dict[AppName, AppName], rel_file: Path
) -> Callable[[AppName], AppName]:
    tops: dict[AppName, AppName] = {}

    def top_of(name: AppName) -> AppName:
        chain: list[AppName] = []
        current = name
        while current in includers and current not in tops:
            if current in chain:
                cycle = chain[chain.index(current) :]
                raise ReleaseError(
                    rel_file,
                    f"applications include each other in a cycle: {', '.join(cycle)}",
                    (Atom("circular_includes"), _atoms(cycle)),
                )
            chain.append(current)
            current = includers[current]
        top = tops.get(current, current)
        for member in chain:
            tops[member] = top
        return top

    return top_of


def _rewrite_uses(
    application: Application,
    includers: dict[AppName, AppName],
    top_of: Callable[[AppName], AppName],
) -> tuple[AppName, ...]:
    my_top = top_of(application.name)
    uses = list(application.uses)
    for used in application.uses:
        if used == my_top:
            # An included application may use its own top; the use is dropped.
            uses = subtract(uses, [my_top])
        elif used in includers:
            used_top = top_of(includers[used])
            if used_top in uses:
                uses = subtract(uses, [used])
            elif used_top != my_top:
                uses = [*subtract(uses, [used]), used_top]
    return tuple(uses)


# --- sort_used_and_incl_appls and check_modules ----------------------------------------------


def sort_uses_and_includes(
    applications: Sequence[Application], spec: ReleaseSpec
) -> list[Application]:
    """Sort each ``uses`` and ``includes`` list by ``.rel`` position (unknown names last)."""
    positions: dict[str, int] = {}
    for index, entry in enumerate(spec.applications):
        positions.setdefault(entry.name, index)
    unknown = len(spec.applications)

    def by_rel_position(names: tuple[AppName, ...]) -> tuple[AppName, ...]:
        return tuple(sorted(names, key=lambda name: positions.get(name, unknown)))

    return [
        replace(app, uses=by_rel_position(app.uses), includes=by_rel_position(app.includes))
        for app in applications
    ]


def check_duplicate_modules(applications: Sequence[Application], rel_file: Path) -> None:
    entries = [(module, app) for app in applications for module in app.modules]
    _refuse_duplicates(entries, "duplicate_modules", "modules in two applications", rel_file)


# --- sort_appls ----------------------------------------------------------------------------


def sort_applications(
    applications: Sequence[Application], rel_file: Path
) -> tuple[Application, ...]:
    """systools' ``sort_appls``: dependencies first, otherwise keeping the input order."""
    pending = list(applications)
    result: list[Application] = []
    missing: list[AppName] = []
    circular: list[tuple[str, str]] = []
    visits: Counter[tuple[str, str]] = Counter()
    visited_names: set[str] = set()
    while pending:
        head = pending.pop(0)
        used, pending, not_found_used = _take_all(head, head.uses, pending, visited_names)
        included, pending, not_found_included = _take_all(
            head, head.includes, pending, visited_names
        )
        missing = [*subtract(not_found_used, head.optional), *not_found_included, *missing]
        before = used + included
        if before:
            again = [
                key for app in before for key in [(app.name, app.vsn)] * visits[(app.name, app.vsn)]
            ]
            if again:
                circular = [(head.name, head.vsn), *again, *circular]
            pending = _delete_first_of_each(again, [*before, head, *pending])
        else:
            result.append(head)
        visits[(head.name, head.vsn)] += 1
        visited_names.add(head.name)
    _raise_sort_errors(missing, circular, rel_file)
    return tuple(result)


def _take_all(
    checking: Application,
    names: Sequence[AppName],
    pending: list[Application],
    visited_names: set[str],
) -> tuple[list[Application], list[Application], list[AppName]]:
    """systools' ``find_all``: take ``names`` out of ``pending``, keeping their order."""
    found: list[Application] = []
    not_found: list[AppName] = []
    for name in reversed(names):
        index = next((i for i, app in enumerate(pending) if app.name == name), None)
        if index is not None and checking.name not in pending[index].includes:
            found.insert(0, pending.pop(index))
        elif name not in visited_names:
            # Also when the dependency includes the checking application.
            not_found.insert(0, name)
    return found, pending, not_found


def _delete_first_of_each(
    keys: Sequence[tuple[str, str]], applications: list[Application]
) -> list[Application]:
    remaining = list(applications)
    for key in keys:
        for index, app in enumerate(remaining):
            if (app.name, app.vsn) == key:
                del remaining[index]
                break
    return remaining


def _raise_sort_errors(
    missing: list[AppName], circular: list[tuple[str, str]], rel_file: Path
) -> None:
    cycle = list(dict.fromkeys(circular))
    undefined = _unique(missing)
    cycle_term = (
        Atom("circular_dependencies"),
        ErlList(tuple((Atom(name), erl_string(vsn)) for name, vsn in cycle)),
    )
    undefined_term = (Atom("undefined_applications"), _atoms(undefined))
    cycle_text = "circular dependencies among applications: " + ", ".join(
        f"{name}-{vsn}" for name, vsn in cycle
    )
    undefined_text = f"applications used but not in the release: {', '.join(undefined)}"
    if cycle and undefined:
        raise ReleaseError(
            rel_file,
            f"{cycle_text}; {undefined_text}",
            (Atom("apps"), ErlList((cycle_term, undefined_term))),
        )
    if cycle:
        raise ReleaseError(rel_file, cycle_text, cycle_term)
    if undefined:
        raise ReleaseError(rel_file, undefined_text, undefined_term)
