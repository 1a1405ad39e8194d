"""DepMods from ImpT calls, restricted to the relup's instructions, and the order of the steps."""

from __future__ import annotations

from pathlib import Path

from diffing.changes import AppDiff, ModuleChange
from diffing.code_facts import ModuleFacts
from diffing.release import Appup
from diffing.term_reader import parse_first_term
from unit.upgrade.plan_builders import (
    A,
    M,
    added,
    changed,
    gen_server,
    library,
    loads,
    release_diff,
    removed,
    side,
    supervisor,
    translated,
    upgraded,
    worker_spec,
)
from upgrade import instructions as ins
from upgrade.dependencies import callers_index, upgrade_order
from upgrade.plan import AppPlan, UpgradePlan
from upgrade.planner import plan_upgrade


def _dep_mods(app_plan: AppPlan, direction: str = "up") -> dict[str, tuple[str, ...]]:
    steps = app_plan.up if direction == "up" else app_plan.down
    return {
        step.instruction.module: step.instruction.dep_mods
        for step in steps
        if isinstance(
            step.instruction, ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule
        )
    }


def _modules(app_plan: AppPlan, direction: str = "up") -> list[str]:
    steps = app_plan.up if direction == "up" else app_plan.down
    return [getattr(step.instruction, "module", "") for step in steps]


def _single_app(
    old_modules: list[ModuleFacts], new_modules: list[ModuleFacts], changes: list[ModuleChange]
) -> UpgradePlan:
    diff = release_diff(
        [side("app", "1.0", old_modules)],
        [side("app", "2.0", new_modules)],
        [upgraded("app", modules=changes)],
    )
    return plan_upgrade(diff)


def test_changed_module_depends_on_the_changed_modules_its_new_code_calls() -> None:
    old_x, new_x = (
        library("x", b"1", calls=["y", "lists"]),
        library("x", b"2", calls=["y", "lists"]),
    )
    old_y, new_y = library("y", b"1"), library("y", b"2")
    plan = _single_app(
        [old_x, old_y], [new_x, new_y], [changed(old_x, new_x), changed(old_y, new_y)]
    )
    (app_plan,) = plan.applications
    # lists has no instruction in this relup: systools would reject it (undef_module).
    assert _dep_mods(app_plan) == {"x": ("y",), "y": ()}
    assert _dep_mods(app_plan, "down") == {"x": ("y",), "y": ()}
    assert _modules(app_plan) == ["y", "x"]
    assert _modules(app_plan, "down") == ["x", "y"]
    assert loads(translated(plan, "up")) == ["+y", "+x"]
    assert loads(translated(plan, "down")) == ["+x", "+y"]


def test_unchanged_callee_is_no_dependency() -> None:
    old_x, new_x = library("x", b"1", calls=["z"]), library("x", b"2", calls=["z"])
    z = library("z", b"1")
    plan = _single_app([old_x, z], [new_x, z], [changed(old_x, new_x)])
    assert _dep_mods(plan.applications[0]) == {"x": ()}


def test_removed_module_waits_for_its_old_callers() -> None:
    old_db, new_db = library("db", b"1", calls=["legacy"]), library("db", b"2")
    legacy = library("legacy", b"1")
    plan = _single_app([old_db, legacy], [new_db], [changed(old_db, new_db), removed(legacy)])
    (app_plan,) = plan.applications
    assert _dep_mods(app_plan) == {"db": (), "legacy": ("db",)}
    assert _modules(app_plan) == ["db", "legacy"]
    assert _modules(app_plan, "down") == ["legacy", "db"]
    # Up: db stops calling legacy before legacy goes. Down: legacy is back before db calls it.
    assert loads(translated(plan, "up")) == ["+db", "-legacy"]
    assert loads(translated(plan, "down")) == ["+legacy", "+db"]


def test_callers_are_indexed_for_the_callees_asked_about_in_the_order_met() -> None:
    modules = [
        library("b", calls=["gone", "kept"]),
        library("a", calls=["gone"]),
        library("c", calls=["kept"]),
        library("d"),
    ]
    assert callers_index(modules, {"gone", "unused"}) == {"gone": ["b", "a"]}
    assert callers_index(modules, {"kept", "gone"}) == {"gone": ["b", "a"], "kept": ["b", "c"]}
    assert callers_index(modules, ()) == {}


def test_added_module_loads_before_its_callers_and_goes_after_them() -> None:
    old_x, new_x = library("x", b"1"), library("x", b"2", calls=["fresh"])
    fresh = library("fresh")
    plan = _single_app([old_x], [new_x, fresh], [changed(old_x, new_x), added(fresh)])
    (app_plan,) = plan.applications
    assert _dep_mods(app_plan) == {"x": ("fresh",), "fresh": ()}
    assert loads(translated(plan, "up")) == ["+fresh", "+x"]
    assert loads(translated(plan, "down")) == ["+x", "-fresh"]


