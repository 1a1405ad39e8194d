"""Which application each relup step works on, and the runs of steps one application owns.

The relup script does not say which application a step belongs to; the
timeline finds out from names: a loaded, removed, suspended or purged module
belongs to the application that lists it (in the target release first, then
the running one), ``application:start(App)`` and friends to ``App``, and a
``supervisor:restart_child(Sup, Id)`` to the application whose supervisor is
registered as ``Sup``.  A run is the steps from an application's first to its
last, kept only when no step of another application falls in between, so that
it can be drawn as one box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from diffing.release import AppName, ModuleName, Release
from diffing.terms import Atom, ErlList
from render.graph_facts import Direction
from upgrade import instructions as ins
from upgrade.plan import UpgradePlan


@dataclass(frozen=True, slots=True)
class Owners:
    """Who owns what, for telling which application a step works on."""

    modules: Mapping[ModuleName, AppName]
    supervisors: Mapping[str, AppName]  # registered name -> application

    def of_step(self, instruction: ins.LowLevelInstruction) -> AppName | None:
        """The one application ``instruction`` works on, or None (several, or unknown)."""
        owners = {self.modules.get(module) for module in _modules(instruction)}
        if isinstance(instruction, ins.Apply):
            owners = {self._apply_owner(instruction)}
        if len(owners) != 1:
            return None
        return owners.pop()

    def _apply_owner(self, instruction: ins.Apply) -> AppName | None:
        arguments = instruction.arguments
        if not isinstance(arguments, ErlList) or not arguments.items:
            return None
        first = arguments.items[0]
        if not isinstance(first, Atom):
            return None
        if instruction.module == "application":
            return AppName(first.name)
        if instruction.module == "supervisor":
            return self.supervisors.get(first.name)
        return None


def _modules(instruction: ins.LowLevelInstruction) -> tuple[ModuleName, ...]:
    match instruction:
        case ins.Load(module=module) | ins.Remove(module=module):
            return (module,)
        case ins.Purge(modules=modules) | ins.Resume(modules=modules):
            return modules
        case ins.Suspend(entries=entries):
            return tuple(entry.module for entry in entries)
        case ins.CodeChange(entries=entries):
            return tuple(module for module, _ in entries)
    return ()


def owners(plan: UpgradePlan, direction: Direction) -> Owners:
    """The owners of modules and registered supervisors in both releases, target first."""
    diff = plan.diff
    releases = (diff.new, diff.old) if direction == "up" else (diff.old, diff.new)
    modules: dict[ModuleName, AppName] = {}
    supervisors: dict[str, AppName] = {}
    for code in releases:
        _module_owners(code.release, modules)
        for application in code.applications:
            for facts in application.modules:
                name = facts.supervisor.registered_name if facts.supervisor else None
                if name is not None:
                    supervisors.setdefault(name, application.name)
    return Owners(modules, supervisors)


def _module_owners(release: Release, modules: dict[ModuleName, AppName]) -> None:
    for application in release.applications:
        for module in application.modules:
            modules.setdefault(module, application.name)


def application_runs(
    script: Sequence[ins.LowLevelInstruction], owners: Owners, first: int
) -> dict[AppName, tuple[int, int]]:
    """Per application, its steps from ``first`` on as one run (first, last), when unbroken."""
    positions: dict[AppName, list[int]] = {}
    owner_at: dict[int, AppName] = {}
    for position in range(first, len(script)):
        owner = owners.of_step(script[position])
        if owner is not None:
            positions.setdefault(owner, []).append(position)
            owner_at[position] = owner
    runs = {}
    for application, found in positions.items():
        start, end = found[0], found[-1]
        if all(owner_at.get(p, application) == application for p in range(start, end + 1)):
            runs[application] = (start, end)
    return runs
