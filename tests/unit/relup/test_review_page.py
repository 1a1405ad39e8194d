"""The review page's diagrams: one SVG per page slot, drawn by graphviz."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from conftest import require_tool

from relup.planning import PlanRequest, plan_release_upgrade
from relup.review_page import plan_diagrams
from render.plan_html import DIAGRAM_KEYS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "shop"


def test_every_page_slot_gets_an_svg_diagram() -> None:
    require_tool("dot", "graphviz's dot to draw the diagrams")
    request = PlanRequest(EXAMPLE / "rel-1.0.0", EXAMPLE / "rel-1.1.0", erlang_root=None)
    diagrams = plan_diagrams(plan_release_upgrade(request))
    assert list(diagrams) == list(DIAGRAM_KEYS)
    for key, svg in diagrams.items():
        assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg", key
    # Each timeline slot holds its own direction: the graphs are titled "Upgrade of" and
    # "Downgrade of".
    assert "Downgrade of" in diagrams["timeline-down"]
    assert "Upgrade of" in diagrams["timeline-up"]
