"""The per-module rules: one changed, added or removed module, up and down."""

from __future__ import annotations

from dataclasses import replace

from diffing.changes import ModuleChange
from diffing.code_facts import ModuleFacts
from diffing.terms import ErlList
from unit.upgrade.plan_builders import (
    A,
    M,
    added,
    application_module,
    changed,
    gen_server,
    library,
    release_diff,
    removed,
    side,
    special,
    supervisor,
    upgraded,
    worker_spec,
)
from upgrade import instructions as ins
from upgrade.options import PlanOptions
from upgrade.plan import AppPlan, PlannedInstruction, PlanWarning, Reason, UpgradePlan
from upgrade.planner import plan_upgrade

TOP = supervisor("app_sup", [worker_spec("srv"), worker_spec("fsm"), worker_spec("proc")])


def _plan_one(
    old: ModuleFacts | None, new: ModuleFacts | None, change: ModuleChange
) -> UpgradePlan:
    old_modules = [] if old is None else [old]
    new_modules = [] if new is None else [new]
    diff = release_diff(
        [side("app", "1.0", [*old_modules, TOP], mod="app_app")],
        [side("app", "2.0", [*new_modules, TOP], mod="app_app")],
        [upgraded("app", modules=[change])],
    )
    return plan_upgrade(diff)


def _only_app(plan: UpgradePlan) -> AppPlan:
    (app_plan,) = plan.applications
    return app_plan


def test_changed_library_module_is_loaded_both_ways() -> None:
    old, new = library("lib", b"1"), library("lib", b"2")
    app_plan = _only_app(_plan_one(old, new, changed(old, new)))
    expected = PlannedInstruction(
        ins.LoadModule(M("lib")),
        Reason("changed-library-module", "lib changed; library module: no process to suspend"),
    )
    assert app_plan.up == (expected,)
    assert app_plan.down == (expected,)
    assert app_plan.verdict == "hot"
    assert app_plan.source == "generated"


def test_gen_server_with_code_change_gets_an_advanced_update() -> None:
    old, new = gen_server("srv", b"1"), gen_server("srv", b"2")
    plan = _plan_one(old, new, changed(old, new))
    (step,) = _only_app(plan).up
    assert step.instruction == ins.Update(M("srv"), "dynamic", extra=ErlList())
    assert step.reason.rule == "changed-process-module"
    assert "code_change/3" in step.reason.text
    assert step.suspends == ("app_sup/srv",)
    assert _only_app(plan).down == (step,)
    assert not [w for w in plan.warnings if w.code == "no-code-change"]


def test_gen_server_without_code_change_gets_a_soft_update_and_a_warning() -> None:
    old, new = gen_server("srv", b"1"), gen_server("srv", b"2", code_change=False)
    plan = _plan_one(old, new, changed(old, new))
    (step,) = _only_app(plan).up
    assert step.instruction == ins.Update(M("srv"))
    assert step.instruction.extra is None
    assert step.reason.rule == "changed-process-module-soft"
    codes = [(w.code, w.application) for w in plan.warnings]
    assert ("no-code-change", "app") in codes


def test_gen_statem_needs_code_change_of_arity_four() -> None:
    old = gen_server("fsm", b"1", behaviour="gen_statem")
    with_four = gen_server("fsm", b"2", behaviour="gen_statem")
    assert ("code_change", 4) in with_four.exports
    (step,) = _only_app(_plan_one(old, with_four, changed(old, with_four))).up
    assert step.instruction == ins.Update(M("fsm"), extra=ErlList())

    # A gen_statem exporting only code_change/3 would crash: gen_statem calls /4.
    wrong_arity = replace(gen_server("fsm", b"3"), behaviours=("gen_statem",))
    assert ("code_change", 3) in wrong_arity.exports
    plan = _plan_one(old, wrong_arity, changed(old, wrong_arity))
    (step,) = _only_app(plan).up
    assert step.instruction == ins.Update(M("fsm"))
    assert "code_change/4" in next(w.message for w in plan.warnings if w.code == "no-code-change")


def test_special_process_is_updated_through_system_code_change() -> None:
    old, new = special("proc", b"1"), special("proc", b"2")
    (step,) = _only_app(_plan_one(old, new, changed(old, new))).up
    assert step.instruction == ins.Update(M("proc"), extra=ErlList())
    assert step.reason.rule == "changed-special-process"
    assert step.suspends == ("app_sup/proc",)


