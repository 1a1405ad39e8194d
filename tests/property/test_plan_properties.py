"""Invariants of every generated plan, over generated diffs of one application.

Each diff has up to eight modules, each unchanged, changed, added or removed,
each a library or a gen_server (with or without code_change), calling any of
the others in either version; and a supervisor whose child specs follow the
gen_servers that exist in each version (so gen_servers that come and go are
children that come and go).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from diffing.changes import ChildChange, ModuleChange, ReleaseDiff
from diffing.code_facts import ModuleFacts
from diffing.terms import ErlList
from unit.upgrade.plan_builders import (
    M,
    gen_server,
    library,
    release_diff,
    side,
    supervisor,
    translated,
    upgraded,
    worker_spec,
)
from upgrade import instructions as ins
from upgrade.options import PlanOptions
from upgrade.plan import AppPlan, UpgradePlan
from upgrade.planner import plan_upgrade

NAMES = tuple(f"m{index}" for index in range(8))
STATUSES = ("unchanged", "changed", "added", "removed")
DEPENDENCY = (ins.Update, ins.LoadModule, ins.AddModule, ins.DeleteModule)


@dataclass(frozen=True)
class Case:
    diff: ReleaseDiff
    statuses: dict[str, str]
    old: dict[str, ModuleFacts]
    new: dict[str, ModuleFacts]
    children: tuple[ChildChange, ...]


def _facts(name: str, kind: str, md5: bytes, calls: list[str]) -> ModuleFacts:
    if kind == "library":
        return library(name, md5, calls)
    return gen_server(name, md5, calls, code_change=kind == "gen_server")


@st.composite
def cases(draw: st.DrawFn) -> Case:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    statuses = {name: draw(st.sampled_from(STATUSES)) for name in names}
    old: dict[str, ModuleFacts] = {}
    new: dict[str, ModuleFacts] = {}
    for name in names:
        kind = draw(st.sampled_from(("library", "gen_server", "soft_server")))
        old_calls = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
        new_calls = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
        if statuses[name] != "added":
            old[name] = _facts(name, kind, b"1", old_calls)
        if statuses[name] != "removed":
            md5 = b"1" if statuses[name] == "unchanged" else b"2"
            new[name] = _facts(name, kind, md5, new_calls if md5 == b"2" else old_calls)
    return _case(statuses, old, new)


def _case(
    statuses: dict[str, str], old: dict[str, ModuleFacts], new: dict[str, ModuleFacts]
) -> Case:
    old_specs = [worker_spec(n) for n in sorted(old) if old[n].kind == "process"]
    new_specs = [worker_spec(n) for n in sorted(new) if new[n].kind == "process"]
    old_sup = supervisor("sup", old_specs, b"1")
    new_sup = supervisor("sup", new_specs, b"1" if old_specs == new_specs else b"2")
    children = tuple(
        ChildChange(M("sup"), "removed", spec.id, spec, None)
        for spec in old_specs
        if spec not in new_specs
    ) + tuple(
        ChildChange(M("sup"), "added", spec.id, None, spec)
        for spec in new_specs
        if spec not in old_specs
    )
    changes = [_change(name, statuses[name], old, new) for name in sorted(statuses)]
    if new_sup.md5 != old_sup.md5:
        changes.append(ModuleChange(M("sup"), "changed", old_sup, new_sup))
    diff = release_diff(
        [side("app", "1.0", [*old.values(), old_sup])],
        [side("app", "2.0", [*new.values(), new_sup])],
        [upgraded("app", modules=[c for c in changes if c is not None], children=children)],
    )
    return Case(diff, statuses, old, new, children)


def _change(
    name: str, status: str, old: dict[str, ModuleFacts], new: dict[str, ModuleFacts]
) -> ModuleChange | None:
    if status == "unchanged":
        return None
    kind = {"changed": "changed", "added": "added", "removed": "removed"}[status]
    return ModuleChange(M(name), kind, old.get(name), new.get(name))  # type: ignore[arg-type]


def _plan(case: Case) -> tuple[UpgradePlan, AppPlan]:
    plan = plan_upgrade(case.diff, PlanOptions(fallback="restart"))
    (app_plan,) = plan.applications
    return plan, app_plan


def _module_steps(steps: tuple[object, ...]) -> list[ins.DependencyInstruction | ins.AddModule]:
    return [s.instruction for s in steps if isinstance(s.instruction, DEPENDENCY)]  # type: ignore[attr-defined]


def _operations(script: tuple[ins.LowLevelInstruction, ...]) -> dict[str, int]:
    """Where each module is loaded or removed in a translated script."""
    return {
        step.module: position
        for position, step in enumerate(script)
        if isinstance(step, ins.Load | ins.Remove)
    }


def _reaches(plan: AppPlan, source: str, target: str) -> bool:
    edges = {s.module: s.dep_mods for s in _module_steps(plan.up)}
    seen, todo = set(), [source]
    while todo:
        module = todo.pop()
        if module == target:
            return True
        if module not in seen:
            seen.add(module)
            todo.extend(edges.get(module, ()))
    return False


class TestCoverage:
    """Every module that changed, was added or was removed gets exactly one instruction per
    direction (systools: a second one is muldef_module, none leaves old code running)."""

    @given(cases())
    def test_each_changed_module_exactly_once(self, case: Case) -> None:
        _, app_plan = _plan(case)
        expected = sorted(c.module for c in case.diff.applications[0].modules)
        for direction in (app_plan.up, app_plan.down):
            assert sorted(step.module for step in _module_steps(direction)) == expected


class TestInverse:
    """The downgrade is the upgrade undone: added modules deleted, removed ones added back,
    changed ones reloaded, in the reverse order, with children stopped where they started."""

    @given(cases())
    def test_down_mirrors_up(self, case: Case) -> None:
        _, app_plan = _plan(case)
        mirror = {ins.AddModule: ins.DeleteModule, ins.DeleteModule: ins.AddModule}
        up, down = _module_steps(app_plan.up), _module_steps(app_plan.down)
        assert [s.module for s in down] == [s.module for s in reversed(up)]
        for up_step, down_step in zip(reversed(up), down, strict=True):
            if type(up_step) in mirror:
                assert type(down_step) is mirror[type(up_step)]
                assert down_step.dep_mods == up_step.dep_mods
            else:
                assert down_step == up_step

    @given(cases())
    def test_children_started_up_are_stopped_down(self, case: Case) -> None:
        _, app_plan = _plan(case)
        up_starts = _child_calls(app_plan, "up", "restart_child")
        down_stops = _child_calls(app_plan, "down", "terminate_child")
        added = {c.child_id for c in case.children if c.kind == "added"}
        removed = {c.child_id for c in case.children if c.kind == "removed"}
        assert set(up_starts) == set(down_stops) == added
        assert set(_child_calls(app_plan, "up", "terminate_child")) == removed
        assert set(_child_calls(app_plan, "down", "restart_child")) == removed


def _child_calls(app_plan: AppPlan, direction: str, function: str) -> list[object]:
    steps = app_plan.up if direction == "up" else app_plan.down
    return [
        s.instruction.arguments.items[1]  # type: ignore[union-attr]
        for s in steps
        if isinstance(s.instruction, ins.Apply) and s.instruction.function == function
    ]


class TestDependencies:
    """DepMods only name modules with their own instruction (else undef_module); on upgrade
    a module's DepMods are loaded first, on downgrade last, except inside a cycle."""

    @given(cases())
    def test_dep_mods_are_instructions_of_the_relup(self, case: Case) -> None:
        _, app_plan = _plan(case)
        for steps in (app_plan.up, app_plan.down):
            planned = {s.module for s in _module_steps(steps)}
            for step in _module_steps(steps):
                assert set(step.dep_mods) <= planned - {step.module}
                assert list(step.dep_mods) == sorted(step.dep_mods)

    @given(cases())
    def test_dependencies_load_first_on_upgrade_and_last_on_downgrade(self, case: Case) -> None:
        plan, app_plan = _plan(case)
        up, down = _operations(translated(plan, "up")), _operations(translated(plan, "down"))
        for step in _module_steps(app_plan.up):
            for dependency in step.dep_mods:
                if _reaches(app_plan, dependency, step.module):
                    continue  # a cycle: no order satisfies both
                assert up[dependency] < up[step.module]
                assert down[dependency] > down[step.module]

    @given(cases())
    def test_callers_and_callees_of_added_and_removed_modules(self, case: Case) -> None:
        """New code never runs before the module it calls exists; a module goes only after
        the old code calling it is gone (both ways)."""
        plan, app_plan = _plan(case)
        up, down = _operations(translated(plan, "up")), _operations(translated(plan, "down"))
        for caller, status in case.statuses.items():
            if status != "changed":
                continue
            for callee in case.new[caller].calls:
                if case.statuses.get(callee) == "added" and not _reaches(app_plan, callee, caller):
                    assert up[callee] < up[caller] and down[caller] < down[callee]
            for callee in case.old[caller].calls:
                if case.statuses.get(callee) == "removed" and not _reaches(
                    app_plan, caller, callee
                ):
                    assert up[caller] < up[callee] and down[callee] < down[caller]


