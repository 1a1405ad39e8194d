"""What relup asks a running node, and the values the answers become.

Each query is one Erlang expression evaluated through :mod:`relup.node_control`
whose value is a literal term (pids become strings on the node); each
``parse_*`` function turns that term into a frozen dataclass and is pure, so
the parsing is tested without a node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, ErlMap, Term, as_text
from relup.node_control import NodeControl, NodeError
from relup.relup_script import ChildExpectation

RELEASES_QUERY = """
#{root => code:root_dir(),
  releases_dir => case application:get_env(sasl, releases_dir) of
                      {ok, Dir} -> Dir;
                      undefined -> case os:getenv("RELDIR") of
                                       false -> filename:join(code:root_dir(), "releases");
                                       Dir -> Dir
                                   end
                  end,
  handler => is_pid(whereis(release_handler)),
  releases => case whereis(release_handler) of
                  undefined -> [];
                  _ -> [{V, S, A} || {_, V, A, S} <- release_handler:which_releases()]
              end}
"""

LOADED_MODULES_QUERY = """
[{M, code:which(M),
  try lists:flatten([io_lib:format("~2.16.0b", [B]) || <<B>> <= erlang:get_module_info(M, md5)])
  catch _:_ -> none end}
 || {M, _} <- code:all_loaded()]
"""

APPLICATIONS_QUERY = "lists:sort([A || {A, _, _} <- application:which_applications()])"


@dataclass(frozen=True, slots=True)
class ReleaseEntry:
    """One row of ``release_handler:which_releases()``."""

    vsn: str
    status: str  # permanent, current, old or unpacked
    applications: tuple[str, ...]  # "APP-VSN"


@dataclass(frozen=True, slots=True)
class NodeReleases:
    """Where the node runs from and what its release handler knows."""

    root: Path
    releases_dir: Path
    handler_running: bool
    entries: tuple[ReleaseEntry, ...]

    @property
    def running(self) -> ReleaseEntry | None:
        """The release the node runs: the ``current`` one, else the ``permanent`` one."""
        return self.entry_with_status("current") or self.entry_with_status("permanent")

    def entry_with_status(self, status: str) -> ReleaseEntry | None:
        return next((entry for entry in self.entries if entry.status == status), None)

    def entry(self, vsn: str) -> ReleaseEntry | None:
        return next((entry for entry in self.entries if entry.vsn == vsn), None)

    def describe(self) -> str:
        return ", ".join(f"{entry.vsn} ({entry.status})" for entry in self.entries) or "none"


@dataclass(frozen=True, slots=True)
class LoadedModule:
    """A module loaded on the node: where from (``code:which``) and its MD5 (hex)."""

    name: str
    path: str | None  # None: preloaded, cover-compiled or loaded from a binary
    md5: str | None


def parse_node_releases(term: Term) -> NodeReleases:
    """The value of :data:`RELEASES_QUERY`."""
    fields = _map_fields(term, ("root", "releases_dir", "handler", "releases"))
    entries = []
    for row in _list_items(fields["releases"]):
        match row:
            case (vsn, Atom(status), ErlList() as applications):
                names = tuple(_text(application) for application in applications)
                entries.append(ReleaseEntry(_text(vsn), status, names))
            case _:
                raise _unexpected("a release", row)
    return NodeReleases(
        root=Path(_text(fields["root"])),
        releases_dir=Path(_text(fields["releases_dir"])),
        handler_running=fields["handler"] == Atom("true"),
        entries=tuple(entries),
    )


def parse_loaded_modules(term: Term) -> tuple[LoadedModule, ...]:
    """The value of :data:`LOADED_MODULES_QUERY`."""
    modules = []
    for row in _list_items(term):
        match row:
            case (Atom(name), where, md5):
                modules.append(LoadedModule(name, as_text(where), as_text(md5)))
            case _:
                raise _unexpected("a loaded module", row)
    return tuple(modules)


def parse_atoms(term: Term) -> tuple[str, ...]:
    return tuple(item.name if isinstance(item, Atom) else _text(item) for item in _list_items(term))


def child_states_query(expectations: Sequence[ChildExpectation]) -> str:
    """For each expectation, ``{Id, State}``: its child's id and what the supervisor says.

    State is ``running``, ``restarting``, ``stopped`` (no process), ``absent`` (no
    such child) or ``not_running`` (the supervisor is not there); an Elixir
    spec's id is resolved with ``Supervisor.child_spec/2`` (``unresolved`` if
    that fails).
    """
    rows = ", ".join(
        f"{{{format_term(Atom(expectation.supervisor))}, {_id_expression(expectation)}}}"
        for expectation in expectations
    )
    return (
        "State = fun(Sup, Id) -> try lists:keyfind(Id, 1, supervisor:which_children(Sup)) of "
        "false -> absent; {_, C, _, _} when is_pid(C) -> running; "
        "{_, restarting, _, _} -> restarting; _ -> stopped "
        "catch _:_ -> not_running end end, "
        f"[{{Id, State(Sup, Id)}} || {{Sup, Id}} <- [{rows}]]"
    )


def _id_expression(expectation: ChildExpectation) -> str:
    if not expectation.elixir_spec:
        return format_term(expectation.child)
    spec = format_term(expectation.child)
    return (
        f"try maps:get(id, 'Elixir.Supervisor':child_spec({spec}, [])) catch _:_ -> unresolved end"
    )


def parse_child_states(term: Term, count: int) -> tuple[tuple[Term, str], ...]:
    """The value of :func:`child_states_query` for ``count`` expectations."""
    rows = _list_items(term)
    if len(rows) != count:
        raise _unexpected(f"{count} children", term)
    states = []
    for row in rows:
        match row:
            case (child_id, Atom(state)):
                states.append((child_id, state))
            case _:
                raise _unexpected("a child and its state", row)
    return tuple(states)


def _map_fields(term: Term, names: tuple[str, ...]) -> dict[str, Term]:
    if not isinstance(term, ErlMap):
        raise _unexpected("a map", term)
    fields = {}
    for name in names:
        value = term.get(Atom(name))
        if value is None:
            raise _unexpected(f"a map with {name}", term)
        fields[name] = value
    return fields


def _list_items(term: Term) -> tuple[Term, ...]:
    if not isinstance(term, ErlList):
        raise _unexpected("a list", term)
    return term.items


def _text(term: Term) -> str:
    text = as_text(term)
    if text is None:
        raise _unexpected("a string", term)
    return text


def _unexpected(what: str, term: Term) -> NodeError:
    return NodeError(f"the node answered {format_term(term)[:200]}, expected {what}")


def read_node_releases(node: NodeControl) -> NodeReleases:
    return parse_node_releases(node.evaluate(RELEASES_QUERY))


def read_loaded_modules(node: NodeControl) -> tuple[LoadedModule, ...]:
    return parse_loaded_modules(node.evaluate(LOADED_MODULES_QUERY))


def read_applications(node: NodeControl) -> tuple[str, ...]:
    return parse_atoms(node.evaluate(APPLICATIONS_QUERY))


def read_child_states(
    node: NodeControl, expectations: Sequence[ChildExpectation]
) -> tuple[tuple[Term, str], ...]:
    return parse_child_states(node.evaluate(child_states_query(expectations)), len(expectations))
