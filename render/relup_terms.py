"""Instructions to Erlang terms: one small function per instruction type.

``to_term`` is the first rendering layer; ``diffing.term_writer.format_term``
owns the text.  Every function gives back the exact term systools would write.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatch

from diffing.terms import Atom, ErlList, Term, erl_list
from upgrade import instructions as ins


def script_to_term(instructions: Iterable[ins.Instruction]) -> ErlList:
    """The Erlang list of a script's instructions."""
    return ErlList(tuple(to_term(instruction) for instruction in instructions))


def _atoms(names: Iterable[str]) -> ErlList:
    return ErlList(tuple(Atom(name) for name in names))


def _timeout(timeout: ins.Timeout) -> Term:
    return timeout if isinstance(timeout, int) else Atom(timeout)


@singledispatch
def to_term(instruction: object) -> Term:
    raise TypeError(f"not an instruction: {instruction!r}")


@to_term.register
def _update(instruction: ins.Update) -> Term:
    change: Term = (
        Atom("soft") if instruction.extra is None else (Atom("advanced"), instruction.extra)
    )
    return (
        Atom("update"),
        Atom(instruction.module),
        Atom(instruction.module_type),
        _timeout(instruction.timeout),
        change,
        Atom(instruction.pre_purge),
        Atom(instruction.post_purge),
        _atoms(instruction.dep_mods),
    )


@to_term.register
def _load_module(instruction: ins.LoadModule) -> Term:
    return (
        Atom("load_module"),
        Atom(instruction.module),
        Atom(instruction.pre_purge),
        Atom(instruction.post_purge),
        _atoms(instruction.dep_mods),
    )


@to_term.register
def _add_module(instruction: ins.AddModule) -> Term:
    return (Atom("add_module"), Atom(instruction.module), _atoms(instruction.dep_mods))


@to_term.register
def _delete_module(instruction: ins.DeleteModule) -> Term:
    return (Atom("delete_module"), Atom(instruction.module), _atoms(instruction.dep_mods))


@to_term.register
def _add_application(instruction: ins.AddApplication) -> Term:
    return (Atom("add_application"), Atom(instruction.application), Atom(instruction.start_type))


@to_term.register
def _remove_application(instruction: ins.RemoveApplication) -> Term:
    return (Atom("remove_application"), Atom(instruction.application))


@to_term.register
def _restart_application(instruction: ins.RestartApplication) -> Term:
    return (Atom("restart_application"), Atom(instruction.application))


@to_term.register
def _legacy_restart(instruction: ins.LegacyRestart) -> Term:
    return Atom(instruction.kind)


@to_term.register
def _load_object_code(instruction: ins.LoadObjectCode) -> Term:
    return (
        Atom("load_object_code"),
        (Atom(instruction.library), instruction.library_vsn, _atoms(instruction.modules)),
    )


@to_term.register
def _point_of_no_return(instruction: ins.PointOfNoReturn) -> Term:
    return Atom("point_of_no_return")


@to_term.register
def _load(instruction: ins.Load) -> Term:
    return (
        Atom("load"),
        (Atom(instruction.module), Atom(instruction.pre_purge), Atom(instruction.post_purge)),
    )


@to_term.register
def _remove(instruction: ins.Remove) -> Term:
    return (
        Atom("remove"),
        (Atom(instruction.module), Atom(instruction.pre_purge), Atom(instruction.post_purge)),
    )


@to_term.register
def _purge(instruction: ins.Purge) -> Term:
    return (Atom("purge"), _atoms(instruction.modules))


@to_term.register
def _suspend(instruction: ins.Suspend) -> Term:
    entries: list[Term] = [
        Atom(entry.module)
        if entry.timeout is None
        else (Atom(entry.module), _timeout(entry.timeout))
        for entry in instruction.entries
    ]
    return (Atom("suspend"), erl_list(*entries))


@to_term.register
def _resume(instruction: ins.Resume) -> Term:
    return (Atom("resume"), _atoms(instruction.modules))


@to_term.register
def _code_change(instruction: ins.CodeChange) -> Term:
    entries = erl_list(*((Atom(module), extra) for module, extra in instruction.entries))
    if instruction.mode is None:
        return (Atom("code_change"), entries)
    return (Atom("code_change"), Atom(instruction.mode), entries)


@to_term.register
def _stop(instruction: ins.Stop) -> Term:
    return (Atom("stop"), _atoms(instruction.modules))


@to_term.register
def _start(instruction: ins.Start) -> Term:
    return (Atom("start"), _atoms(instruction.modules))


@to_term.register
def _sync_nodes(instruction: ins.SyncNodes) -> Term:
    if instruction.node_function is not None:
        module, function, arguments = instruction.node_function
        return (Atom("sync_nodes"), instruction.id, (Atom(module), Atom(function), arguments))
    return (Atom("sync_nodes"), instruction.id, _atoms(instruction.nodes or ()))


@to_term.register
def _apply(instruction: ins.Apply) -> Term:
    return (
        Atom("apply"),
        (Atom(instruction.module), Atom(instruction.function), instruction.arguments),
    )


@to_term.register
def _restart_new_emulator(instruction: ins.RestartNewEmulator) -> Term:
    return Atom("restart_new_emulator")


@to_term.register
def _restart_emulator(instruction: ins.RestartEmulator) -> Term:
    return Atom("restart_emulator")
