"""Diagrams of an upgrade plan for reviewers, as graphviz graphs (pure: no ``dot`` run here).

Three views, each drawn for one direction (``up``: OLD to NEW, ``down``: back):

* ``tree``: NEW's supervision trees, marked with what the plan does to each
  process (``render.graph_tree``);
* ``order``: the modules the plan loads and deletes, numbered in the order the
  relup does them, with their DepMods and cycles (``render.graph_order``);
* ``timeline``: the relup's low-level steps, the point of no return and the
  suspend windows (``render.graph_timeline``).

``all`` is one graph holding the three as boxes side by side: graphviz renders
only the first graph of a file, so the views cannot simply be concatenated.
The DOT text is deterministic: node ids come from names, and everything is
emitted in plan, release or script order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import graphviz  # type: ignore[import-untyped]

from render import graph_style as gs
from render.graph_facts import Direction as Direction  # re-exported: part of this API
from render.graph_facts import versions
from render.graph_order import add_order_view
from render.graph_timeline import add_timeline_view
from render.graph_tree import add_tree_view
from upgrade.plan import UpgradePlan

GraphView = Literal["tree", "order", "timeline", "all"]
GRAPH_VIEWS: tuple[GraphView, ...] = ("tree", "order", "timeline", "all")
DIRECTIONS: tuple[Direction, ...] = ("up", "down")

_ViewBuilder = Callable[[graphviz.Digraph, UpgradePlan, Direction], None]
_VIEWS: dict[str, tuple[str, _ViewBuilder]] = {
    "tree": ("Supervision tree of the new release", add_tree_view),
    "order": ("Module load order", add_order_view),
    "timeline": ("Timeline of the relup", add_timeline_view),
}


def view_graph(
    plan: UpgradePlan, view: GraphView = "all", direction: Direction = "up"
) -> graphviz.Digraph:
    """One diagram of ``plan``: a single view, or all three in one graph.

    Args:
        plan: the upgrade plan (its relup is used by the order and timeline views
            when the plan has one).
        view: ``tree``, ``order``, ``timeline`` or ``all``.
        direction: ``up`` (the upgrade) or ``down`` (the downgrade).

    Returns:
        A ``graphviz.Digraph``; its ``source`` is the DOT text, byte-stable for a plan.
    """
    running, target = versions(plan, direction)
    name = plan.diff.new.release.name
    verb = "Upgrade" if direction == "up" else "Downgrade"
    graph = graphviz.Digraph(name=gs.node_id("relup", view, direction))
    graph.attr(
        label=gs.heading_label(f"{verb} of {name} from {running} to {target}", _subtitle(view)),
        labelloc="t",
        fontname=gs.FONT,
        rankdir="TB",
        nodesep="0.25",
        ranksep="0.3",
        newrank="true",
    )
    graph.attr("node", fontname=gs.FONT, fontsize="11", shape="box", margin="0.12,0.06")
    graph.attr("edge", fontname=gs.FONT, fontsize="9", color="#616161", arrowsize="0.7")
    if view == "all":
        for part, (heading, builder) in _VIEWS.items():
            with graph.subgraph(name=gs.cluster_id("view", part, direction)) as cluster:
                cluster.attr(label=gs.heading_label(heading), style="rounded", color="#424242")
                builder(cluster, plan, direction)
    else:
        _VIEWS[view][1](graph, plan, direction)
    return graph


def _subtitle(view: GraphView) -> str:
    if view == "all":
        return "supervision tree, module load order and timeline"
    return _VIEWS[view][0]
