"""Which processes survive an upgrade: snapshots of a node and the rule they must obey.

A hot upgrade keeps processes alive: ``update`` suspends, reloads and resumes
them under the same pid.  Only what the script touches may legitimately get a
new pid or go away: processes running a module the script loads or removes,
processes of an application it starts, stops or restarts, and supervisor
children it restarts, terminates or deletes.  Every other process seen before
must be there afterwards with the same pid; one that is not crashed (or was
restarted by its supervisor) during the installation, which OTP does not
report.

A snapshot names processes by something stable across the upgrade: a
registered name, or the path of child ids from an application's top
supervisor.  Children of ``simple_one_for_one`` supervisors have no id and are
left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, ErlMap, Term, as_text
from relup.node_control import NodeControl, NodeError
from relup.relup_script import ScriptFacts

SNAPSHOT_QUERY = """
Fmt = fun(T) -> lists:flatten(io_lib:format("~0tp", [T])) end,
AppOf = fun(P) -> case application:get_application(P) of {ok, A} -> A; undefined -> none end end,
ModsOf = fun(P) -> try proc_lib:translate_initial_call(P) of
                     {supervisor, M, _} -> [supervisor, M];
                     {M, _, _} -> [M]
                 catch _:_ -> [] end end,
Named = [{N, pid_to_list(P), AppOf(P), ModsOf(P)}
         || N <- registered(), P <- [whereis(N)], is_pid(P)],
Walk = fun Walk(App, Path, Sup) ->
    Children = try supervisor:which_children(Sup) catch _:_ -> [] end,
    lists:append([[{App, Path ++ [Fmt(Id)], Fmt(C), Mods} |
                   case {T, is_pid(C)} of {supervisor, true} -> Walk(App, Path ++ [Fmt(Id)], C);
                                          _ -> [] end]
                  || {Id, C, T, Ms} <- Children, Id =/= undefined,
                     Spec <- [case Ms of dynamic -> []; _ -> Ms end],
                     Mods <- [Spec ++ case is_pid(C) of true -> ModsOf(C); false -> [] end]])
       end,
Tops = [{A, Top} || {A, _, _} <- application:which_applications(),
                    Master <- [application_controller:get_master(A)], is_pid(Master),
                    {Top, _} <- [application_master:get_child(Master)], is_pid(Top)],
Supervised = lists:append([[{A, [], pid_to_list(Top), ModsOf(Top)} | Walk(A, [], Top)]
                           || {A, Top} <- Tops]),
#{registered => Named, supervised => Supervised}
"""


@dataclass(frozen=True, slots=True)
class ProcessEntry:
    """A process, named stably (``key``), with its pid text and what it runs."""

    key: str
    pid: str  # "<0.123.0>", or "undefined"/"restarting" for a child without a process
    application: str | None
    modules: frozenset[str]


@dataclass(frozen=True, slots=True)
class ProcessSnapshot:
    processes: tuple[ProcessEntry, ...]

    def by_key(self) -> dict[str, ProcessEntry]:
        return {entry.key: entry for entry in self.processes}


@dataclass(frozen=True, slots=True)
class PidChange:
    """A process that should have kept its pid and did not."""

    key: str
    before: str
    after: str | None  # None: gone

    def describe(self) -> str:
        now = "is gone" if self.after is None else f"is now {self.after}"
        return f"{self.key} was {self.before} and {now}"


def parse_snapshot(term: Term) -> ProcessSnapshot:
    """The value of :data:`SNAPSHOT_QUERY`."""
    if not isinstance(term, ErlMap):
        raise NodeError("the process snapshot is not a map")
    entries = []
    for row in _items(term.get(Atom("registered"))):
        match row:
            case (Atom(name), pid, application, ErlList() as modules):
                entries.append(_entry(f"registered {name}", pid, application, modules))
            case _:
                raise NodeError("unexpected registered process in the snapshot")
    for row in _items(term.get(Atom("supervised"))):
        match row:
            case (Atom() as owner, ErlList() as path, pid, ErlList() as modules):
                ids = "".join(f" / {as_text(item) or '?'}" for item in path)
                key = f"{owner.name} top supervisor{ids}"
                entries.append(_entry(key, pid, owner, modules))
            case _:
                raise NodeError("unexpected supervised process in the snapshot")
    return ProcessSnapshot(tuple(entries))


def _items(term: Term | None) -> tuple[Term, ...]:
    if not isinstance(term, ErlList):
        raise NodeError("the process snapshot lacks a list it should hold")
    return term.items


def _entry(key: str, pid: Term, application: Term, modules: ErlList) -> ProcessEntry:
    app_name = application.name if isinstance(application, Atom) else None
    names = frozenset(item.name for item in modules if isinstance(item, Atom))
    return ProcessEntry(
        key, as_text(pid) or "?", None if app_name == "none" else app_name, names - {"none"}
    )


def take_snapshot(node: NodeControl) -> ProcessSnapshot:
    return parse_snapshot(node.evaluate(SNAPSHOT_QUERY))


def may_change(entry: ProcessEntry, facts: ScriptFacts) -> bool:
    """Whether the script may give ``entry`` a new pid (or end it)."""
    if entry.application is not None and entry.application in facts.touched_applications:
        return True
    if entry.modules & facts.changed_modules:
        return True
    # Keys hold the child ids as the node printed them (~0tp), which is how
    # format_term writes atoms, numbers and strings too.  The supervisor is not
    # compared: a same-named child elsewhere is merely excused, never blamed.
    return any(
        entry.key.endswith(f" / {format_term(child_id)}")
        for _supervisor, child_id in facts.touched_children
    )


def pid_changes(
    before: ProcessSnapshot, after: ProcessSnapshot, facts: ScriptFacts
) -> tuple[int, tuple[PidChange, ...]]:
    """How many processes had to keep their pid, and those that did not."""
    now = after.by_key()
    kept = 0
    changes = []
    for entry in before.processes:
        if not entry.pid.startswith("<") or may_change(entry, facts):
            continue
        kept += 1
        later = now.get(entry.key)
        if later is None or later.pid != entry.pid:
            changes.append(PidChange(entry.key, entry.pid, None if later is None else later.pid))
    return kept, tuple(changes)