def test_a_loaded_module_never_depends_on_a_deleted_one() -> None:
    old_x, new_x = library("x", b"1", calls=["gone"]), library("x", b"2", calls=["gone"])
    gone = library("gone")
    plan = _single_app([old_x, gone], [new_x], [changed(old_x, new_x), removed(gone)])
    (app_plan,) = plan.applications
    assert _dep_mods(app_plan)["x"] == ()
    assert _dep_mods(app_plan)["gone"] == ("x",)
    still_called = [w for w in plan.warnings if w.code == "removed-module-still-called"]
    assert [(w.application, w.message) for w in still_called] == [
        (A("app"), "gone is removed in 2.0 but x still call it: those calls will fail with undef")
    ]


def test_cycles_are_reported_as_groups_and_listed_together() -> None:
    olds = [library("a", b"1", ["b"]), library("b", b"1", ["a"]), library("c", b"1", ["a"])]
    news = [library("a", b"2", ["b"]), library("b", b"2", ["a"]), library("c", b"2", ["a"])]
    plan = _single_app(olds, news, [changed(o, n) for o, n in zip(olds, news, strict=True)])
    (app_plan,) = plan.applications
    assert _modules(app_plan) == ["a", "b", "c"]
    assert _dep_mods(app_plan) == {"a": ("b",), "b": ("a",), "c": ("a",)}
    cycles = [w for w in plan.warnings if w.code == "dependency-cycle"]
    assert len(cycles) == 1
    assert cycles[0].message.startswith("a, b call each other")


def test_updates_linked_by_dep_mods_share_one_suspend_window() -> None:
    old_srv, new_srv = (
        gen_server("srv", b"1", calls=["lib"]),
        gen_server("srv", b"2", calls=["lib"]),
    )
    old_lib, new_lib = library("lib", b"1"), library("lib", b"2")
    sup = supervisor("sup", [worker_spec("srv")])
    plan = _single_app(
        [old_srv, old_lib, sup],
        [new_srv, new_lib, sup],
        [changed(old_srv, new_srv), changed(old_lib, new_lib)],
    )
    script = translated(plan, "up")
    after = script[script.index(ins.POINT_OF_NO_RETURN) + 1 :]
    assert after == (
        ins.Suspend((ins.SuspendEntry(M("srv")),)),
        ins.Load(M("lib")),
        ins.Load(M("srv")),
        ins.CodeChange(
            "up",
            (
                (
                    M("srv"),
                    parse_first_term("[]."),
                ),
            ),
        ),
        ins.Resume((M("srv"),)),
    )


def test_dependencies_cross_upgraded_applications_but_not_added_ones() -> None:
    old_x, new_x = library("x", b"1", ["y", "n"]), library("x", b"2", ["y", "n"])
    old_y, new_y = library("y", b"1"), library("y", b"2")
    fresh = library("n")
    diff = release_diff(
        [side("one", "1.0", [old_x]), side("two", "1.0", [old_y])],
        [side("two", "2.0", [new_y]), side("one", "2.0", [new_x]), side("new", "1.0", [fresh])],
        [
            upgraded("two", modules=[changed(old_y, new_y)]),
            upgraded("one", modules=[changed(old_x, new_x)]),
            AppDiff(A("new"), "added", None, "1.0"),
        ],
    )
    plan = plan_upgrade(diff)
    assert [app.name for app in plan.applications] == ["two", "one"]
    assert _dep_mods(plan.applications[1]) == {"x": ("y",)}
    assert plan.added_applications == ("new",)


def test_hand_written_appup_instructions_of_other_apps_are_eligible() -> None:
    old_x, new_x = library("x", b"1", ["y"]), library("x", b"2", ["y"])
    old_y, new_y = library("y", b"1"), library("y", b"2")
    text = '{"2.0", [{"1.0", [{load_module, y}]}], [{"1.0", [{load_module, y}]}]}.'
    appup = Appup(path=_path("two"), term=parse_first_term(text))
    diff = release_diff(
        [side("two", "1.0", [old_y]), side("one", "1.0", [old_x])],
        [side("two", "2.0", [new_y], appup=appup), side("one", "2.0", [new_x])],
        [
            upgraded("two", modules=[changed(old_y, new_y)]),
            upgraded("one", modules=[changed(old_x, new_x)]),
        ],
    )
    plan = plan_upgrade(diff)
    assert plan.applications[0].source == "hand-written"
    assert _dep_mods(plan.applications[1]) == {"x": ("y",)}


def test_upgrade_order_is_dependencies_first_with_ties_by_name() -> None:
    edges = {"top": ("mid_b", "mid_a"), "mid_a": ("base",), "mid_b": ("base",), "lone": ()}
    order = upgrade_order(["top", "mid_b", "mid_a", "base", "lone"], edges)
    # Dependencies first, ties by name, then each block gathered where it starts.
    assert order.modules == ("base", "mid_a", "mid_b", "top", "lone")
    assert order.cycles == ()


def test_upgrade_order_keeps_cycle_members_together() -> None:
    edges = {"a": ("z",), "z": ("a", "m"), "m": ()}
    order = upgrade_order(["z", "a", "m", "b"], edges)
    assert order.modules == ("b", "m", "a", "z")
    assert order.cycles == (("a", "z"),)


def _path(app: str) -> Path:
    return Path(f"/rel/lib/{app}-2.0/ebin/{app}.appup")
