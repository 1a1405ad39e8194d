"""Supervisor children started and stopped around the module steps; what updates suspend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from diffing.changes import ChildChange
from diffing.code_facts import ChildSpec, ModuleFacts
from diffing.terms import Atom, ErlList, erl_list
from unit.upgrade.plan_builders import (
    M,
    added,
    changed,
    child_added,
    child_removed,
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
from upgrade.options import PlanOptions
from upgrade.plan import PlanError, UpgradePlan
from upgrade.planner import plan_upgrade

CART = worker_spec("cart")
MAILER = worker_spec("mailer")


def _call(function: str, *arguments: object) -> ins.Apply:
    return ins.Apply("supervisor", function, erl_list(*arguments))  # type: ignore[arg-type]


def _plan(
    old: list[ModuleFacts],
    new: list[ModuleFacts],
    modules: list[object],
    children: list[ChildChange],
    options: PlanOptions | None = None,
) -> UpgradePlan:
    diff = release_diff(
        [side("shop", "1.0", old)],
        [side("shop", "2.0", new)],
        [upgraded("shop", modules=modules, children=children)],  # type: ignore[arg-type]
    )
    return plan_upgrade(diff) if options is None else plan_upgrade(diff, options)


def _sup_pair(
    old_specs: list[ChildSpec], new_specs: list[ChildSpec], **fields: object
) -> tuple[ModuleFacts, ModuleFacts]:
    return (
        supervisor("shop_sup", old_specs, b"1", **fields),  # type: ignore[arg-type]
        supervisor("shop_sup", new_specs, b"2", **fields),  # type: ignore[arg-type]
    )


def test_new_child_starts_after_the_supervisor_update_and_its_module() -> None:
    old_sup, new_sup = _sup_pair([CART], [CART, MAILER])
    mailer, cart = gen_server("mailer"), gen_server("cart")
    plan = _plan(
        [old_sup, cart],
        [new_sup, cart, mailer],
        [changed(old_sup, new_sup), added(mailer)],
        [child_added("shop_sup", MAILER)],
    )
    (app_plan,) = plan.applications
    start = _call("restart_child", Atom("shop_sup"), Atom("mailer"))
    up = [step.instruction for step in app_plan.up]
    assert up == [ins.AddModule(M("mailer")), _sup_update(), start]
    assert app_plan.up[-1].reason.rule == "child-added"
    down = [step.instruction for step in app_plan.down]
    assert down == [
        _call("terminate_child", Atom("shop_sup"), Atom("mailer")),
        _call("delete_child", Atom("shop_sup"), Atom("mailer")),
        _sup_update(),
        ins.DeleteModule(M("mailer")),
    ]
    # In the relup too: the child starts after the supervisor's code_change.
    script = translated(plan, "up")
    code_change = script.index(ins.CodeChange("up", ((M("shop_sup"), ErlList()),)))
    assert script.index(start) > code_change
    assert loads(translated(plan, "down")) == ["+shop_sup", "-mailer"]


def test_child_gone_is_stopped_before_its_module_is_deleted() -> None:
    old_sup, new_sup = _sup_pair([CART, MAILER], [CART])
    mailer = gen_server("mailer")
    plan = _plan(
        [old_sup, mailer],
        [new_sup],
        [changed(old_sup, new_sup), removed(mailer)],
        [child_removed("shop_sup", MAILER)],
    )
    (app_plan,) = plan.applications
    assert [step.instruction for step in app_plan.up] == [
        _call("terminate_child", Atom("shop_sup"), Atom("mailer")),
        _call("delete_child", Atom("shop_sup"), Atom("mailer")),
        ins.DeleteModule(M("mailer")),
        _sup_update(),
    ]
    assert [step.instruction for step in app_plan.down] == [
        _sup_update(),
        ins.AddModule(M("mailer")),
        _call("restart_child", Atom("shop_sup"), Atom("mailer")),
    ]
    assert {step.reason.rule for step in app_plan.up[:2]} == {"child-removed"}


def test_several_children_stop_in_reverse_order_and_start_in_spec_order() -> None:
    first, second = worker_spec("first", ["cart"]), worker_spec("second", ["cart"])
    old_sup, new_sup = _sup_pair([CART], [CART, first, second])
    plan = _plan(
        [old_sup],
        [new_sup],
        [changed(old_sup, new_sup)],
        [child_added("shop_sup", first), child_added("shop_sup", second)],
    )
    (app_plan,) = plan.applications
    assert [step.instruction for step in app_plan.up][1:] == [
        _call("restart_child", Atom("shop_sup"), Atom("first")),
        _call("restart_child", Atom("shop_sup"), Atom("second")),
    ]
    stops = [step.instruction for step in app_plan.down][:4]
    assert [s.arguments.items[1] for s in stops] == [  # type: ignore[union-attr]
        Atom("second"),
        Atom("second"),
        Atom("first"),
        Atom("first"),
    ]


def test_supervisor_without_registered_name_cannot_be_addressed() -> None:
    old_sup, new_sup = _sup_pair([CART], [CART, MAILER], registered=None)
    arguments = (
        [old_sup],
        [new_sup],
        [changed(old_sup, new_sup)],
        [child_added("shop_sup", MAILER)],
    )
    with pytest.raises(PlanError) as caught:
        _plan(*arguments)  # type: ignore[arg-type]
    assert caught.value.exit_code == 1
    assert "shop: supervisor shop_sup adds or removes children but has no registered name" in str(
        caught.value
    )
    assert "--fallback restart" in str(caught.value)

    plan = _plan(*arguments, options=PlanOptions(fallback="restart"))  # type: ignore[arg-type]
    (app_plan,) = plan.applications
    restart = ins.RestartApplication(app_plan.name)
    assert [s.instruction for s in app_plan.up] == [restart]
    assert [s.instruction for s in app_plan.down] == [restart]
    assert app_plan.up[0].reason.rule == "fallback-restart"
    assert app_plan.verdict == plan.verdict == "restart_application"
    assert plan.verdict_reasons == tuple(f"shop: {r}" for r in app_plan.verdict_reasons)


def test_supervisor_whose_name_changed_cannot_be_addressed() -> None:
    old_sup = supervisor("shop_sup", [CART], b"1", registered="old_name")
    new_sup = supervisor("shop_sup", [CART, MAILER], b"2", registered="new_name")
    plan = _plan(
        [old_sup],
        [new_sup],
        [changed(old_sup, new_sup)],
        [child_added("shop_sup", MAILER)],
        PlanOptions(fallback="restart"),
    )
    assert "registered name changed (old_name -> new_name)" in plan.verdict_reasons[0]


def test_changed_child_spec_is_replaced_in_place_with_a_warning() -> None:
    longer = replace(CART, term=(*CART.term[:3], 10000, *CART.term[4:]))  # type: ignore[misc]
    old_sup, new_sup = _sup_pair([CART], [longer])
    change = ChildChange(M("shop_sup"), "changed", CART.id, CART, longer)
    plan = _plan([old_sup], [new_sup], [changed(old_sup, new_sup)], [change])
    (app_plan,) = plan.applications
    assert [step.instruction for step in app_plan.up] == [_sup_update()]
    assert "child-spec-changed" in [w.code for w in plan.warnings]


def test_inline_elixir_supervisor_children_use_start_child_with_the_literal_spec() -> None:
    old_sup, new_sup = _sup_pair([CART], [CART, MAILER], inline=True, registered="Shop.Sup")
    plan = _plan(
        [old_sup], [new_sup], [changed(old_sup, new_sup)], [child_added("shop_sup", MAILER)]
    )
    (app_plan,) = plan.applications
    name = Atom("Shop.Sup")
    assert [step.instruction for step in app_plan.up] == [
        ins.LoadModule(M("shop_sup")),
        _call("start_child", name, MAILER.term),
    ]
    assert [step.instruction for step in app_plan.down] == [
        _call("terminate_child", name, Atom("mailer")),
        _call("delete_child", name, Atom("mailer")),
        ins.LoadModule(M("shop_sup")),
    ]
    assert "elixir-inline-supervisor" in [w.code for w in plan.warnings]


def test_inline_elixir_child_that_changed_is_restarted_with_its_new_spec() -> None:
    longer = replace(CART, term=(*CART.term[:3], 10000, *CART.term[4:]))  # type: ignore[misc]
    old_sup, new_sup = _sup_pair([CART], [longer], inline=True, registered="Shop.Sup")
    change = ChildChange(M("shop_sup"), "changed", CART.id, CART, longer)
    plan = _plan([old_sup], [new_sup], [changed(old_sup, new_sup)], [change])
    (app_plan,) = plan.applications
    name = Atom("Shop.Sup")
    assert [step.instruction for step in app_plan.up] == [
        _call("terminate_child", name, Atom("cart")),
        _call("delete_child", name, Atom("cart")),
        ins.LoadModule(M("shop_sup")),
        _call("start_child", name, longer.term),
    ]
    assert [step.instruction for step in app_plan.down][-1] == _call("start_child", name, CART.term)
    assert "child-restarted" in [w.code for w in plan.warnings]


def test_inline_child_without_literal_spec_needs_a_restart() -> None:
    partial = replace(MAILER, literal=False)
    old_sup, new_sup = _sup_pair([CART], [CART, partial], inline=True, registered="Shop.Sup")
    plan = _plan(
        [old_sup],
        [new_sup],
        [changed(old_sup, new_sup)],
        [child_added("shop_sup", partial)],
        PlanOptions(fallback="restart"),
    )
    assert plan.verdict == "restart_application"
    assert "no literal child spec" in plan.verdict_reasons[0]


def test_supervisor_with_unreadable_specs_is_named_in_a_warning() -> None:
    old_sup, new_sup = _sup_pair([CART], [CART], complete=False)
    plan = _plan([old_sup], [new_sup], [changed(old_sup, new_sup)], [])
    warnings = [w for w in plan.warnings if w.code == "child-specs-not-static"]
    assert len(warnings) == 1
    assert warnings[0].message.startswith("supervisor shop_sup changed but its child specs")


def test_update_of_a_module_in_no_child_spec_is_warned() -> None:
    sup = supervisor("shop_sup", [CART])
    old_loner, new_loner = gen_server("loner", b"1"), gen_server("loner", b"2")
    plan = _plan([sup, old_loner], [sup, new_loner], [changed(old_loner, new_loner)], [])
    (app_plan,) = plan.applications
    assert app_plan.up[0].suspends == ()
    warnings = [w for w in plan.warnings if w.code == "update-not-in-child-spec"]
    assert [w.message.split(" is updated")[0] for w in warnings] == ["loner"]
    assert "on upgrade and downgrade" in warnings[0].message


def test_suspends_come_from_the_running_release_in_each_direction() -> None:
    # v1 lists cart under its own spec; v2 moves it into a pool's spec.
    old_sup = supervisor("shop_sup", [CART])
    new_sup = supervisor("shop_sup", [CART, worker_spec("pool", ["pool", "cart"])], b"2")
    old_cart, new_cart = gen_server("cart", b"1"), gen_server("cart", b"2")
    plan = _plan(
        [old_sup, old_cart],
        [new_sup, new_cart],
        [changed(old_sup, new_sup), changed(old_cart, new_cart)],
        [child_added("shop_sup", worker_spec("pool", ["pool", "cart"]))],
    )
    (app_plan,) = plan.applications
    up_cart = next(s for s in app_plan.up if getattr(s.instruction, "module", "") == "cart")
    down_cart = next(s for s in app_plan.down if getattr(s.instruction, "module", "") == "cart")
    assert up_cart.suspends == ("shop_sup/cart",)
    assert down_cart.suspends == ("shop_sup/cart", "shop_sup/pool")


def test_event_handlers_are_found_through_dynamic_children() -> None:
    events = ChildSpec(Atom("events"), M("gen_event"), "worker", "dynamic", True, Atom("x"))
    sup = supervisor("shop_sup", [events])
    old_handler = replace(gen_server("handler", b"1", behaviour="gen_event"))
    new_handler = replace(gen_server("handler", b"2", behaviour="gen_event"))
    plan = _plan([sup, old_handler], [sup, new_handler], [changed(old_handler, new_handler)], [])
    assert plan.applications[0].up[0].suspends == ("shop_sup/events (if the handler is installed)",)


def test_no_top_supervisor_is_assumed_when_several_are_unlisted() -> None:
    a_old, a_new = supervisor("a_sup", [], b"1"), supervisor("a_sup", [], b"2")
    b_sup = supervisor("b_sup", [])
    plan = _plan([a_old, b_sup], [a_new, b_sup], [changed(a_old, a_new)], [])
    assert plan.applications[0].up[0].suspends == ()
    assert "update-not-in-child-spec" in [w.code for w in plan.warnings]


def _sup_update() -> ins.Update:
    return ins.Update(M("shop_sup"), "static", "default", ErlList())


def test_dependency_block_pulled_ahead_of_child_stops_is_warned() -> None:
    old_y, new_y = library("y", b"1"), library("y", b"2")
    old_x, new_x = library("x", b"1", ["y"]), library("x", b"2", ["y"])
    old_sup, new_sup = _sup_pair([CART, MAILER], [CART])
    diff = release_diff(
        [side("one", "1.0", [old_y]), side("shop", "1.0", [old_sup, old_x])],
        [side("one", "2.0", [new_y]), side("shop", "2.0", [new_sup, new_x])],
        [
            upgraded("one", modules=[changed(old_y, new_y)]),
            upgraded(
                "shop",
                modules=[changed(old_sup, new_sup), changed(old_x, new_x)],
                children=[child_removed("shop_sup", MAILER)],
            ),
        ],
    )
    plan = plan_upgrade(diff)
    moved = [w for w in plan.warnings if w.code == "dependency-block-moved"]
    assert [(w.application, w.message.split(",")[1]) for w in moved] == [
        ("shop", " x is linked by DepMods to a module of an earlier application")
    ]
    # What the warning is about, in the relup systools builds: x loads before the stop.
    script = translated(plan, "up")
    stop = script.index(_call("terminate_child", Atom("shop_sup"), Atom("mailer")))
    assert script.index(ins.Load(M("x"))) < stop
