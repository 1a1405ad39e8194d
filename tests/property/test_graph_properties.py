"""Properties of the plan diagrams over awkward names.

Every module, application, supervisor and child of ``graph_samples.store_plan``
is renamed to an arbitrary atom (quotes, spaces, backslashes, ``<b>``, control
characters, Unicode, reserved words, 255 characters), then planned and
translated for real.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conftest import require_tool
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from property.term_strategies import atom_names
from relup.graph_output import render_dot
from render.graph_style import atom_text, node_id
from render.plan_graphs import DIRECTIONS, GRAPH_VIEWS, view_graph
from unit.render.graph_samples import BASE_NAMES, dot_shape, renamer, store_plan
from upgrade.plan import UpgradePlan
from upgrade.verdicts import CORE_APPLICATIONS, ELIXIR_APPLICATIONS

DOT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Names the sample keeps as they are, and core applications (planned differently:
# OTP's and Elixir's own restart the emulator, so their modules are not in the load order).
KEPT = {"sasl_mod", *CORE_APPLICATIONS, *ELIXIR_APPLICATIONS}


@st.composite
def renamed_plans(draw: st.DrawFn) -> tuple[dict[str, str], UpgradePlan]:
    names = draw(
        st.lists(
            atom_names().filter(lambda name: name not in KEPT),
            min_size=len(BASE_NAMES),
            max_size=len(BASE_NAMES),
            unique=True,
        )
    )
    mapping = dict(zip(BASE_NAMES, names, strict=True))
    return mapping, store_plan(renamer(mapping))


class TestNodeIds:
    """Node ids are derived from names: distinct names give distinct ids, all plain DOT ids."""

    @given(st.lists(st.text(), min_size=1, max_size=4), st.lists(st.text(), min_size=1, max_size=4))
    def test_distinct_parts_give_distinct_ids(self, left: list[str], right: list[str]) -> None:
        if left != right:
            assert node_id(*left) != node_id(*right)

    @given(st.text(alphabet=st.characters(categories=("L",)), min_size=1), st.lists(st.text()))
    def test_ids_are_plain_identifiers(self, prefix: str, parts: list[str]) -> None:
        identifier = node_id("view", prefix, *parts)
        assert re.fullmatch(r"[A-Za-z0-9_]+", identifier)


class TestDiagramsOfAnyNames:
    """The same plan gives the same DOT text, whose ids are valid, unique and all declared."""

    @given(renamed_plans())
    def test_deterministic_with_valid_unique_ids(
        self, case: tuple[dict[str, str], UpgradePlan]
    ) -> None:
        mapping, plan = case
        again = store_plan(renamer(mapping))
        for view in GRAPH_VIEWS:
            for direction in DIRECTIONS:
                source = view_graph(plan, view, direction).source  # type: ignore[arg-type]
                assert source == view_graph(again, view, direction).source  # type: ignore[arg-type]
                shape = dot_shape(source)
                declared = [name for name, _ in shape.nodes]
                assert all(DOT_ID.fullmatch(name) for name in declared + shape.graphs)
                assert len(set(declared)) == len(declared)
                assert len(set(shape.graphs)) == len(shape.graphs)
                assert {end for t, h, _ in shape.edges for end in (t, h)} <= set(declared)


class TestDotReadsAnyNames:
    """graphviz's dot accepts the text, and the SVG shows each renamed name as Erlang writes it."""

    # Each example plans, translates and runs dot three times: no shrinking,
    # which would take minutes; the failing names are in the assertion message.
    @settings(max_examples=8, phases=(Phase.explicit, Phase.reuse, Phase.generate))
    @given(renamed_plans())
    def test_dot_renders_and_names_every_module_and_child(
        self, case: tuple[dict[str, str], UpgradePlan]
    ) -> None:
        require_tool("dot", "graphviz")
        mapping, plan = case
        shown_in = {
            ("order", "up"): ("store_a", "store_b", "store_cart", "store_old", "tools_util"),
            ("order", "down"): ("store_mailer", "store_sup", "fresh", "gone"),
            ("tree", "up"): ("store_sup", "store_pool_sup", "store_worker", "store_old"),
        }
        for (view, direction), names in shown_in.items():
            source = view_graph(plan, view, direction).source  # type: ignore[arg-type]
            text = _svg_words(render_dot(source, "svg"))
            for base in names:
                shown = " ".join(atom_text(mapping[base]).split())
                assert shown in text, (view, direction, base, shown)


def _svg_words(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return " ".join(
        " ".join((element.text or "").split())
        for element in root.iter("{http://www.w3.org/2000/svg}text")
    )
