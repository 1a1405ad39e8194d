"""The plan diagrams (``render.plan_graphs``) on a planned upgrade with every shape they draw.

The plan is ``graph_samples.store_plan``: made by the real planner and
translation, so the expectations below are about what the diagrams do with a
plan, read from the DOT text.
"""

from __future__ import annotations

import re

import pytest

from diffing.terms import NIL, Atom, erl_list
from render import graph_style as gs
from render.graph_steps import StepContext, describe_apply, describe_step
from render.graph_timeline import SuspendWindow, suspend_windows
from render.plan_graphs import DIRECTIONS, GRAPH_VIEWS, view_graph
from unit.render.graph_samples import dot_shape, label_text, restart_plan, store_plan
from upgrade import instructions as ins
from upgrade.plan import UpgradePlan

PLAN = store_plan()


def _tree(direction: str = "up") -> str:
    return view_graph(PLAN, "tree", direction).source  # type: ignore[arg-type]


def _id(view: str, direction: str, *parts: str) -> str:
    return gs.node_id(f"{view}{direction.capitalize()}", *parts)


# -- the whole graph --------------------------------------------------------------------


@pytest.mark.parametrize("view", GRAPH_VIEWS)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_edge_joins_declared_nodes_and_no_node_is_declared_twice(
    view: str, direction: str
) -> None:
    shape = dot_shape(view_graph(PLAN, view, direction).source)  # type: ignore[arg-type]
    declared = [name for name, _ in shape.nodes]
    assert len(declared) == len(set(declared))
    assert {end for tail, head, _ in shape.edges for end in (tail, head)} <= set(declared)
    assert len(shape.graphs) == len(set(shape.graphs))


def test_all_holds_the_three_views_as_clusters_of_one_graph() -> None:
    source = view_graph(PLAN, "all", "down").source
    assert source.count("digraph ") == 1
    for view in ("tree", "order", "timeline"):
        assert f"subgraph {gs.cluster_id('view', view, 'down')} {{" in source
        alone = dot_shape(view_graph(PLAN, view, "down").source)  # type: ignore[arg-type]
        assert set(alone.nodes) <= set(dot_shape(source).nodes)


def test_the_same_plan_gives_the_same_text() -> None:
    again = store_plan()
    for view in GRAPH_VIEWS:
        assert view_graph(PLAN, view).source == view_graph(again, view).source


# -- supervision tree -------------------------------------------------------------------


def test_tree_nests_supervisors_and_hangs_vanished_children_on_a_dashed_edge() -> None:
    shape = dot_shape(_tree())
    top = _id("tree", "up", "store", "store_sup")
    pool = _id("tree", "up", "store", "store_sup", "store_pool_sup")
    worker = _id("tree", "up", "store", "store_sup", "store_pool_sup", "store_worker")
    old = _id("tree", "up", "store", "store_sup", "removed", "store_old")
    assert {(top, pool), (pool, worker)} <= shape.visible_edges()
    (old_edge,) = [text for tail, head, text in shape.edges if (tail, head) == (top, old)]
    assert "dashed" in old_edge
    assert "child gone in 2.0" in shape.node(old)


@pytest.mark.parametrize(
    ("direction", "mailer_style", "old_style"),
    [("up", gs.ADDED, gs.REMOVED), ("down", gs.REMOVED, gs.ADDED)],
)
def test_tree_marks_children_started_and_stopped_in_the_direction_drawn(
    direction: str, mailer_style: gs.Style, old_style: gs.Style
) -> None:
    shape = dot_shape(_tree(direction))
    mailer = shape.node(_id("tree", direction, "store", "store_sup", "store_mailer"))
    old = shape.node(_id("tree", direction, "store", "store_sup", "removed", "store_old"))
    assert f'fillcolor="{mailer_style.fill}"' in mailer
    assert f'fillcolor="{old_style.fill}"' in old
    started, stopped = ("restart_child", "terminate_child")
    assert (started in mailer) == (direction == "up") == (stopped in old)


