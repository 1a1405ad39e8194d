"""Golden HTML review page of the bundled example (``relup plan --html``), byte for byte.

The page is compared with stand-in diagrams, one small fixed SVG per view:
the real ones come from graphviz, whose SVG differs between graphviz
versions, and the diagrams have their own golden DOT files.  What this golden
pins is the page itself: summary, warnings, what happens, the step tables and
the relup, and where each diagram goes.  ``tests/cli/test_plan_html_command.py``
checks the page with the real diagrams, and ``tests/browser`` looks at it in
Chromium.  After an intended change: ``pytest tests/golden --update-golden``,
then review the diff of ``tests/golden/shop/expected/review.html``.
"""

from __future__ import annotations

from pathlib import Path

from relup import __version__
from relup.planning import PlanRequest, plan_release_upgrade
from render.plan_html import DIAGRAM_KEYS, render_plan_html

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shop"
GOLDEN = Path(__file__).parent / "shop" / "expected" / "review.html"


def stand_in_diagram(key: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<svg width="240pt" height="40pt" viewBox="0 0 240 40" '
        'xmlns="http://www.w3.org/2000/svg">\n'
        f'<g id="graph0"><text x="8" y="24">{key}: drawn by dot in the real page</text></g>\n'
        "</svg>\n"
    )


def test_review_page_matches_golden(update_golden: bool) -> None:
    request = PlanRequest(EXAMPLE / "rel-1.0.0", EXAMPLE / "rel-1.1.0", erlang_root=None)
    plan = plan_release_upgrade(request)
    diagrams = {key: stand_in_diagram(key) for key in DIAGRAM_KEYS}
    page = render_plan_html(plan, diagrams, relup_version=__version__)
    if update_golden:
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8"), f"{GOLDEN} differs"
