"""Supervisor facts read statically from a callback module's literal table (LitT).

A supervisor's ``init/1`` usually returns literal data, which the compiler
puts in the literal table whole: the flags, and the child specs as maps
(``#{id => ..., start => {M, F, A}, type => ..., modules => [...]}``) or as
6-tuples (``{Id, {M, F, A}, Restart, Shutdown, Type, Modules}``).  The
registered name comes from the literal ``{local, Name}`` passed to
``supervisor:start_link/3`` (Elixir: the ``name:`` option).

What is built at run time (a spec with a variable inside) does not appear
whole; such a supervisor is reported with ``specs_complete=False`` so the
planner can warn instead of guessing.  Defaults follow ``supervisor``: a
map spec without ``type`` is a worker, without ``modules`` uses ``[M]`` of
its start MFA.

Elixir modules also list children in shorthand, ``[Mod, {Mod, Arg}]``, which
Elixir's ``Supervisor`` turns into specs at run time with ``Mod.child_spec/1``.
In an Elixir module (its name starts with ``Elixir.``) a literal list made only
of such items (and map specs) is read as a children list: each shorthand child
gets the conventional id and modules ``Mod``, the defaults ``use GenServer``
and friends give ``child_spec/1``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from diffing.code_facts import ChildSpec, SupervisorFacts
from diffing.release import ModuleName
from diffing.terms import Atom, ErlList, ErlMap, Term

_RESTARTS = (Atom("permanent"), Atom("transient"), Atom("temporary"))
_CONTAINERS = (tuple, ErlList, ErlMap)
_ID, _START, _TYPE, _MODULES = Atom("id"), Atom("start"), Atom("type"), Atom("modules")
_ELIXIR_PREFIX = "Elixir."
_TYPES = {Atom("worker"): "worker", Atom("supervisor"): "supervisor"}


def supervisor_facts(literals: Sequence[Term], module: str = "") -> SupervisorFacts:
    """The facts of supervisor ``module`` from its literal table.

    A ``{local, Name}`` naming the module itself is taken as its registered
    name (the usual ``start_link({local, ?MODULE}, ...)``); otherwise the first
    one met, which may belong to a child's start arguments.
    """
    specs: dict[Term, ChildSpec] = {}
    registered: str | None = None
    elixir = module.startswith(_ELIXIR_PREFIX)
    for term in _walk(literals):
        spec = _child_spec(term)
        if spec is not None:
            specs.setdefault(spec.id, spec)
            continue
        if elixir and isinstance(term, ErlList):
            for shorthand in _elixir_children(term):
                specs.setdefault(shorthand.id, shorthand)
        name = _registered_name(term)
        if name is not None and (registered is None or name == module):
            registered = name
    complete = bool(specs) or _returns_no_children(literals)
    return SupervisorFacts(registered, tuple(specs.values()), complete)


def child_id_of_spec(spec: Term) -> Term | None:
    """The id an Erlang child spec (a map, or the old six-tuple) gives its child, else None.

    >>> child_id_of_spec(ErlMap(((Atom("id"), Atom("cart")), (Atom("start"), ()))))
    Atom('cart')
    """
    if isinstance(spec, ErlMap):
        return spec.get(_ID)
    if isinstance(spec, tuple) and len(spec) == 6:
        return spec[0]
    return None


def shorthand_module(item: Term) -> ModuleName | None:
    """The module of an Elixir shorthand child (``Mod`` or ``{Mod, Arg}``), else None.

    Its default child id is the module itself (``use GenServer``, ``use Supervisor``).
    """
    if isinstance(item, tuple) and len(item) == 2:
        item = item[0]
    if isinstance(item, Atom) and item.name.startswith(_ELIXIR_PREFIX):
        return ModuleName(item.name)
    return None


def _walk(literals: Sequence[Term]) -> Iterator[Term]:
    """Every tuple, list and map in ``literals``, depth first: specs, children lists and
    registered names are made of those, so the scalars are not visited."""
    stack: list[Term] = [term for term in reversed(literals) if isinstance(term, _CONTAINERS)]
    while stack:
        term = stack.pop()
        yield term
        if isinstance(term, tuple):
            inside: Sequence[Term] = term
        elif isinstance(term, ErlList):
            inside = term.items
        else:
            assert isinstance(term, ErlMap)
            inside = [part for entry in term.entries for part in entry]
        stack.extend([part for part in reversed(inside) if isinstance(part, _CONTAINERS)])


def _child_spec(term: Term) -> ChildSpec | None:
    if isinstance(term, ErlMap):
        return _map_spec(term)
    if isinstance(term, tuple) and len(term) == 6 and term[2] in _RESTARTS:
        child_id, start, _, _, child_type, modules = term
        start_module = _start_module(start)
        return ChildSpec(
            id=child_id,
            start_module=start_module,
            type=_type(child_type),  # type: ignore[arg-type]
            modules=_modules(modules),
            literal=start_module is not None,
            term=term,
        )
    return None


def _map_spec(term: ErlMap) -> ChildSpec | None:
    child_id, start = term.get(_ID), term.get(_START)
    if child_id is None or start is None:
        return None
    start_module = _start_module(start)
    child_type = term.get(_TYPE)
    modules_term = term.get(_MODULES)
    modules = _modules(modules_term) if modules_term is not None else None
    if modules is None and modules_term is None and start_module is not None:
        modules = (start_module,)
    return ChildSpec(
        id=child_id,
        start_module=start_module,
        type="worker" if child_type is None else _type(child_type),  # type: ignore[arg-type]
        modules=modules,
        literal=start_module is not None and (modules_term is None or modules is not None),
        term=term,
    )


def _elixir_children(term: ErlList) -> list[ChildSpec]:
    """The shorthand children of a literal Elixir children list; none if it is not one."""
    if term.tail is not None or not term.items:
        return []
    children = []
    for item in term.items:
        module = shorthand_module(item)
        if module is None:
            if not (isinstance(item, ErlMap) and _map_spec(item) is not None):
                return []
            continue
        children.append(
            ChildSpec(
                id=Atom(module),
                start_module=module,
                type=None,  # child_spec/1 decides (use Supervisor sets supervisor)
                modules=(module,),
                literal=True,
                term=item,
                elixir_shorthand=True,
            )
        )
    return children


def _start_module(start: Term) -> ModuleName | None:
    if isinstance(start, tuple) and len(start) == 3 and isinstance(start[0], Atom):
        return ModuleName(start[0].name)
    return None


def _type(term: Term) -> str | None:
    return _TYPES.get(term) if isinstance(term, Atom) else None


def _modules(term: Term) -> tuple[ModuleName, ...] | Literal["dynamic"] | None:
    if term == Atom("dynamic"):
        return "dynamic"
    if isinstance(term, ErlList) and term.tail is None:
        names = [item.name for item in term.items if isinstance(item, Atom)]
        if len(names) == len(term.items):
            return tuple(ModuleName(name) for name in names)
    return None


def _registered_name(term: Term) -> str | None:
    if (
        isinstance(term, tuple)
        and len(term) == 2
        and term[0] in (Atom("local"), Atom("name"))
        and isinstance(term[1], Atom)
    ):
        return term[1].name
    return None


def _returns_no_children(literals: Sequence[Term]) -> bool:
    # {ok, {Flags, []}}: a supervisor that starts no children is complete too.
    for term in literals:
        if (
            isinstance(term, tuple)
            and len(term) == 2
            and term[0] == Atom("ok")
            and isinstance(term[1], tuple)
            and len(term[1]) == 2
            and term[1][1] == ErlList()
        ):
            return True
    return False
