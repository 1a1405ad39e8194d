"""Find and read a release's ``.app`` files, as ``systools_make`` does (OTP 25, SASL 4.2).

This restates ``read_application``, ``parse_application`` and
``collect_applications`` over parsed terms; the caller supplies the search
directories and the file reader.  Each refusal is a
:class:`~diffing.errors.ReleaseError` whose ``reason`` is the term systools
returns inside ``{error, systools_make, Reason}``.  Where systools crashes
inside its ``catch`` the reason is ``{'EXIT', {Why, []}}`` (stack left out).

systools reads every application and returns all failures as one list (last
application first); relup raises the failure of the first application in
``.rel`` order with systools' single ``{error_reading, {App, What}}`` (or
``{bad_application_name, ...}``) term as reason, and names the other failing
applications in the message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from diffing.errors import InputError, ReleaseError, TermSyntaxError
from diffing.release import Application, AppName, ModuleName, RelApplication, ReleaseSpec
from diffing.systools_terms import (
    ErlangCrash,
    atom_names,
    crash_reason,
    is_pair_list,
    is_string,
    show_term,
    text_of,
)
from diffing.terms import NIL, UNDEFINED, Atom, ErlList, Term, erl_string, is_atom_list

INFINITY = Atom("infinity")

# The keys systools reads from a .app file, in the order it checks them.
_APP_KEYS = (
    "vsn", "id", "description", "modules", "registered", "applications",
    "optional_applications", "included_applications", "mod", "start_phases", "env",
    "maxT", "maxP",
)  # fmt: skip
_OPTIONAL_DEFAULTS: dict[str, Term] = {
    "optional_applications": NIL,
    "included_applications": NIL,
    "mod": NIL,
    "env": NIL,
    "id": NIL,
    "start_phases": UNDEFINED,
    "maxT": INFINITY,
    "maxP": INFINITY,
}


@dataclass(frozen=True, slots=True)
class AppFileProblem:
    """Why an application could not be read: systools' ``What`` and a message.

    ``path`` is the file at fault, or None when the problem is the search
    itself (nothing found), which is reported against the ``.rel`` file.
    """

    reason: Term
    message: str
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class WrongVersion:
    """A ``.app`` file for another version of the application (systools skips it)."""

    path: Path
    found: Term


class _ItemProblem(Exception):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(kind, key)


def parse_application_term(
    term: Term,
    app_file: Path,
    vsn: str,
    rel_includes: dict[AppName, tuple[AppName, ...]],
) -> Application | WrongVersion | AppFileProblem:
    """Check a ``.app`` term as ``systools_make:parse_application`` does.

    Args:
        term: the first term of ``app_file``.
        app_file: the ``.app`` file, whose directory becomes the application's.
        vsn: the version the ``.rel`` asks for.
        rel_includes: the ``.rel``'s included-application overrides, by application.

    Returns:
        The application (start type still the default), a :class:`WrongVersion`,
        or the problem that makes systools give up on this application.
    """
    match term:
        case (Atom("application"), Atom() as name, ErlList() as keys):
            pass
        case _:
            return AppFileProblem(
                (Atom("badly_formatted_application"), term),
                "not an {application, Name, [{Key, Value}]} term",
                app_file,
            )
    try:
        values = {key: _check_item(key, _find_key(Atom(key), keys)) for key in _APP_KEYS}
    except _ItemProblem as problem:
        what = "missing" if problem.kind == "missing_param" else "bad value for"
        return AppFileProblem(
            ((Atom(problem.kind), Atom(problem.key)), term), f"{what} '{problem.key}'", app_file
        )
    except ErlangCrash as crash:
        return AppFileProblem(
            (crash_reason(crash.why), term),
            f"malformed .app term ({show_term(crash.why)})",
            app_file,
        )
    if text_of(values["vsn"]) != vsn:
        return WrongVersion(app_file, values["vsn"])
    return _build_application(AppName(name.name), vsn, values, app_file, rel_includes)


def _find_key(key: Atom, keys: ErlList) -> tuple[Term, ...] | None:
    """``lists:keysearch(Key, 1, Keys)``: the first tuple whose first element is ``key``."""
    for item in keys.items:
        if isinstance(item, tuple) and item and item[0] == key:
            return item
    if keys.tail is not None:
        raise ErlangCrash(Atom("badarg"))
    return None


def _check_item(key: str, entry: tuple[Term, ...] | None) -> Term:
    if entry is None:
        if key in _OPTIONAL_DEFAULTS:
            return _OPTIONAL_DEFAULTS[key]
        raise _ItemProblem("missing_param", key)
    if len(entry) != 2:
        raise _ItemProblem("missing_param", key)
    value = entry[1]
    if key == "mod":
        # A malformed mod falls through every systools clause: "missing", not "bad".
        if value == NIL or (
            isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Atom)
        ):
            return value
        raise _ItemProblem("missing_param", key)
    if _valid_item(key, value):
        return value
    raise _ItemProblem("bad_param", key)


def _valid_item(key: str, value: Term) -> bool:
    if key in ("vsn", "id", "description"):
        return is_string(value)
    if key in ("env", "start_phases"):
        return (key == "start_phases" and value == UNDEFINED) or is_pair_list(value)
    if key in ("maxT", "maxP"):
        return value == INFINITY or (type(value) is int and value > 0)
    return is_atom_list(value)


def _build_application(
    name: AppName,
    vsn: str,
    values: dict[str, Term],
    app_file: Path,
    rel_includes: dict[AppName, tuple[AppName, ...]],
) -> Application | AppFileProblem:
    includes = atom_names(values["included_applications"])
    override = rel_includes.get(name)
    if override is not None:
        unlisted = [included for included in override if included not in includes]
        if unlisted:
            return AppFileProblem(
                (Atom("override_include"), ErlList(tuple(Atom(app) for app in unlisted))),
                f"the .rel makes {name} include {', '.join(unlisted)}, "
                "which its included_applications does not list",
                app_file,
            )
        includes = override
    modules = values["modules"]
    assert isinstance(modules, ErlList)
    return Application(
        name=name,
        vsn=vsn,
        start_type="permanent",
        description=text_of(values["description"]),
        modules=tuple(
            ModuleName(module.name) for module in modules.items if isinstance(module, Atom)
        ),
        uses=atom_names(values["applications"]),
        includes=includes,
        registered=atom_names(values["registered"]),
        directory=app_file.parent,
        id=text_of(values["id"]),
        optional=atom_names(values["optional_applications"]),
        env=values["env"],
        max_t=values["maxT"],
        max_p=values["maxP"],
        mod=values["mod"],
        start_phases=values["start_phases"],
    )


def find_application(
    wanted: RelApplication,
    directories: Sequence[Path],
    read_term: Callable[[Path], Term],
    rel_includes: dict[AppName, tuple[AppName, ...]],
) -> Application | AppFileProblem:
    """Search ``directories`` in order for the ``.app`` file of ``wanted``'s version.

    As ``systools_make:read_application``: a file with another version, or one
    that does not parse, is skipped and the search goes on; any other problem
    ends it.  When nothing matches, the first skipped file's problem is the
    error, else ``not_found``.
    """
    file_name = f"{wanted.name}.app"
    first_problem: AppFileProblem | None = None
    unreadable: list[str] = []
    for directory in directories:
        app_file = directory / file_name
        if not app_file.exists():
            continue
        try:
            term = read_term(app_file)
        except TermSyntaxError as error:
            first_problem = first_problem or _parse_problem(app_file, error)
            continue
        except InputError as error:
            unreadable.append(str(error))
            continue
        result = parse_application_term(term, app_file, wanted.vsn, rel_includes)
        if isinstance(result, WrongVersion):
            first_problem = first_problem or _wrong_version_problem(wanted, result)
            continue
        return result
    if first_problem is not None:
        return first_problem
    skipped = f"; skipped unreadable: {'; '.join(unreadable)}" if unreadable else ""
    return AppFileProblem(
        (Atom("not_found"), erl_string(file_name)),
        f"application {wanted.name} {wanted.vsn} not found: no {file_name}{skipped}",
    )


def _parse_problem(app_file: Path, error: TermSyntaxError) -> AppFileProblem:
    location = (erl_string(str(app_file)), error.line, erl_string(error.message))
    return AppFileProblem(
        (Atom("parse_error"), location), f"line {error.line}: {error.message}", app_file
    )


def _wrong_version_problem(wanted: RelApplication, found: WrongVersion) -> AppFileProblem:
    reason = (
        Atom("no_valid_version"),
        (
            (erl_string("should be"), erl_string(wanted.vsn)),
            (erl_string("found file"), erl_string(str(found.path)), found.found),
        ),
    )
    return AppFileProblem(
        reason,
        f"no {wanted.name}.app with version {wanted.vsn} found; "
        f"{found.path} has version {show_term(found.found)}",
    )


def collect_applications(
    spec: ReleaseSpec,
    directories_for: Callable[[RelApplication], Sequence[Path]],
    read_term: Callable[[Path], Term],
    describe_search: Callable[[RelApplication], str],
) -> tuple[Application, ...]:
    """Read every application of ``spec``, in ``.rel`` order (``collect_applications``).

    Args:
        spec: the checked release.
        directories_for: the ebin directories to search for an application, in order.
        read_term: reads a file's first term (raises TermSyntaxError or InputError).
        describe_search: says where an application was searched, for "not found".

    Raises:
        ReleaseError: for the first application (in ``.rel`` order) that fails.
    """
    rel_includes: dict[AppName, tuple[AppName, ...]] = {}
    for entry in spec.applications:
        if entry.included_override is not None:
            rel_includes.setdefault(entry.name, entry.included_override)
    found: list[Application] = []
    failures: list[tuple[RelApplication, ReleaseError]] = []
    for wanted in spec.applications:
        result = find_application(wanted, directories_for(wanted), read_term, rel_includes)
        if isinstance(result, AppFileProblem):
            failures.append((wanted, _reading_error(spec, wanted, result, describe_search)))
        elif result.name != wanted.name:
            failures.append((wanted, _name_mismatch(spec, wanted, result)))
        else:
            found.append(replace(result, start_type=wanted.start_type))
    if failures:
        raise _first_failure(failures)
    return tuple(found)


def _reading_error(
    spec: ReleaseSpec,
    wanted: RelApplication,
    problem: AppFileProblem,
    describe_search: Callable[[RelApplication], str],
) -> ReleaseError:
    reason = (Atom("error_reading"), (Atom(wanted.name), problem.reason))
    if problem.path is not None:
        return ReleaseError(problem.path, problem.message, reason)
    return ReleaseError(spec.path, f"{problem.message}; searched {describe_search(wanted)}", reason)


def _name_mismatch(spec: ReleaseSpec, wanted: RelApplication, found: Application) -> ReleaseError:
    reason = (
        Atom("bad_application_name"),
        (Atom(wanted.name), (Atom(found.name), erl_string(found.vsn))),
    )
    return ReleaseError(
        found.directory / f"{wanted.name}.app",
        f"describes application {found.name}, but the file is named for {wanted.name}",
        reason,
    )


def _first_failure(failures: list[tuple[RelApplication, ReleaseError]]) -> ReleaseError:
    first = failures[0][1]
    if len(failures) == 1:
        return first
    others = ", ".join(wanted.name for wanted, _ in failures[1:])
    message = f"{first.message} (also failing: {others})"
    return ReleaseError(first.path, message, first.reason)