class TestTranslation:
    """systools accepts every generated plan; every suspend has its resume."""

    @given(cases())
    def test_every_suspend_has_a_resume(self, case: Case) -> None:
        plan, _ = _plan(case)
        for direction in ("up", "down"):
            script = translated(plan, direction)
            suspended = [m for s in script if isinstance(s, ins.Suspend) for m in s.modules]
            resumed = [m for s in script if isinstance(s, ins.Resume) for m in s.modules]
            assert sorted(suspended) == sorted(resumed)

    @given(cases())
    def test_new_children_start_after_their_supervisor_is_updated(self, case: Case) -> None:
        plan, _ = _plan(case)
        script = translated(plan, "up")
        starts = [
            i
            for i, s in enumerate(script)
            if isinstance(s, ins.Apply) and s.function == "restart_child"
        ]
        if starts:
            update = script.index(ins.CodeChange("up", ((M("sup"), ErlList()),)))
            assert min(starts) > update


class TestDeterminism:
    """The plan depends on the diff's content, not on the order its tuples list things in."""

    @given(cases())
    def test_input_order_does_not_matter(self, case: Case) -> None:
        app = case.diff.applications[0]
        shuffled = type(app)(
            app.name,
            app.status,
            app.old_vsn,
            app.new_vsn,
            tuple(reversed(app.modules)),
            app.children,
        )
        other = type(case.diff)(case.diff.old, case.diff.new, None, (shuffled,))
        first = plan_upgrade(case.diff, PlanOptions(fallback="restart"))
        second = plan_upgrade(other, PlanOptions(fallback="restart"))
        assert first.applications == second.applications
        assert first.warnings == second.warnings


