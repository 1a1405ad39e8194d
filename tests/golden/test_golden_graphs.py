"""Golden DOT files of the bundled example's diagrams, and what graphviz makes of them.

``shop/expected/graph-VIEW-DIRECTION.dot`` is ``view_graph(plan, VIEW, DIRECTION)``
of ``relup plan examples/shop/rel-1.0.0 examples/shop/rel-1.1.0``, compared
byte for byte.  Run ``pytest tests/golden --update-golden`` after an intended
change and look at the diagrams (``dot -Tpng``) before committing.

Each golden file is then rendered by the real ``dot`` as SVG: the SVG must be
well-formed XML and its text must name what a reviewer looks for, as the diff
says it (not a list written here): every changed, added and removed module of
the upgraded applications, and the supervisors and children involved.

The mix example ``examples/counter`` 0.1.0 -> 0.2.0 has golden timeline and
order views too (``counter/expected/graph-VIEW-DIRECTION.dot``): they show
its consolidated-protocol steps in words and the changed protocols in a box
of their own, and the SVG names every changed protocol as well.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import require_tool

from relup.graph_output import render_dot
from relup.planning import PlanRequest, plan_release_upgrade
from render.graph_style import atom_text
from render.plan_graphs import DIRECTIONS, GRAPH_VIEWS, GraphView, view_graph
from upgrade.plan import UpgradePlan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shop"
EXPECTED = Path(__file__).parent / "shop" / "expected"
COUNTER = ROOT / "examples" / "counter"
COUNTER_EXPECTED = Path(__file__).parent / "counter" / "expected"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"
CASES = [(view, direction) for view in GRAPH_VIEWS for direction in DIRECTIONS]
COUNTER_CASES = [(view, direction) for view in ("order", "timeline") for direction in DIRECTIONS]


@pytest.fixture(scope="module")
def shop_plan() -> UpgradePlan:
    request = PlanRequest(EXAMPLE / "rel-1.0.0", EXAMPLE / "rel-1.1.0", erlang_root=None)
    return plan_release_upgrade(request)


@pytest.fixture(scope="module")
def counter_plan() -> UpgradePlan:
    request = PlanRequest(COUNTER / "rel-0.1.0", COUNTER / "rel-0.2.0", erlang_root=None)
    return plan_release_upgrade(request)


def _golden(view: str, direction: str, expected: Path = EXPECTED) -> Path:
    return expected / f"graph-{view}-{direction}.dot"


@pytest.mark.parametrize(("view", "direction"), CASES)
def test_graph_matches_golden(
    shop_plan: UpgradePlan, view: GraphView, direction: str, update_golden: bool
) -> None:
    source = view_graph(shop_plan, view, direction).source  # type: ignore[arg-type]
    golden = _golden(view, direction)
    if update_golden:
        golden.write_text(source, encoding="utf-8")
    assert source == golden.read_text(encoding="utf-8"), f"{golden} differs"


def changed_modules(plan: UpgradePlan) -> set[str]:
    """Every module the upgraded applications add, remove or change (code, not just -vsn)."""
    return {
        change.module
        for app in plan.diff.applications
        if app.status == "upgraded"
        for change in app.modules
        if not change.vsn_only
    }


def supervisors_involved(plan: UpgradePlan) -> set[str]:
    """The supervisors of the upgraded applications in NEW, and the children that come and go."""
    upgraded = {app.name for app in plan.applications}
    names = {
        facts.name
        for code in plan.diff.new.applications
        if code.name in upgraded
        for facts in code.modules
        if facts.supervisor is not None
    }
    for app in plan.diff.applications:
        names.update(change.supervisor for change in app.children)
    return names


def expected_names(plan: UpgradePlan, view: str) -> set[str]:
    names: set[str] = set()
    if view in ("order", "timeline", "all"):
        names |= changed_modules(plan)
    if view in ("tree", "all"):
        names |= supervisors_involved(plan)
    return names


def svg_text(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return "\n".join(element.text or "" for element in root.iter(SVG_TEXT))


def names_shown(text: str, name: str) -> bool:
    """``name`` as a whole word of the drawn text (shop_sup does not count for shop_sup2)."""
    shown = re.escape(atom_text(name))
    return re.search(rf"(?<![\w@']){shown}(?![\w@'])", text) is not None


@pytest.mark.parametrize(("view", "direction"), CASES)
def test_dot_renders_the_golden_svg_naming_what_changes(
    shop_plan: UpgradePlan, view: str, direction: str
) -> None:
    require_tool("dot", "graphviz")
    svg = render_dot(_golden(view, direction).read_text(encoding="utf-8"), "svg")
    text = svg_text(svg)
    wanted = expected_names(shop_plan, view)
    assert wanted, "the example changes nothing this view shows"
    missing = sorted(name for name in wanted if not names_shown(text, name))
    assert not missing, f"graph-{view}-{direction}: the SVG does not name {missing}"


@pytest.mark.parametrize(("view", "direction"), COUNTER_CASES)
def test_counter_graph_matches_golden(
    counter_plan: UpgradePlan, view: GraphView, direction: str, update_golden: bool
) -> None:
    source = view_graph(counter_plan, view, direction).source  # type: ignore[arg-type]
    golden = _golden(view, direction, COUNTER_EXPECTED)
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(source, encoding="utf-8")
    assert source == golden.read_text(encoding="utf-8"), f"{golden} differs"


def changed_protocols(plan: UpgradePlan) -> set[str]:
    """The consolidated protocols with something to load or delete, as the diff says."""
    consolidation = plan.diff.consolidated
    assert consolidation is not None
    return {change.module for change in consolidation.modules if not change.vsn_only}


@pytest.mark.parametrize(("view", "direction"), COUNTER_CASES)
def test_dot_renders_the_counter_svg_naming_modules_and_protocols(
    counter_plan: UpgradePlan, view: str, direction: str
) -> None:
    require_tool("dot", "graphviz")
    golden = _golden(view, direction, COUNTER_EXPECTED)
    text = svg_text(render_dot(golden.read_text(encoding="utf-8"), "svg"))
    wanted = changed_modules(counter_plan) | changed_protocols(counter_plan)
    missing = sorted(name for name in wanted if not names_shown(text, name))
    assert not missing, f"{golden.name}: the SVG does not name {missing}"
    assert "consolidated protocols" in text