def test_tree_marks_suspended_processes_and_the_updated_supervisor() -> None:
    shape = dot_shape(_tree())
    cart = shape.node(_id("tree", "up", "store", "store_sup", "store_cart"))
    sup = shape.node(_id("tree", "up", "store", "store_sup"))
    worker = shape.node(_id("tree", "up", "store", "store_sup", "store_pool_sup", "store_worker"))
    assert f'fillcolor="{gs.SUSPENDED.fill}"' in cart
    assert "suspended while store_cart is updated" in cart
    assert f'fillcolor="{gs.SUPERVISOR_UPDATED.fill}"' in sup and "init/1 re-runs" in sup
    assert f'fillcolor="{gs.UNCHANGED.fill}"' in worker


def test_tree_lists_code_loaded_without_suspension_and_apps_without_supervisors() -> None:
    shape = dot_shape(_tree())
    store_note = label_text(shape.node(_id("tree", "up", "store", "modules")))
    tools_note = label_text(shape.node(_id("tree", "up", "tools", "modules")))
    assert "loaded, no process suspended: store_a, store_b" in store_note
    assert "added: store_mailer" in store_note and "deleted: store_old" in store_note
    assert "no supervisor in this application" in tools_note
    assert "started with all its processes" in shape.node(_id("tree", "up", "app", "fresh"))


def test_tree_marks_every_process_of_a_restarted_application() -> None:
    plan = restart_plan()
    shape = dot_shape(view_graph(plan, "tree", "up").source)
    for parts in (("tools", "tools_sup"), ("tools", "tools_sup", "tools_srv")):
        node = shape.node(_id("tree", "up", *parts))
        assert f'fillcolor="{gs.RESTARTED.fill}"' in node
        assert "restarted with its application" in node
    order = dot_shape(view_graph(plan, "order", "up").source)
    restart = label_text(order.node(_id("order", "up", "application", "tools", "restart")))
    assert restart.startswith("1. tools restart_application: stopped, 2 modules reloaded")


# -- load order -------------------------------------------------------------------------


def _numbers(direction: str) -> dict[str, int]:
    """Node id -> the number in its title."""
    shape = dot_shape(view_graph(PLAN, "order", direction).source)  # type: ignore[arg-type]
    numbers = {}
    for name, text in shape.nodes:
        found = re.search(r"<B>(\d+)\. ", text)
        if found:
            numbers[name] = int(found[1])
    return numbers


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_order_numbers_follow_the_relup_script(direction: str) -> None:
    assert PLAN.relup is not None
    entry = PLAN.relup.up[0] if direction == "up" else PLAN.relup.down[0]
    loaded = [step.module for step in entry.instructions if isinstance(step, ins.Load | ins.Remove)]
    numbers = _numbers(direction)
    modules = ("store_a", "store_b", "store_cart", "store_mailer", "store_old", "store_sup")
    by_number = sorted(modules, key=lambda m: numbers[_id("order", direction, "module", m)])
    assert by_number == sorted(modules, key=loaded.index)
    entering = "fresh" if direction == "up" else "gone"
    assert numbers[_id("order", direction, "application", entering, "enter")] == 1


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_order_arrows_point_from_the_step_done_first(direction: str) -> None:
    shape = dot_shape(view_graph(PLAN, "order", direction).source)  # type: ignore[arg-type]
    store_a = _id("order", direction, "module", "store_a")
    cart = _id("order", direction, "module", "store_cart")
    numbers = _numbers(direction)
    for tail, head in shape.visible_edges():
        if {tail, head} != {store_a, _id("order", direction, "module", "store_b")}:
            assert numbers[tail] < numbers[head], (tail, head)
    expected = (store_a, cart) if direction == "up" else (cart, store_a)
    assert expected in shape.visible_edges()


def test_order_boxes_a_dependency_cycle_inside_its_application() -> None:
    source = view_graph(PLAN, "order", "up").source
    application = source.index(f"subgraph {gs.cluster_id('orderUp', 'store')} {{")
    cycle = source.index("dependency cycle: one block")
    members = [source.index(_id("order", "up", "module", m) + " [") for m in ("store_a", "store_b")]
    assert application < cycle < min(members)
    assert source.index(_id("order", "up", "module", "store_cart") + " [") > max(members)


# -- timeline ---------------------------------------------------------------------------


def _suspend(*modules: str) -> ins.Suspend:
    return ins.Suspend(tuple(ins.SuspendEntry(m) for m in modules))