class TestPlacement:
    """Within one appup every module step sits between the steps put first and last, so
    systools' block placement never moves one ahead of a child being stopped."""

    @given(cases())
    def test_single_application_blocks_stay_in_place(self, case: Case) -> None:
        plan, _ = _plan(case)
        assert "dependency-block-moved" not in [w.code for w in plan.warnings]

    @given(cases())
    def test_appup_lists_blocks_in_the_order_systools_runs_them(self, case: Case) -> None:
        plan, app_plan = _plan(case)
        for direction, steps in (("up", app_plan.up), ("down", app_plan.down)):
            block = _block_of(app_plan)
            listed = [block[s.module] for s in _module_steps(steps)]
            operations = _operations(translated(plan, direction))
            run = [block[module] for module in sorted(operations, key=operations.__getitem__)]
            contiguous = [b for i, b in enumerate(listed) if i == 0 or listed[i - 1] != b]
            assert contiguous == list(dict.fromkeys(run))


def _block_of(app_plan: AppPlan) -> dict[str, str]:
    """Each module's weak component of DepMods edges, named by its smallest member."""
    neighbours: dict[str, set[str]] = {}
    for step in _module_steps(app_plan.up):
        neighbours.setdefault(step.module, set()).update(step.dep_mods)
        for dependency in step.dep_mods:
            neighbours.setdefault(dependency, set()).add(step.module)
    block: dict[str, str] = {}
    for start in sorted(neighbours):
        if start in block:
            continue
        seen, todo = {start}, [start]
        while todo:
            for other in neighbours[todo.pop()] - seen:
                seen.add(other)
                todo.append(other)
        block.update(dict.fromkeys(seen, min(seen)))
    return block