def test_changed_supervisor_is_a_static_advanced_update_both_ways() -> None:
    old = supervisor("app_sup", [worker_spec("srv")], b"1")
    new = supervisor("app_sup", [worker_spec("srv")], b"2")
    diff = release_diff(
        [side("app", "1.0", [old], mod="app_app")],
        [side("app", "2.0", [new], mod="app_app")],
        [upgraded("app", modules=[changed(old, new)])],
    )
    app_plan = _only_app(plan_upgrade(diff))
    expected = ins.Update(M("app_sup"), "static", "default", ErlList())
    assert [s.instruction for s in app_plan.up] == [expected]
    assert [s.instruction for s in app_plan.down] == [expected]
    assert app_plan.up[0].reason.rule == "changed-supervisor"
    assert app_plan.up[0].suspends == ("app_sup (top supervisor of app)",)


def test_application_callback_is_loaded_with_a_warning() -> None:
    old, new = application_module("app_app", b"1"), application_module("app_app", b"2")
    plan = _plan_one(old, new, changed(old, new))
    (step,) = _only_app(plan).up
    assert step.instruction == ins.LoadModule(M("app_app"))
    assert step.reason.rule == "changed-application-callback"
    assert "application-callback-changed" in [w.code for w in plan.warnings]


def test_added_module_is_added_up_and_deleted_down() -> None:
    new = library("fresh")
    app_plan = _only_app(_plan_one(None, new, added(new)))
    assert app_plan.up == (
        PlannedInstruction(ins.AddModule(M("fresh")), Reason("added-module", "fresh added in 2.0")),
    )
    assert app_plan.down == (
        PlannedInstruction(
            ins.DeleteModule(M("fresh")),
            Reason("added-module", "fresh added in 2.0: deleted on downgrade"),
        ),
    )


def test_removed_module_is_deleted_up_and_added_back_down() -> None:
    old = library("gone")
    app_plan = _only_app(_plan_one(old, None, removed(old)))
    assert [s.instruction for s in app_plan.up] == [ins.DeleteModule(M("gone"))]
    assert [s.instruction for s in app_plan.down] == [ins.AddModule(M("gone"))]
    assert {s.reason.rule for s in (*app_plan.up, *app_plan.down)} == {"removed-module"}


def test_vsn_only_change_loads_nothing_but_says_so() -> None:
    old, new = library("lib", b"same"), library("lib", b"same")
    change = changed(old, new)
    assert change.vsn_only
    plan = _plan_one(old, new, change)
    assert _only_app(plan).up == ()
    assert _only_app(plan).down == ()
    assert [w.code for w in plan.warnings] == ["vsn-only-change"]


def test_library_becoming_a_gen_server_is_warned_but_hot() -> None:
    old, new = library("srv", b"1"), gen_server("srv", b"2")
    plan = _plan_one(old, new, changed(old, new))
    assert _only_app(plan).verdict == "hot"
    assert (
        PlanWarning(
            "module-kind-changed", A("app"), "srv was a library module and is now a process module"
        )
        in plan.warnings
    )


def test_gen_server_becoming_a_library_needs_a_restart() -> None:
    old, new = gen_server("srv", b"1"), library("srv", b"2")
    diff = release_diff(
        [side("app", "1.0", [old, TOP])],
        [side("app", "2.0", [new, TOP])],
        [upgraded("app", modules=[changed(old, new)])],
    )
    plan = plan_upgrade(diff, PlanOptions(fallback="restart"))
    app_plan = _only_app(plan)
    assert app_plan.verdict == "restart_application"
    assert "cannot change behaviour" in app_plan.verdict_reasons[0]


def test_instructions_follow_module_names_when_independent() -> None:
    olds = [library(name, b"1") for name in ("c", "a", "b")]
    news = [library(name, b"2") for name in ("c", "a", "b")]
    diff = release_diff(
        [side("app", "1.0", olds)],
        [side("app", "2.0", news)],
        [upgraded("app", modules=[changed(o, n) for o, n in zip(olds, news, strict=True)])],
    )
    app_plan = _only_app(plan_upgrade(diff))
    assert [s.instruction.module for s in app_plan.up] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert [s.instruction.module for s in app_plan.down] == ["c", "b", "a"]  # type: ignore[union-attr]
