"""Where systools will put each block of dependent instructions, checked against our apply steps.

systools merges the appups in application order and emits each weak
component of DepMods-linked instructions as one block *where its first member
stands* (reference §4.9).  A DepMods edge into an earlier application's
module therefore pulls a module step ahead of its own appup, and so ahead of
the steps its appup puts first (children stopped, relup.yaml "before"
steps).  That is rare (applications are ordered dependencies first), but when
it happens the plan no longer does what it shows: this check finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from diffing.release import ModuleName
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, PlanWarning

_DEPENDENCY = (ins.Update, ins.LoadModule, ins.AddModule, ins.DeleteModule)


def moved_block_warnings(app_plans: Sequence[AppPlan]) -> list[PlanWarning]:
    warnings: list[PlanWarning] = []
    for direction in ("up", "down"):
        scripts = [(plan, plan.up if direction == "up" else plan.down) for plan in app_plans]
        warnings.extend(_check_direction(direction, scripts))
    return warnings


def _check_direction(
    direction: str, scripts: Sequence[tuple[AppPlan, tuple[PlannedInstruction, ...]]]
) -> list[PlanWarning]:
    merged = [(plan, step) for plan, steps in scripts for step in steps]
    components = _components(step.instruction for _, step in merged)
    first_position: dict[ModuleName, int] = {}
    for position, (_, step) in enumerate(merged):
        if isinstance(step.instruction, _DEPENDENCY):
            root = components[step.instruction.module]
            first_position.setdefault(root, position)
    warnings = []
    start = 0
    for plan, steps in scripts:
        leading = _leading_steps(steps)
        for step in steps:
            instruction = step.instruction
            if not isinstance(instruction, _DEPENDENCY) or not leading:
                continue
            placed = first_position[components[instruction.module]]
            if placed < start + leading:
                warnings.append(_moved(plan, direction, instruction.module))
        start += len(steps)
    return warnings


def _leading_steps(steps: Sequence[PlannedInstruction]) -> int:
    """How many non-module steps come before the appup's first module step."""
    for position, step in enumerate(steps):
        if isinstance(step.instruction, _DEPENDENCY):
            return position
    return 0


def _components(instructions: Iterable[ins.Instruction]) -> dict[ModuleName, ModuleName]:
    """Union-find over DepMods edges: module -> representative of its weak component."""
    parent: dict[ModuleName, ModuleName] = {}

    def find(module: ModuleName) -> ModuleName:
        parent.setdefault(module, module)
        while parent[module] != module:
            parent[module] = parent[parent[module]]
            module = parent[module]
        return module

    for instruction in instructions:
        if isinstance(instruction, _DEPENDENCY):
            find(instruction.module)
            for dependency in instruction.dep_mods:
                parent[find(dependency)] = find(instruction.module)
    return {module: find(module) for module in list(parent)}


def _moved(plan: AppPlan, direction: str, module: ModuleName) -> PlanWarning:
    way = "upgrade" if direction == "up" else "downgrade"
    return PlanWarning(
        "dependency-block-moved",
        plan.name,
        f"on {way}, {module} is linked by DepMods to a module of an earlier application, so "
        f"systools runs it with that module, before the steps {plan.name}'s appup puts first "
        "(children stopped, relup.yaml before-steps); check that order, and write the "
        "appup by hand if it is wrong",
    )
