"""One block of dependent instructions to low-level code (``translate_dep_to_low``).

Given a block in dependency order (a module before the modules it depends on):

* only ``update`` suspends: suspend in dependency order, resume in reverse;
* upgrade loads in *reverse* dependency order (dependencies first), then runs
  ``code_change up`` for the advanced updates;
* downgrade runs ``code_change down`` for dynamic advanced updates *before*
  loading (the newer code must convert its state while it is still loaded),
  loads in dependency order, then ``code_change down`` for static ones;
* a delete_module lowers to ``remove`` + ``purge``, kept as a pair;
* every ``load`` needs the object code of the first application of the
  target release listing the module, in dependency order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from diffing.release import AppName, ModuleName
from diffing.terms import Atom, Term
from upgrade import instructions as ins
from upgrade.rc_errors import rc_error


def lower_block(
    mode: ins.Mode,
    block: Sequence[ins.DependencyInstruction],
    library_of: Mapping[ModuleName, tuple[AppName, Term]],
) -> tuple[list[ins.LoadObjectCode], list[ins.Instruction]]:
    updates = [i for i in block if isinstance(i, ins.Update)]
    groups = [_load_or_remove(instruction) for instruction in block]
    object_code = [
        _object_code(step.module, library_of)
        for group in groups
        for step in group
        if isinstance(step, ins.Load)
    ]
    suspend: list[ins.Instruction] = []
    resume: list[ins.Instruction] = []
    if updates:
        suspend = [ins.Suspend(tuple(_suspend_entry(update) for update in updates))]
        resume = [ins.Resume(tuple(update.module for update in reversed(updates)))]

    if mode == "up":
        loads = [step for group in reversed(groups) for step in group]
        changes = _code_change("up", updates)
        return object_code, [*suspend, *loads, *changes, *resume]

    loads = [step for group in groups for step in group]
    before_load = _code_change("down", [u for u in updates if u.module_type == "dynamic"])
    after_load = _code_change("down", [u for u in updates if u.module_type == "static"])
    return object_code, [*suspend, *before_load, *loads, *after_load, *resume]


def _suspend_entry(update: ins.Update) -> ins.SuspendEntry:
    if update.timeout == "default":
        return ins.SuspendEntry(update.module)
    return ins.SuspendEntry(update.module, update.timeout)


def _load_or_remove(instruction: ins.DependencyInstruction) -> list[ins.Instruction]:
    if isinstance(instruction, ins.DeleteModule):
        return [ins.Remove(instruction.module), ins.Purge((instruction.module,))]
    return [ins.Load(instruction.module, instruction.pre_purge, instruction.post_purge)]


def _code_change(mode: ins.CodeChangeMode, updates: Sequence[ins.Update]) -> list[ins.Instruction]:
    entries = tuple((update.module, update.extra) for update in updates if update.extra is not None)
    return [ins.CodeChange(mode, entries)] if entries else []


def _object_code(
    module: ModuleName, library_of: Mapping[ModuleName, tuple[AppName, Term]]
) -> ins.LoadObjectCode:
    found = library_of.get(module)
    if found is None:
        raise rc_error("no_such_module", Atom(module))
    library, version = found
    return ins.LoadObjectCode(library, version, (module,))
