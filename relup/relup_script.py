"""What an installed relup script promises, for checking a node after ``install_release``.

``release_handler`` picks the script the way OTP's ``do_get_rh_script`` does:
first the up entry for the running version in the target's own
``releases/TO/relup``, else the down entry for the target in the running
version's ``releases/FROM/relup``.  :func:`select_script` restates that choice
on the relup terms.

OTP ignores the value of every ``apply`` step, so a ``supervisor:restart_child``
that returns ``{error, ...}`` or an ``application:start`` that fails leaves the
installation "successful".  :func:`script_facts` lists what those steps should
have achieved (children running, stopped or deleted; applications started or
stopped), which modules the script loads or removes, and which applications and
children it touches, so that a rehearsal can tell which processes must keep
their pids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from diffing.errors import InputError
from diffing.supervisor_specs import child_id_of_spec
from diffing.term_reader import read_first_term_file
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, ErlMap, Term, as_text

Direction = Literal["upgrade", "downgrade"]
ChildState = Literal["running", "stopped", "absent"]
ApplicationState = Literal["started", "stopped"]

# supervisor:F(Sup, Id-or-spec) and the state of the child afterwards; Elixir's
# Supervisor and Application modules delegate to OTP's.
_SUPERVISOR_MODULES = frozenset({"supervisor", "Elixir.Supervisor"})
_APPLICATION_MODULES = frozenset({"application", "Elixir.Application"})
_CHILD_CALLS: dict[str, ChildState] = {
    "restart_child": "running",
    "start_child": "running",
    "terminate_child": "stopped",
    "delete_child": "absent",
}
_APPLICATION_CALLS: dict[str, ApplicationState] = {"start": "started", "stop": "stopped"}
# Low-level instructions naming modules: {Op, {Module, ...}} or {Op, [Module | {Module, _}]}.
_MODULE_OPERATIONS = frozenset({"load", "remove", "purge", "soft_purge", "suspend", "resume"})


@dataclass(frozen=True, slots=True)
class RelupScript:
    """One entry of a relup: the instructions that take ``from_vsn`` to ``to_vsn``."""

    direction: Direction
    from_vsn: str
    to_vsn: str
    relup_file: Path
    description: Term
    instructions: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class ChildExpectation:
    """After the script, supervisor ``supervisor``'s child ``child`` is in ``state``.

    ``child`` is the child's id, or with ``elixir_spec`` the Elixir child spec
    (``Module`` or ``{Module, Arg}``) given to ``Supervisor.start_child``, whose id
    only ``Module.child_spec/1`` knows: the node resolves it.
    """

    supervisor: str
    child: Term
    state: ChildState
    elixir_spec: bool = False

    def describe(self) -> str:
        which = "child from spec" if self.elixir_spec else "child"
        return f"{self.supervisor}'s {which} {format_term(self.child)} {self.state}"


@dataclass(frozen=True, slots=True)
class ApplicationExpectation:
    """After the script, ``application`` is ``state`` (running or not)."""

    application: str
    state: ApplicationState

    def describe(self) -> str:
        return f"application {self.application} {self.state}"


Expectation = ChildExpectation | ApplicationExpectation


@dataclass(frozen=True, slots=True)
class ScriptFacts:
    """What a script changes: modules, applications and supervisor children it touches."""

    changed_modules: frozenset[str]
    touched_applications: frozenset[str]
    touched_children: frozenset[tuple[str, Term]]  # (supervisor, child id or its best guess)
    expectations: tuple[Expectation, ...]


def select_script(releases_dir: Path, from_vsn: str, to_vsn: str) -> RelupScript | None:
    """The script ``release_handler`` would run to go from ``from_vsn`` to ``to_vsn``.

    Returns:
        The up entry of ``releases/TO/relup`` for FROM, else the down entry of
        ``releases/FROM/relup`` for TO, else None (no file or no entry).

    Raises:
        InputError: a relup file exists but cannot be read.
    """
    upgrade = _entry(releases_dir / to_vsn / "relup", to_vsn, from_vsn, "upgrade")
    if upgrade is not None:
        return upgrade
    return _entry(releases_dir / from_vsn / "relup", from_vsn, to_vsn, "downgrade")


def _entry(
    relup_file: Path, own_vsn: str, other_vsn: str, direction: Direction
) -> RelupScript | None:
    if not relup_file.is_file():
        return None
    relup = read_first_term_file(relup_file)
    match relup:
        case (version, ErlList() as up_from, ErlList() as down_to) if as_text(version) == own_vsn:
            entries = up_from if direction == "upgrade" else down_to
        case _:
            raise InputError(relup_file, f"not a relup for {own_vsn}: expected {{Vsn, Up, Down}}")
    for entry in entries:
        match entry:
            case (version, description, ErlList() as instructions) if as_text(version) == other_vsn:
                from_vsn, to_vsn = (
                    (other_vsn, own_vsn)
                    if direction == "upgrade"
                    else (
                        own_vsn,
                        other_vsn,
                    )
                )
                return RelupScript(
                    direction, from_vsn, to_vsn, relup_file, description, instructions.items
                )
    return None


def script_facts(instructions: Iterable[Term]) -> ScriptFacts:
    """The modules, applications and children ``instructions`` touch, and the end states."""
    modules: set[str] = set()
    applications: dict[str, ApplicationState] = {}
    children: dict[tuple[str, Term, bool], ChildState] = {}
    for instruction in instructions:
        modules.update(_instruction_modules(instruction))
        match instruction:
            case (Atom("apply"), (Atom(module), Atom(function), ErlList() as arguments)):
                if module in _SUPERVISOR_MODULES:
                    elixir = module == "Elixir.Supervisor"
                    _note_child_call(function, arguments.items, elixir, children)
                elif module in _APPLICATION_MODULES:
                    _note_application_call(function, arguments.items, applications)
    expectations: list[Expectation] = [
        ChildExpectation(supervisor, child, state, elixir_spec)
        for (supervisor, child, elixir_spec), state in children.items()
    ]
    expectations += [ApplicationExpectation(name, state) for name, state in applications.items()]
    touched = frozenset(
        (supervisor, _guessed_id(child) if elixir_spec else child)
        for supervisor, child, elixir_spec in children
    )
    return ScriptFacts(frozenset(modules), frozenset(applications), touched, tuple(expectations))


def _instruction_modules(instruction: Term) -> set[str]:
    match instruction:
        case (Atom("load_object_code"), (_, _, ErlList() as modules)):
            return {item.name for item in modules if isinstance(item, Atom)}
        case (Atom(operation), (Atom(module), *_)) if operation in _MODULE_OPERATIONS:
            return {module}
        case (Atom(operation), ErlList() as modules) if operation in _MODULE_OPERATIONS:
            return {name for item in modules if (name := _module_name(item)) is not None}
        case (Atom("code_change"), ErlList() as modules) | (
            Atom("code_change"),
            _,
            ErlList() as modules,
        ):
            return {name for item in modules if (name := _module_name(item)) is not None}
    return set()


def _module_name(item: Term) -> str | None:
    match item:
        case Atom(name) | (Atom(name), *_):
            return name
    return None


def _note_child_call(
    function: str,
    arguments: tuple[Term, ...],
    elixir: bool,
    children: dict[tuple[str, Term, bool], ChildState],
) -> None:
    state = _CHILD_CALLS.get(function)
    if state is None or len(arguments) != 2 or not isinstance(arguments[0], Atom):
        return  # a supervisor named by pid or {global, _} cannot be checked from here
    child: Term | None = arguments[1]
    elixir_spec = False
    if function == "start_child":
        child, elixir_spec = _child_of_spec(arguments[1], elixir)
    if child is not None:
        children[(arguments[0].name, child, elixir_spec)] = state


def _child_of_spec(spec: Term, elixir: bool) -> tuple[Term | None, bool]:
    """The id a child spec gives its child, or the Elixir spec whose id the node must tell."""
    child_id = child_id_of_spec(spec)
    if child_id is not None or isinstance(spec, ErlMap):
        return child_id, False
    match spec:
        case Atom() | (Atom(), _) if elixir:
            return spec, True
    return None, False  # extra arguments of a simple_one_for_one child: no id to check


def _guessed_id(spec: Term) -> Term:
    # use GenServer / use Supervisor make the module the default id.
    match spec:
        case (Atom() as module, _):
            return module
    return spec


def _note_application_call(
    function: str, arguments: tuple[Term, ...], applications: dict[str, ApplicationState]
) -> None:
    state = _APPLICATION_CALLS.get(function)
    if state is not None and arguments and isinstance(arguments[0], Atom):
        applications[arguments[0].name] = state
