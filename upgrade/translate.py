"""High-level appup scripts to one low-level relup script: ``systools_rc:translate_scripts``.

The stages run in OTP's order, so that when a script holds several errors the
one reported is the one systools reports (reference §4.1):

1. expand short forms; 2. split each script at point_of_no_return and merge;
3. syntax check (typed, normalised instructions from here on); 4. split again
and check the hand-written low-level parts (load has object code, suspends are
resumed, stops are started); 5. expand application instructions, add_module
becomes load_module; 6. translate dependency instructions block by block;
7. merge load_object_code per library; 8. place the emulator restarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from diffing.release import Application, AppName, ModuleName
from diffing.terms import Atom, Term, erl_list, erl_string
from upgrade import instructions as ins
from upgrade.lowering import lower_block
from upgrade.order import dependency_blocks, is_dependency_instruction
from upgrade.rc_errors import conflicting_versions, rc_error
from upgrade.syntax import check_syntax, expand_scripts, merge_scripts


def translate_scripts(
    mode: ins.Mode,
    scripts: Sequence[Term],
    applications: Sequence[Application],
    previous_applications: Sequence[Application],
) -> tuple[ins.LowLevelInstruction, ...]:
    """Translate appup scripts into the low-level script of one relup entry.

    Args:
        mode: ``"up"`` or ``"dn"``.
        scripts: one instruction list (an Erlang list term) per source, in order.
        applications: the applications of the release being moved *to*.
        previous_applications: those of the release being moved *from*.

    Returns:
        The low-level instructions, with exactly one point_of_no_return.

    Raises:
        TranslationError: where systools_rc returns an error, with its reason.

    >>> from diffing.terms import Atom, erl_list
    >>> translate_scripts("up", [erl_list()], [], [])
    (PointOfNoReturn(),)
    """
    merged = merge_scripts(expand_scripts(scripts))
    typed = check_syntax(merged)
    before, after = _split_at_point_of_no_return(typed)
    check_script(before, after)
    after = expand_application_instructions(after, applications, previous_applications)
    after = tuple(_add_module_as_load_module(instruction) for instruction in after)
    generated_before, after = translate_dependency_instructions(mode, after, applications)
    before = merge_load_object_code((*before, *generated_before))
    before, after = place_emulator_restarts(mode, before, after)
    return _low_level((*before, ins.POINT_OF_NO_RETURN, *after))


def _low_level(script: tuple[ins.Instruction, ...]) -> tuple[ins.LowLevelInstruction, ...]:
    """The final check: every high-level instruction has been translated away."""
    low_level = [i for i in script if isinstance(i, ins.LOW_LEVEL_TYPES)]
    if len(low_level) != len(script):
        leftover = [i for i in script if not isinstance(i, ins.LOW_LEVEL_TYPES)]
        raise AssertionError(f"untranslated instructions left: {leftover}")
    return tuple(low_level)


def _split_at_point_of_no_return(
    script: tuple[ins.Instruction, ...],
) -> tuple[tuple[ins.Instruction, ...], tuple[ins.Instruction, ...]]:
    # merge_scripts left exactly one point_of_no_return, with only apply and
    # load_object_code before it.
    position = script.index(ins.POINT_OF_NO_RETURN)
    return script[:position], script[position + 1 :]


# -- checks of hand-written low-level instructions ---------------------------------


def check_script(before: Sequence[ins.Instruction], after: Sequence[ins.Instruction]) -> None:
    object_code: set[ModuleName] = set()
    for instruction in before:
        if isinstance(instruction, ins.LoadObjectCode):
            object_code.update(instruction.modules)
    for instruction in after:
        if isinstance(instruction, ins.Load) and instruction.module not in object_code:
            raise rc_error("no_object_code", Atom(instruction.module))

    suspended = [m for i in after if isinstance(i, ins.Suspend) for m in i.modules]
    resumed = [m for i in after if isinstance(i, ins.Resume) for m in i.modules]
    _require_empty("suspended_not_resumed", _difference(suspended, resumed))
    _require_empty("resumed_not_suspended", _difference(resumed, suspended))
    started = [m for i in after if isinstance(i, ins.Start) for m in i.modules]
    stopped = [m for i in after if isinstance(i, ins.Stop) for m in i.modules]
    _require_empty("start_not_stop", _difference(started, stopped))
    _require_empty("stop_not_start", _difference(stopped, started))


def _difference(items: Sequence[ModuleName], removed: Sequence[ModuleName]) -> list[ModuleName]:
    """Keep, in order and with duplicates, the items not in ``removed``."""
    removed_set = set(removed)
    return [item for item in items if item not in removed_set]


def _require_empty(tag: str, modules: list[ModuleName]) -> None:
    if modules:
        raise rc_error(tag, erl_list(*(Atom(module) for module in modules)))


# -- application instructions -------------------------------------------------------


def expand_application_instructions(
    after: Sequence[ins.Instruction],
    applications: Sequence[Application],
    previous_applications: Sequence[Application],
) -> tuple[ins.Instruction, ...]:
    """add/remove/restart_application become module loads, removals and applies."""
    to_apps = _first_by_name(applications)
    from_apps = _first_by_name(previous_applications)
    expanded: list[ins.Instruction] = []
    for instruction in after:
        match instruction:
            case ins.AddApplication(name, start_type):
                target = to_apps.get(name)
                if target is None:
                    raise rc_error("no_such_application", Atom(name))
                expanded.extend(ins.AddModule(module) for module in target.modules)
                expanded.extend(_start_action(name, start_type))
            case ins.RemoveApplication(name):
                if name in to_apps:
                    raise rc_error("removed_application_present", Atom(name))
                source = from_apps.get(name)
                if source is None:
                    raise rc_error("no_such_application", Atom(name))
                expanded.extend(_stop_and_remove(name, source.modules))
                expanded.append(_application_call("unload", name))
            case ins.RestartApplication(name):
                source, target = from_apps.get(name), to_apps.get(name)
                if source is None or target is None:
                    raise rc_error("no_such_application", Atom(name))
                expanded.extend(_stop_and_remove(name, source.modules))
                expanded.extend(ins.AddModule(module) for module in target.modules)
                expanded.extend(_start_action(name, target.start_type))
            case _:
                expanded.append(instruction)
    return tuple(expanded)


def _first_by_name(applications: Iterable[Application]) -> dict[str, Application]:
    first: dict[str, Application] = {}
    for application in applications:
        first.setdefault(application.name, application)
    return first


def _application_call(function: str, name: str, *extra: Term) -> ins.Apply:
    return ins.Apply("application", function, erl_list(Atom(name), *extra))


def _start_action(name: str, start_type: str) -> list[ins.Instruction]:
    if start_type == "none":
        return []
    if start_type == "load":
        return [_application_call("load", name)]
    return [_application_call("start", name, Atom(start_type))]


def _stop_and_remove(name: str, modules: Sequence[ModuleName]) -> list[ins.Instruction]:
    return [
        _application_call("stop", name),
        *(ins.Remove(module) for module in modules),
        ins.Purge(tuple(modules)),
    ]


def _add_module_as_load_module(instruction: ins.Instruction) -> ins.Instruction:
    if isinstance(instruction, ins.AddModule):
        # The purge method does not matter for a module that is new.
        return ins.LoadModule(instruction.module, dep_mods=instruction.dep_mods)
    return instruction


# -- dependency instructions --------------------------------------------------------


def translate_dependency_instructions(
    mode: ins.Mode,
    after: Sequence[ins.Instruction],
    applications: Sequence[Application],
) -> tuple[tuple[ins.LoadObjectCode, ...], tuple[ins.Instruction, ...]]:
    """Replace each block of dependent instructions, where its first member stands."""
    blocks = dependency_blocks(after)
    library_of = _library_of_module(applications)
    before: list[ins.LoadObjectCode] = []
    translated: list[ins.Instruction] = []
    done: set[ModuleName] = set()
    for instruction in after:
        if not is_dependency_instruction(instruction):
            translated.append(instruction)
            continue
        assert isinstance(instruction, ins.Update | ins.LoadModule | ins.DeleteModule)
        module = instruction.module
        if module in done:
            continue
        block = blocks.block_of_module[module]
        done.update(member.module for member in block)
        object_code, low_level = lower_block(mode, block, library_of)
        before.extend(object_code)
        translated.extend(low_level)
    return tuple(before), tuple(translated)


def _library_of_module(
    applications: Sequence[Application],
) -> dict[ModuleName, tuple[AppName, Term]]:
    """Module -> (application, version string) of the first application listing it."""
    library_of: dict[ModuleName, tuple[AppName, Term]] = {}
    for application in applications:
        version = erl_string(application.vsn)
        for module in application.modules:
            library_of.setdefault(module, (application.name, version))
    return library_of


# -- load_object_code merging ---------------------------------------------------------


def merge_load_object_code(before: Sequence[ins.Instruction]) -> tuple[ins.Instruction, ...]:
    """One load_object_code per library, in order of first appearance, then the rest."""
    object_code = [i for i in before if isinstance(i, ins.LoadObjectCode)]
    rest = [i for i in before if not isinstance(i, ins.LoadObjectCode)]
    by_library: dict[AppName, list[ins.LoadObjectCode]] = {}
    for item in object_code:
        by_library.setdefault(item.library, []).append(item)
    merged: list[ins.Instruction] = []
    for library, items in by_library.items():
        first = items[0]
        # systools scans from the end, so the last conflicting item is the one reported.
        for later in reversed(items[1:]):
            if later.library_vsn != first.library_vsn:
                raise conflicting_versions(library, first.library_vsn, later.library_vsn)
        merged.append(ins.LoadObjectCode(library, first.library_vsn, _union_modules(items)))
    return (*merged, *rest)


def _union_modules(items: Sequence[ins.LoadObjectCode]) -> tuple[ModuleName, ...]:
    # Right to left: a module takes the position of its last occurrence, while
    # duplicates inside one item survive unless the module occurs again later.
    accumulated: list[ModuleName] = []
    seen: set[ModuleName] = set()
    for item in reversed(items):
        prefix = [module for module in item.modules if module not in seen]
        accumulated = prefix + accumulated
        seen.update(item.modules)
    return tuple(accumulated)


# -- emulator restarts ----------------------------------------------------------------


def place_emulator_restarts(
    mode: ins.Mode,
    before: Sequence[ins.Instruction],
    after: Sequence[ins.Instruction],
) -> tuple[tuple[ins.Instruction, ...], tuple[ins.Instruction, ...]]:
    """restart_new_emulator first (up) or restart_emulator last (dn); one restart_emulator last."""
    new_before, new_after = list(before), list(after)
    if ins.RESTART_NEW_EMULATOR in new_after:
        new_after = [i for i in new_after if i != ins.RESTART_NEW_EMULATOR]
        if mode == "up":
            new_before.insert(0, ins.RESTART_NEW_EMULATOR)
        else:
            new_after.append(ins.RESTART_EMULATOR)
    if ins.RESTART_EMULATOR in new_after:
        new_after = [i for i in new_after if i != ins.RESTART_EMULATOR]
        new_after.append(ins.RESTART_EMULATOR)
    return tuple(new_before), tuple(new_after)
