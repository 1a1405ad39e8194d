"""What the plan diagrams read from a plan, per direction: steps, applications, scripts.

Every view is drawn for one direction.  Going up, the running release is OLD
and the target NEW; going down it is the other way round: the applications
that *enter* are the ones added going up and removed going down, and the relup
script is the entry for OLD in the relup's up or down list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from diffing.release import AppName, ModuleName
from diffing.term_writer import format_term
from diffing.terms import Atom
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, UpgradePlan

Direction = Literal["up", "down"]


def direction_steps(app_plan: AppPlan, direction: Direction) -> tuple[PlannedInstruction, ...]:
    return app_plan.up if direction == "up" else app_plan.down


def versions(plan: UpgradePlan, direction: Direction) -> tuple[str, str]:
    """The running release's version and the target's."""
    old, new = plan.diff.old.release.vsn, plan.diff.new.release.vsn
    return (old, new) if direction == "up" else (new, old)


def entering_applications(plan: UpgradePlan, direction: Direction) -> tuple[AppName, ...]:
    """Applications started by this direction (``add_application``)."""
    return plan.added_applications if direction == "up" else plan.removed_applications


def leaving_applications(plan: UpgradePlan, direction: Direction) -> tuple[AppName, ...]:
    """Applications stopped and unloaded by this direction (``remove_application``)."""
    return plan.removed_applications if direction == "up" else plan.added_applications


def application_version(plan: UpgradePlan, name: AppName) -> str:
    """An application's version in NEW, else in OLD."""
    for release in (plan.diff.new.release, plan.diff.old.release):
        application = release.application(name)
        if application is not None:
            return application.vsn
    return "?"


def application_modules(plan: UpgradePlan, name: AppName) -> tuple[ModuleName, ...]:
    """An application's modules as its ``.app`` lists them (NEW first, else OLD)."""
    for release in (plan.diff.new.release, plan.diff.old.release):
        application = release.application(name)
        if application is not None:
            return application.modules
    return ()


def relup_script(
    plan: UpgradePlan, direction: Direction
) -> tuple[ins.LowLevelInstruction, ...] | None:
    """The low-level script of this direction between OLD and NEW, if the plan has a relup."""
    if plan.relup is None:
        return None
    entries = plan.relup.up if direction == "up" else plan.relup.down
    old_vsn = plan.diff.old.release.vsn
    for entry in entries:
        if entry.vsn == old_vsn:
            return entry.instructions
    return entries[0].instructions if entries else None


def suspended_labels(steps: Sequence[PlannedInstruction]) -> dict[str, tuple[ModuleName, ...]]:
    """Each process label an update suspends, with the modules whose updates suspend it."""
    suspending: dict[str, list[ModuleName]] = {}
    for step in steps:
        if isinstance(step.instruction, ins.Update):
            for label in step.suspends:
                suspending.setdefault(label, []).append(step.instruction.module)
    return {label: tuple(modules) for label, modules in suspending.items()}


def matches_label(label: str, process: str) -> bool:
    """Whether a ``suspends`` label names ``process`` (``Sup/Id``, maybe with a remark)."""
    return label == process or label.startswith(f"{process} (")


def module_instruction_kind(instruction: ins.Instruction) -> str | None:
    """``update``, ``load_module``, ``add_module`` or ``delete_module``; None for others."""
    kinds: dict[type, str] = {
        ins.Update: "update",
        ins.LoadModule: "load_module",
        ins.AddModule: "add_module",
        ins.DeleteModule: "delete_module",
    }
    return kinds.get(type(instruction))


def upgrade_heading(app_plan: AppPlan, direction: Direction) -> str:
    """``app 1.0 -> 2.0`` going up, ``app 2.0 -> 1.0`` going down."""
    running, target = app_plan.old_vsn, app_plan.new_vsn
    if direction == "down":
        running, target = target, running
    return f"{format_term(Atom(app_plan.name))} {running} -> {target}"