def test_suspend_windows_pair_each_suspend_with_its_resume() -> None:
    script = (
        ins.POINT_OF_NO_RETURN,
        _suspend("a", "b"),
        ins.Load("a"),
        ins.Resume(("a", "b")),
        _suspend("c"),
        _suspend("d"),
        ins.Resume(("c",)),
        ins.Load("e"),
    )
    assert suspend_windows(script) == (
        SuspendWindow(1, 3, ("a", "b")),
        SuspendWindow(4, 6, ("c",)),
        SuspendWindow(5, 7, ("d",)),  # never resumed: to the end
    )


def test_windows_that_overlap_partly_are_written_on_their_steps_instead() -> None:
    upgrade = PLAN.relup
    assert upgrade is not None
    script = (
        ins.POINT_OF_NO_RETURN,
        _suspend("c"),
        _suspend("d"),
        ins.Resume(("c",)),
        ins.Resume(("d",)),
    )
    entry = type(upgrade.up[0])(upgrade.up[0].vsn, upgrade.up[0].description, script)
    plan = _with_script(PLAN, entry)
    source = view_graph(plan, "timeline", "up").source
    assert source.count("suspended</B>") == 1  # only the first window is a box
    assert "while processes running d suspended" in source


def _with_script(plan: UpgradePlan, entry: object) -> UpgradePlan:
    from dataclasses import replace

    assert plan.relup is not None
    return replace(plan, relup=replace(plan.relup, up=(entry,)))  # type: ignore[arg-type]


def test_timeline_boxes_preparation_windows_and_applications() -> None:
    source = view_graph(PLAN, "timeline", "up").source
    shape = dot_shape(source)
    assert PLAN.relup is not None
    script = PLAN.relup.up[0].instructions
    assert len([n for n, _ in shape.nodes if "_s_step_s_" in n]) == len(script)
    point = script.index(ins.POINT_OF_NO_RETURN)
    preparation = source[source.index("Preparation: nothing changes yet") :]
    preparation = preparation[: preparation.index("\t}")]
    assert preparation.count(" [label=") == point
    for heading in (
        "fresh 1.0 starts",
        "store 1.0 -&gt; 2.0",
        "gone 1.0 stops",
        "store_sup/store_cart suspended",
    ):
        assert heading in source


def test_a_plan_without_relup_still_draws_every_view() -> None:
    plan = store_plan(with_relup=False)
    for view in GRAPH_VIEWS:
        for direction in DIRECTIONS:
            source = view_graph(plan, view, direction).source  # type: ignore[arg-type]
            assert source.startswith("digraph ")
    assert "this plan has no relup" in view_graph(plan, "timeline").source
    numbers = _numbers_of(plan)
    assert numbers["fresh"] == 1 and numbers["gone"] == max(numbers.values())


def _numbers_of(plan: UpgradePlan) -> dict[str, int]:
    shape = dot_shape(view_graph(plan, "order", "up").source)
    found = {}
    for _, text in shape.nodes:
        match = re.search(r"<B>(\d+)\. (\S+?)[ <]", text)
        if match:
            found[match[2]] = int(match[1])
    return found


# -- steps in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "arguments", "style", "title"),
    [
        ("restart_child", [Atom("s"), Atom("c")], gs.ADDED, "start child c of s"),
        ("terminate_child", [Atom("s"), Atom("c")], gs.REMOVED, "stop child c of s"),
        ("delete_child", [Atom("s"), Atom("c")], gs.REMOVED, "delete child spec c from s"),
    ],
)
def test_supervisor_applies_in_words(
    function: str, arguments: list[Atom], style: gs.Style, title: str
) -> None:
    text = describe_apply(ins.Apply("supervisor", function, erl_list(*arguments)))
    assert (text.style, text.title) == (style, title)


def test_application_applies_and_other_calls_in_words() -> None:
    start = ins.Apply("application", "start", erl_list(Atom("web"), Atom("permanent")))
    assert describe_apply(start).title == "start application web"
    other = describe_apply(ins.Apply("shop_migrate", "run", erl_list(NIL)))
    assert other.title == "call shop_migrate:run" and other.details == ("with [[]]",)


def test_load_names_whose_code_it_loads() -> None:
    context = StepContext({"m": "app 2.0"}, {})
    assert describe_step(ins.Load("m"), context).details == ("code of app 2.0",)
