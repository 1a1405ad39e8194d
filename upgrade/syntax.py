"""From appup terms to typed instructions: expansion, merging and the syntax check.

These are the first three stages of ``systools_rc:translate_scripts``, kept on
Erlang terms because the errors they report quote the offending term exactly
as systools does:

1. ``expand_script``: short forms become long forms; a nested list is spliced
   one level deep (its elements are *not* expanded).
2. ``merge_scripts``: each script is split at its point_of_no_return, the
   "before" parts are concatenated, then one point_of_no_return, then the
   "after" parts; load_object_code found after the point moves before it.
3. ``check_syntax``: every instruction, in order, is checked field by field;
   the first bad one raises.  The result is typed and already normalised
   (6- and 7-tuple updates become the 8-tuple, ``add_module``/``delete_module``
   get their empty DepMods).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from diffing.release import AppName, ModuleName
from diffing.terms import Atom, ErlList, Term
from upgrade import instructions as ins
from upgrade.rc_errors import crash, rc_error

SOFT = Atom("soft")
BRUTAL = Atom("brutal_purge")
PONR = Atom("point_of_no_return")
_EMPTY = ErlList()
_T = TypeVar("_T")


def expand_scripts(scripts: Sequence[Term]) -> tuple[tuple[Term, ...], ...]:
    return tuple(expand_script(script) for script in scripts)


def expand_script(script: Term) -> tuple[Term, ...]:
    """Expand the short forms of one script (``systools_rc:expand_script``)."""
    if not isinstance(script, ErlList) or script.tail is not None:
        raise crash("systools_rc", "an instruction list must be a proper list")
    expanded: list[Term] = []
    for instruction in script.items:
        long_form = _expand(instruction)
        if isinstance(long_form, ErlList):
            if long_form.tail is not None:
                raise crash("systools_rc", "a nested instruction list must be a proper list")
            expanded.extend(long_form.items)
        else:
            expanded.append(long_form)
    return tuple(expanded)


def _is_list(term: Term) -> bool:
    return isinstance(term, ErlList)


def _expand(instruction: Term) -> Term:
    match instruction:
        case (Atom("load_module"), module):
            return (Atom("load_module"), module, BRUTAL, BRUTAL, _EMPTY)
        case (Atom("load_module"), module, dep_mods) if _is_list(dep_mods):
            return (Atom("load_module"), module, BRUTAL, BRUTAL, dep_mods)
        case (Atom("update"), module):
            return (Atom("update"), module, SOFT, BRUTAL, BRUTAL, _EMPTY)
        case (Atom("update"), module, Atom("supervisor")):
            advanced = (Atom("advanced"), _EMPTY)
            return (
                Atom("update"), module, Atom("static"), Atom("default"), advanced,
                BRUTAL, BRUTAL, _EMPTY,
            )  # fmt: skip
        case (Atom("update"), module, change) if isinstance(change, tuple) or change == SOFT:
            return (Atom("update"), module, change, BRUTAL, BRUTAL, _EMPTY)
        case (Atom("update"), module, dep_mods) if _is_list(dep_mods):
            return (Atom("update"), module, SOFT, BRUTAL, BRUTAL, dep_mods)
        case (Atom("update"), module, change, dep_mods) if (
            isinstance(change, tuple) or change == SOFT
        ) and _is_list(dep_mods):
            return (Atom("update"), module, change, BRUTAL, BRUTAL, dep_mods)
        case (Atom("add_application"), application):
            return (Atom("add_application"), application, Atom("permanent"))
    return instruction


def merge_scripts(scripts: Sequence[tuple[Term, ...]]) -> tuple[Term, ...]:
    """All "before" parts, then one point_of_no_return, then all "after" parts."""
    before: list[Term] = []
    after: list[Term] = []
    for script in scripts:
        script_before, script_after = _split_terms(script)
        before.extend(script_before)
        after.extend(script_after)
    return (*before, PONR, *after)


def _split_terms(script: tuple[Term, ...]) -> tuple[list[Term], list[Term]]:
    if PONR in script:
        position = script.index(PONR)
        before, after = list(script[:position]), list(script[position + 1 :])
        if PONR in after:
            raise rc_error("too_many_point_of_no_return")
    else:
        before, after = [], list(script)
    for instruction in before:
        if not _tagged_pair(instruction, "load_object_code", "apply"):
            raise rc_error("bad_op_before_point_of_no_return", instruction)
    moved = [term for term in after if _tagged_pair(term, "load_object_code")]
    rest = [term for term in after if not _tagged_pair(term, "load_object_code")]
    return before + moved, rest


def _tagged_pair(term: Term, *tags: str) -> bool:
    return (
        isinstance(term, tuple)
        and len(term) == 2
        and isinstance(term[0], Atom)
        and term[0].name in tags
    )


# -- syntax check ------------------------------------------------------------------


def check_syntax(script: Sequence[Term]) -> tuple[ins.Instruction, ...]:
    """Check every instruction in order and return them typed and normalised."""
    return tuple(check_instruction(instruction) for instruction in script)


def check_instruction(term: Term) -> ins.Instruction:
    if isinstance(term, Atom):
        return _check_atom_instruction(term)
    if isinstance(term, tuple) and term and isinstance(term[0], Atom):
        checker = _TUPLE_CHECKERS.get((term[0].name, len(term)))
        if checker is not None:
            return checker(term)
    raise rc_error("bad_instruction", term)


def _check_atom_instruction(term: Atom) -> ins.Instruction:
    match term.name:
        case "mnesia_backup":
            raise rc_error("not_yet_implemented", term)
        case "restart" | "reboot":
            return ins.LegacyRestart(term.name)
        case "point_of_no_return":
            return ins.POINT_OF_NO_RETURN
        case "restart_new_emulator":
            return ins.RESTART_NEW_EMULATOR
        case "restart_emulator":
            return ins.RESTART_EMULATOR
    raise rc_error("bad_instruction", term)


def _update6(term: tuple[Term, ...]) -> ins.Instruction:
    _, module, change, pre, post, dep_mods = term
    name = _module(module)
    extra = _change(change)
    return ins.Update(
        name, "dynamic", "default", extra, _purge(pre), _purge(post), _modules(dep_mods)
    )


def _update7(term: tuple[Term, ...]) -> ins.Instruction:
    _, module, timeout, change, pre, post, dep_mods = term
    name = _module(module)
    checked_timeout = _timeout(timeout)
    extra = _change(change)
    return ins.Update(
        name, "dynamic", checked_timeout, extra, _purge(pre), _purge(post), _modules(dep_mods)
    )


def _update8(term: tuple[Term, ...]) -> ins.Instruction:
    _, module, module_type, timeout, change, pre, post, dep_mods = term
    name = _module(module)
    checked_type: ins.ModuleType
    if module_type == Atom("static"):
        checked_type = "static"
    elif module_type == Atom("dynamic"):
        checked_type = "dynamic"
    else:
        raise rc_error("bad_mod_type", module_type)
    checked_timeout = _timeout(timeout)
    extra = _change(change)
    return ins.Update(
        name,
        checked_type,
        checked_timeout,
        extra,
        _purge(pre),
        _purge(post),
        _modules(dep_mods),
    )


def _load_module(term: tuple[Term, ...]) -> ins.Instruction:
    _, module, pre, post, dep_mods = term
    name = _module(module)
    return ins.LoadModule(name, _purge(pre), _purge(post), _modules(dep_mods))


def _add_module(term: tuple[Term, ...]) -> ins.Instruction:
    name = _module(term[1])
    return ins.AddModule(name, _modules(term[2]) if len(term) == 3 else ())


def _delete_module(term: tuple[Term, ...]) -> ins.Instruction:
    name = _module(term[1])
    return ins.DeleteModule(name, _modules(term[2]) if len(term) == 3 else ())


def _add_application(term: tuple[Term, ...]) -> ins.Instruction:
    _, application, start_type = term
    name = _application(application)
    if not isinstance(start_type, Atom) or start_type.name not in (
        "none", "load", "temporary", "transient", "permanent",
    ):  # fmt: skip
        raise rc_error("bad_start_type", start_type)
    return ins.AddApplication(name, start_type.name)  # type: ignore[arg-type]


def _remove_application(term: tuple[Term, ...]) -> ins.Instruction:
    return ins.RemoveApplication(_application(term[1]))


def _restart_application(term: tuple[Term, ...]) -> ins.Instruction:
    return ins.RestartApplication(_application(term[1]))


def _load_object_code(term: tuple[Term, ...]) -> ins.Instruction:
    match term[1]:
        case (library, library_vsn, modules):
            if not isinstance(library, Atom):
                raise rc_error("bad_lib", library)
            if not isinstance(library_vsn, ErlList):
                raise rc_error("bad_lib_vsn", library_vsn)
            return ins.LoadObjectCode(AppName(library.name), library_vsn, _modules(modules))
    raise rc_error("bad_instruction", term)


def _load_or_remove(term: tuple[Term, ...]) -> ins.Instruction:
    match term[1]:
        case (module, pre, post):
            name = _module(module)
            pre_purge, post_purge = _purge(pre), _purge(post)
            if term[0] == Atom("load"):
                return ins.Load(name, pre_purge, post_purge)
            return ins.Remove(name, pre_purge, post_purge)
    raise rc_error("bad_instruction", term)


def _module_list_instruction(term: tuple[Term, ...]) -> ins.Instruction:
    modules = _modules(term[1])
    constructors: dict[str, Callable[[tuple[ModuleName, ...]], ins.Instruction]] = {
        "purge": ins.Purge,
        "resume": ins.Resume,
        "stop": ins.Stop,
        "start": ins.Start,
    }
    return constructors[term[0].name](modules)  # type: ignore[union-attr]


def _suspend(term: tuple[Term, ...]) -> ins.Instruction:
    def entry(item: Term) -> ins.SuspendEntry:
        if isinstance(item, tuple) and len(item) == 2:
            name = _module(item[0])
            return ins.SuspendEntry(name, _timeout(item[1]))
        return ins.SuspendEntry(_module(item))

    return ins.Suspend(tuple(_each(_list(term[1]), entry)))


def _code_change(term: tuple[Term, ...]) -> ins.Instruction:
    entries_term = term[-1]
    if not isinstance(entries_term, ErlList):
        raise rc_error("bad_list", entries_term)
    mode: ins.CodeChangeMode | None = None
    if len(term) == 3:
        if term[1] == Atom("up"):
            mode = "up"
        elif term[1] == Atom("down"):
            mode = "down"
        else:
            raise rc_error("bad_mode", term[1])

    def entry(item: Term) -> tuple[ModuleName, Term]:
        if isinstance(item, tuple) and len(item) == 2:
            return (_module(item[0]), item[1])
        raise rc_error("bad_code_change", item)

    return ins.CodeChange(mode, tuple(_each(entries_term, entry)))


def _sync_nodes(term: tuple[Term, ...]) -> ins.Instruction:
    _, identifier, nodes = term
    if isinstance(nodes, tuple) and len(nodes) == 3:
        module, function, arguments = nodes
        name = _module(module)
        node_function = (name, _function(function), _args(arguments))
        return ins.SyncNodes(identifier, node_function=node_function)

    def node(item: Term) -> str:
        if not isinstance(item, Atom):
            raise rc_error("bad_node", item)
        return item.name

    return ins.SyncNodes(identifier, nodes=tuple(_each(_list(nodes), node)))


def _apply(term: tuple[Term, ...]) -> ins.Instruction:
    match term[1]:
        case (module, function, arguments):
            name = _module(module)
            return ins.Apply(name, _function(function), _args(arguments))
    raise rc_error("bad_instruction", term)


_TUPLE_CHECKERS: dict[tuple[str, int], Callable[[tuple[Term, ...]], ins.Instruction]] = {
    ("update", 6): _update6,
    ("update", 7): _update7,
    ("update", 8): _update8,
    ("load_module", 5): _load_module,
    ("add_module", 2): _add_module,
    ("add_module", 3): _add_module,
    ("delete_module", 2): _delete_module,
    ("delete_module", 3): _delete_module,
    ("remove_application", 2): _remove_application,
    ("add_application", 3): _add_application,
    ("restart_application", 2): _restart_application,
    ("load_object_code", 2): _load_object_code,
    ("load", 2): _load_or_remove,
    ("remove", 2): _load_or_remove,
    ("purge", 2): _module_list_instruction,
    ("suspend", 2): _suspend,
    ("resume", 2): _module_list_instruction,
    ("code_change", 2): _code_change,
    ("code_change", 3): _code_change,
    ("stop", 2): _module_list_instruction,
    ("start", 2): _module_list_instruction,
    ("sync_nodes", 3): _sync_nodes,
    ("apply", 2): _apply,
}


# -- field checks (systools_rc's check_* helpers) -----------------------------------


def _module(term: Term) -> ModuleName:
    if not isinstance(term, Atom):
        raise rc_error("bad_module", term)
    return ModuleName(term.name)


def _function(term: Term) -> str:
    if not isinstance(term, Atom):
        raise rc_error("bad_func", term)
    return term.name


def _application(term: Term) -> AppName:
    if not isinstance(term, Atom):
        raise rc_error("bad_application", term)
    return AppName(term.name)


def _args(term: Term) -> Term:
    if not isinstance(term, ErlList):
        raise rc_error("bad_args_list", term)
    return term


def _list(term: Term) -> ErlList:
    if not isinstance(term, ErlList):
        raise rc_error("bad_list", term)
    return term


def _modules(term: Term) -> tuple[ModuleName, ...]:
    return tuple(_each(_list(term), _module))


def _each(items: ErlList, check: Callable[[Term], _T]) -> list[_T]:
    """Check every element in order; an improper tail crashes systools' lists:foreach."""
    checked = [check(item) for item in items.items]
    if items.tail is not None:
        raise crash("systools_rc", "an instruction holds an improper list")
    return checked


def _change(term: Term) -> Term | None:
    if term == SOFT:
        return None
    if isinstance(term, tuple) and len(term) == 2 and term[0] == Atom("advanced"):
        return term[1]
    raise rc_error("bad_change", term)


def _purge(term: Term) -> ins.PurgeMethod:
    if term == Atom("soft_purge"):
        return "soft_purge"
    if term == BRUTAL:
        return "brutal_purge"
    raise rc_error("bad_purge_method", term)


def _timeout(term: Term) -> ins.Timeout:
    if term == Atom("default"):
        return "default"
    if term == Atom("infinity"):
        return "infinity"
    if type(term) is int and term > 0:
        return term
    raise rc_error("bad_timeout", term)
