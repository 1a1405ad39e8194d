"""Load a mix release's changed consolidated protocols, up and down, from the relup.

Why a release-wide step: ``mix release`` writes the consolidated protocols to
``releases/VSN/consolidated/``, outside every application, and its boot script
puts that directory first on the code path.  ``load_object_code`` only reads
``lib/APP-VSN/ebin``, and at ``point_of_no_return`` release_handler replaces
the code path entries of applications only, so without help the node keeps
the old dispatch tables (a new ``defimpl`` is never found) and the old
``consolidated`` entry on its code path.

What the relup does, in each direction (TARGET is the ``releases/VSN`` of the
release being installed, OTHER the one running):

* just before ``point_of_no_return``, a check: the running node has a
  ``consolidated`` entry on its code path, and TARGET's ``consolidated/``
  directory holds every beam to load.  It changes nothing, so a failure makes
  ``check_install_release``/``install_release`` fail with the node untouched;
* then (last in the upgrade, first in the downgrade, right after
  ``point_of_no_return``): the code path entry ``consolidated`` is replaced by
  TARGET's directory, each changed or added protocol is purged and loaded
  from it, each protocol gone from TARGET is purged and deleted.

The directory is found at run time next to the ``consolidated`` entry the
boot script put on the code path (``ROOT/lib/../releases/VSN/consolidated``),
so the relup holds no absolute path.  An ``apply`` can only call a function
with literal arguments, so both steps are ``Elixir.Code:eval_string/1`` of a
short program (Elixir is part of every mix release); a failure raises, which
before ``point_of_no_return`` cancels the install and after it makes
release_handler restart the node into the permanent release.

Why that order: upgrading, the applications' new ``defimpl`` modules are
loaded first, so the new dispatch table never names a module that is not
there; downgrading, the old table comes back before the implementations added
by NEW are deleted.  The consolidated protocols of the two releases are
compared by ``beam_lib:md5``; when no protocol changed, only the code path
entry moves (as release_handler moves every upgraded application's entry).
"""

from __future__ import annotations

from collections.abc import Sequence

from diffing.changes import ChangeKind, ConsolidationDiff, ModuleChange
from diffing.terms import erl_list
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, ProtocolModules, ProtocolPlan, Reason
from upgrade.relup_builder import Relup, RelupEntry

CONSOLIDATED = "consolidated"
_FIND_ENTRY = (
    f'dir = Enum.find(:code.get_path(), &(:filename.basename(&1) == ~c"{CONSOLIDATED}"))',
    'dir || raise "relup: no consolidated protocols directory on the code path"',
)


def plan_protocols(consolidation: ConsolidationDiff | None) -> ProtocolPlan | None:
    """The steps that load the consolidated protocols, or None for a release without them.

    >>> plan_protocols(None) is None
    True
    """
    if consolidation is None:
        return None
    changes = consolidation.modules
    new_vsn = _version_of(consolidation.new_directory)
    old_vsn = _version_of(consolidation.old_directory)
    up = _modules(changes, arriving="added", leaving="removed")
    down = _modules(changes, arriving="removed", leaving="added")
    return ProtocolPlan(
        old_directory=consolidation.old_directory,
        new_directory=consolidation.new_directory,
        up_check=(_check(consolidation.new_directory, new_vsn, up.loads),),
        up=(_switch(consolidation.new_directory, new_vsn, up, changes),),
        down_check=(_check(consolidation.old_directory, old_vsn, down.loads),),
        down=(_switch(consolidation.old_directory, old_vsn, down, changes),),
        up_modules=up,
        down_modules=down,
    )


def _modules(
    changes: Sequence[ModuleChange], arriving: ChangeKind, leaving: ChangeKind
) -> ProtocolModules:
    """What one direction loads and deletes; a ``-vsn``-only change loads nothing."""
    return ProtocolModules(
        loads=tuple(c.module for c in changes if c.kind != leaving and not c.vsn_only),
        adds=tuple(c.module for c in changes if c.kind == arriving and not c.vsn_only),
        deletes=tuple(c.module for c in changes if c.kind == leaving),
    )


def with_protocol_steps(relup: Relup, plan: ProtocolPlan) -> Relup:
    """``relup`` with the plan's checks and steps placed in every script.

    Upgrade scripts: checks just before ``point_of_no_return``, steps at the
    end (before a final ``restart_emulator``).  Downgrade scripts: checks just
    before ``point_of_no_return``, steps right after it.  A script without
    ``point_of_no_return`` gets one after the checks.
    """
    up_check, up = _instructions(plan.up_check), _instructions(plan.up)
    down_check, down = _instructions(plan.down_check), _instructions(plan.down)
    return Relup(
        relup.vsn,
        tuple(_placed(entry, up_check, up, at_end=True) for entry in relup.up),
        tuple(_placed(entry, down_check, down, at_end=False) for entry in relup.down),
        relup.warnings,
    )


