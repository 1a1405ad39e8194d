"""``relup check``: do the appups in NEW cover the diff?

systools only checks that an appup has an entry for the old version, not what
the entry covers, so an incomplete appup "succeeds" and the upgrade quietly
keeps old code running.  For every upgraded application this checks, in both
directions, that:

* every changed module has an instruction (or the application restarts);
* modules added are loaded going up and deleted going down, and the reverse
  for modules removed;
* no instruction touches a module that did not change;
* DepMods name only modules that have instructions (systools: undef_module);
* supervisor children added are started after the upgrade and stopped before
  the downgrade, and children removed the reverse;

and that a version whose code changed was bumped.  Each finding has a stable
code, listed in docs/warnings.md.

A mix release's consolidated protocols (``releases/VSN/consolidated``) live
outside every application, so no appup can load them: when they changed, a
relup made from the appups alone (systools, ``relup relup``) keeps the old
dispatch tables, and the check says so (``relup plan --write`` and ``relup
package`` add the relup steps that load them, see ``upgrade.protocols``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diffing.changes import AppDiff, ConsolidationDiff, ReleaseDiff
from diffing.supervisor_specs import child_id_of_spec, shorthand_module
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term
from upgrade import instructions as ins
from upgrade.handwritten import read_hand_written
from upgrade.plan import PlanError

Direction = Literal["up", "down"]
_MODULE_INSTRUCTIONS = (ins.Update, ins.LoadModule, ins.AddModule, ins.DeleteModule)
_MIRROR = {"added": "removed", "removed": "added", "changed": "changed"}


Severity = Literal["problem", "note"]


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """One thing ``relup check`` reports; only problems make it fail.

    A note is something the appups cannot express at all but relup's own
    relup handles (consolidated protocols): worth knowing when the relup is
    made from the appups alone, not a defect of the appups.
    """

    application: str
    direction: Direction | None
    code: str
    message: str
    severity: Severity = "problem"

    def __str__(self) -> str:
        where = (
            self.application if self.direction is None else f"{self.application} ({self.direction})"
        )
        prefix = "note: " if self.severity == "note" else ""
        return f"{prefix}{where}: {self.message} [{self.code}]"


def check_appups(diff: ReleaseDiff) -> tuple[CheckFinding, ...]:
    """Everything the appups in NEW miss or get wrong, in application order."""
    findings: list[CheckFinding] = []
    instructed_anywhere = _instructed_modules(diff)
    for app in diff.applications:
        if app.version_not_bumped:
            findings.append(
                CheckFinding(
                    app.name,
                    None,
                    "version-not-bumped",
                    f"code changed but the version is still {app.new_vsn}: systools "
                    "skips the application",
                )
            )
        if app.status == "upgraded":
            findings.extend(_check_application(diff, app, instructed_anywhere))
    if diff.consolidated is not None:
        findings.extend(_check_protocols(diff.consolidated))
    return tuple(findings)


def _check_protocols(consolidation: ConsolidationDiff) -> list[CheckFinding]:
    """Changed consolidated protocols: no appup can load them (docs/elixir.md)."""
    # A -vsn-only change has nothing to load: the protocol steps skip it too.
    changed = [change for change in consolidation.modules if not change.vsn_only]
    if not changed:
        return []
    names = ", ".join(
        change.module if change.kind == "changed" else f"{change.module} ({change.kind})"
        for change in changed
    )
    message = (
        f"consolidated protocols changed: {names}; appups cannot load them (they are "
        "outside every application), so a relup made from the appups alone keeps the old "
        "ones: relup plan --write and relup package add the relup steps that load them"
    )
    return [
        CheckFinding(
            consolidation.new_directory,
            None,
            "consolidated-protocols-not-covered",
            message,
            severity="note",
        )
    ]


def _scripts(
    diff: ReleaseDiff, app: AppDiff
) -> tuple[dict[Direction, tuple[ins.Instruction, ...]], CheckFinding | None]:
    application = diff.new.release.application(app.name)
    assert application is not None and app.old_vsn is not None
    appup = application.appup
    if appup is None or appup.term is None:
        problem = "missing" if appup is None or appup.problem == "enoent" else appup.problem
        return {}, CheckFinding(
            app.name, None, "appup-missing", f"{application.appup_file}: {problem}"
        )
    try:
        scripts = read_hand_written(appup, app.name, app.old_vsn)
    except PlanError as error:
        return {}, CheckFinding(app.name, None, "appup-unusable", str(error))
    return {"up": scripts.up, "down": scripts.down}, None


def _check_application(
    diff: ReleaseDiff, app: AppDiff, instructed_anywhere: set[str]
) -> list[CheckFinding]:
    scripts, problem = _scripts(diff, app)
    if problem is not None:
        return [problem]
    findings: list[CheckFinding] = []
    for direction, script in scripts.items():
        findings.extend(_check_script(app, direction, script, instructed_anywhere))
    return findings


def _check_script(
    app: AppDiff,
    direction: Direction,
    script: Sequence[ins.Instruction],
    instructed_anywhere: set[str],
) -> list[CheckFinding]:
    def finding(code: str, message: str) -> CheckFinding:
        return CheckFinding(app.name, direction, code, message)

    if any(_restarts(instruction, app.name) for instruction in script):
        return []
    by_module = {i.module: i for i in script if isinstance(i, _MODULE_INSTRUCTIONS)}
    findings: list[CheckFinding] = []
    changed = {m.module: m for m in app.modules if not m.vsn_only}
    for name, change in sorted(changed.items()):
        kind = change.kind if direction == "up" else _MIRROR[change.kind]
        instruction = by_module.get(name)
        if instruction is None:
            findings.append(
                finding("module-not-covered", f"{kind} module {name} has no instruction")
            )
        elif kind == "removed" and not isinstance(instruction, ins.DeleteModule):
            findings.append(
                finding("removed-module-not-deleted", f"module {name} goes away but is not deleted")
            )
        elif kind == "added" and isinstance(instruction, ins.DeleteModule):
            findings.append(finding("added-module-deleted", f"module {name} is new but is deleted"))
    for name in sorted(by_module.keys() - changed.keys()):
        findings.append(finding("unchanged-module-instructed", f"module {name} did not change"))
    for instruction in by_module.values():
        for dependency in instruction.dep_mods:
            if dependency not in instructed_anywhere:
                findings.append(
                    finding(
                        "dep-mods-outside-script",
                        f"{instruction.module} depends on {dependency}, which has "
                        "no instruction (systools: undef_module)",
                    )
                )
    findings.extend(_check_children(app, direction, script))
    return findings


def _restarts(instruction: ins.Instruction, application: str) -> bool:
    if isinstance(instruction, ins.RestartApplication):
        return instruction.application == application
    return isinstance(instruction, ins.RestartNewEmulator | ins.RestartEmulator)


def _check_children(
    app: AppDiff, direction: Direction, script: Sequence[ins.Instruction]
) -> list[CheckFinding]:
    calls = {_supervisor_call(i) for i in script} - {None}
    findings: list[CheckFinding] = []
    for child in app.children:
        if child.kind == "changed":
            continue
        starts = (child.kind == "added") == (direction == "up")
        shown = format_term(child.child_id)
        if starts and not (
            {("restart_child", child.child_id), ("start_child", child.child_id)} & calls
        ):
            findings.append(
                CheckFinding(
                    app.name,
                    direction,
                    "child-not-started",
                    f"child {shown} of {child.supervisor} is never started",
                )
            )
        if not starts and ("terminate_child", child.child_id) not in calls:
            findings.append(
                CheckFinding(
                    app.name,
                    direction,
                    "child-not-stopped",
                    f"child {shown} of {child.supervisor} is never stopped",
                )
            )
    return findings


_SUPERVISOR_MODULES = frozenset({"supervisor", "Elixir.Supervisor"})


def _supervisor_call(instruction: ins.Instruction) -> tuple[str, Term] | None:
    """``(function, child id)`` of a supervisor call in an ``apply``, else None.

    ``start_child`` takes a child spec, not an id: the id is read out of it
    (a tuple spec's first element, a map spec's ``id``, Elixir's ``Mod`` or
    ``{Mod, Arg}`` shorthand, whose default id is ``Mod``).
    """
    if not (isinstance(instruction, ins.Apply) and instruction.module in _SUPERVISOR_MODULES):
        return None
    arguments = instruction.arguments
    if not (isinstance(arguments, ErlList) and len(arguments.items) == 2):
        return None
    argument = arguments.items[1]
    if instruction.function == "start_child":
        return (instruction.function, _child_id_of_spec(argument))
    return (instruction.function, argument)


def _child_id_of_spec(spec: Term) -> Term:
    identifier = child_id_of_spec(spec)
    if identifier is not None:
        return identifier
    module = shorthand_module(spec)
    return spec if module is None else Atom(module)


def _instructed_modules(diff: ReleaseDiff) -> set[str]:
    """Modules any upgraded application's appup instructs, and modules of added apps."""
    names: set[str] = set()
    for app in diff.applications:
        application = diff.new.release.application(app.name)
        if app.status == "added" and application is not None:
            names.update(application.modules)
        if app.status != "upgraded" or application is None or application.appup is None:
            continue
        try:
            scripts = read_hand_written(application.appup, app.name, app.old_vsn or "")
        except PlanError:
            continue
        for instruction in (*scripts.up, *scripts.down):
            if isinstance(instruction, _MODULE_INSTRUCTIONS):
                names.add(instruction.module)
    old_release = diff.old.release
    for app in diff.applications:
        previous = old_release.application(app.name)
        if app.status == "removed" and previous is not None:
            names.update(previous.modules)
    return names
