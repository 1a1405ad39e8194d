"""The HTML review page of a plan (``relup plan --html FILE``): diagrams drawn, page assembled.

``render.plan_graphs`` gives each diagram as graphviz source and
``render.plan_html`` lays out the page; between them sits the one impure step,
running graphviz's ``dot`` to turn each diagram into SVG, which is why this
lives in ``relup/``.

Without ``dot`` the page is not written: an ``InputError`` (exit 3) says the
diagrams need graphviz and names the package to install, and the command fails
before printing or writing anything.  A page without its diagrams would drop
the supervision tree and the timelines a reviewer approves against, and a
note on standard error is easily missed in CI; a clear failure is not.
"""

from __future__ import annotations

from typing import Literal

from diffing.errors import InputError
from relup.graph_output import INSTALL_HINT, GraphvizMissingError, render_dot
from render.plan_graphs import view_graph
from render.plan_html import render_plan_html
from upgrade.plan import UpgradePlan

# Page key -> (view, direction) of render.plan_graphs.view_graph.  The tree and the
# load order are drawn for the upgrade; the downgrade has its own timeline.
_View = Literal["tree", "order", "timeline"]
_DIAGRAM_VIEWS: tuple[tuple[str, _View, Literal["up", "down"]], ...] = (
    ("tree", "tree", "up"),
    ("order", "order", "up"),
    ("timeline-up", "timeline", "up"),
    ("timeline-down", "timeline", "down"),
)


def plan_diagrams(plan: UpgradePlan) -> dict[str, str]:
    """Each diagram of the review page as SVG text, by page key.

    Raises:
        InputError: graphviz's ``dot`` is not installed.
        GraphvizError: ``dot`` failed on a diagram.
    """
    diagrams: dict[str, str] = {}
    for key, view, direction in _DIAGRAM_VIEWS:
        source: str = view_graph(plan, view, direction).source
        try:
            svg = render_dot(source, "svg")
        except GraphvizMissingError:
            message = f"the review page's diagrams need graphviz's 'dot' program: {INSTALL_HINT}"
            raise InputError(None, message) from None
        diagrams[key] = svg.decode("utf-8")
    return diagrams


def render_review_page(plan: UpgradePlan, relup_version: str) -> str:
    """The whole review page of ``plan``, diagrams included, marked as written by relup."""
    return render_plan_html(plan, plan_diagrams(plan), relup_version=relup_version)