def _instructions(steps: Sequence[PlannedInstruction]) -> list[ins.LowLevelInstruction]:
    instructions: list[ins.LowLevelInstruction] = []
    for step in steps:
        assert isinstance(step.instruction, ins.Apply)
        instructions.append(step.instruction)
    return instructions


def _placed(
    entry: RelupEntry,
    checks: list[ins.LowLevelInstruction],
    steps: list[ins.LowLevelInstruction],
    at_end: bool,
) -> RelupEntry:
    script = list(entry.instructions)
    point = next((i for i, s in enumerate(script) if isinstance(s, ins.PointOfNoReturn)), None)
    if point is None:
        script[0:0] = [*checks, ins.PointOfNoReturn()]
        point = len(checks)
    else:
        script[point:point] = checks
        point += len(checks)
    if at_end:
        end = len(script)
        if script and isinstance(script[-1], ins.RestartEmulator):
            end -= 1
        script[end:end] = steps
    else:
        script[point + 1 : point + 1] = steps
    return RelupEntry(entry.vsn, entry.description, tuple(script))


def _version_of(directory: str) -> str:
    return directory.rstrip("/").split("/")[-2]


def _check(directory: str, vsn: str, loads: Sequence[str]) -> PlannedInstruction:
    lines = [*_FIND_ENTRY, _target(vsn), 'File.dir?(target) || raise "relup: #{target} is missing"']
    if loads:
        lines += [
            f"for m <- [{_atoms(loads)}] do",
            '  beam = :filename.join(target, ~c"#{m}.beam")',
            '  File.regular?(beam) || raise "relup: #{beam} is missing"',
            "end",
        ]
    program = "\n".join(lines)
    text = (
        f"before point_of_no_return: check that the node runs a mix release and that {directory} "
        f"holds the {_count(loads)} to load (changes nothing; a failure stops the install)"
    )
    return PlannedInstruction(_eval(program), Reason("consolidated-protocols-check", text))


def _switch(
    directory: str, vsn: str, modules: ProtocolModules, changes: Sequence[ModuleChange]
) -> PlannedInstruction:
    loads, deletes = modules.loads, modules.deletes
    lines = [*_FIND_ENTRY, _target(vsn), f"true = :code.replace_path(:{CONSOLIDATED}, target)"]
    if loads:
        lines += [
            f"for m <- [{_atoms(loads)}] do",
            "  :code.purge(m)",
            '  {:module, ^m} = :code.load_abs(:filename.join(target, ~c"#{m}"))',
            "end",
        ]
    if deletes:
        lines += [f"for m <- [{_atoms(deletes)}] do", "  :code.purge(m)", "  :code.delete(m)"]
        lines.append("end")
    reason = _switch_reason(directory, loads, deletes, changes)
    return PlannedInstruction(_eval("\n".join(lines)), reason)


def _switch_reason(
    directory: str, loads: Sequence[str], deletes: Sequence[str], changes: Sequence[ModuleChange]
) -> Reason:
    kinds: dict[str, str] = {change.module: change.kind for change in changes}
    described = [f"{module} ({kinds[module]})" for module in loads]
    text = f"the code path entry consolidated now names {directory}"
    if described:
        text += f"; consolidated protocols loaded from it: {', '.join(described)}"
    if deletes:
        text += f"; deleted (not in {directory}): {', '.join(deletes)}"
    if not changes:
        return Reason("consolidated-path", text + " (no protocol changed)")
    return Reason("consolidated-protocols-changed", text)


def _target(vsn: str) -> str:
    return (
        "target = :filename.join([:filename.dirname(:filename.dirname(dir)), "
        f'{_charlist(vsn)}, ~c"{CONSOLIDATED}"])'
    )


def _eval(program: str) -> ins.Apply:
    return ins.Apply("Elixir.Code", "eval_string", erl_list(program.encode("utf-8")))


def _atoms(names: Sequence[str]) -> str:
    return ", ".join(":" + _quoted(name) for name in names)


def _charlist(text: str) -> str:
    return "~c" + _quoted(text)


def _quoted(text: str) -> str:
    """An Elixir double-quoted literal of ``text`` (no interpolation, no escapes left)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{")
    return f'"{escaped}"'


def _count(names: Sequence[str]) -> str:
    return f"{len(names)} consolidated protocol{'' if len(names) == 1 else 's'}"
