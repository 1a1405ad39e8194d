"""Golden outputs for the bundled example, compared byte for byte.

* ``shop/expected/relup``: ``relup relup`` on the hand-written appup;
* ``shop/expected/plan.txt``, ``plan.json``, ``shop.appup``, ``plan-relup``:
  ``relup plan`` with generated appups, and the relup made from them.

Run ``pytest tests/golden --update-golden`` after an intended change and
review the diff of ``tests/golden/*/expected`` like any other code.  The
erlang tests show the goldens are not just stable: real systools agrees.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from diffing.term_reader import read_first_term_file
from oracle.oracle import RelupBuilt, SystoolsOracle
from oracle.relup_compare import canonical
from relup import __version__
from relup.api import make_relup
from relup.planning import PlanRequest, plan_release_upgrade
from render.appup_file import render_appup
from render.plan_data import render_plan_json
from render.plan_text import render_plan_text
from render.relup_file import render_relup

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shop"
EXPECTED = Path(__file__).parent / "shop" / "expected"


def _compare(name: str, text: str, update_golden: bool) -> None:
    golden = EXPECTED / name
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden} differs"


def test_hand_written_relup_matches_golden(
    shop_trees: tuple[Path, Path], update_golden: bool
) -> None:
    old, new = shop_trees
    _, relup = make_relup(new, old, erlang_root=None)
    _compare("relup", render_relup(relup, __version__), update_golden)


def test_plan_matches_golden(update_golden: bool) -> None:
    request = PlanRequest(EXAMPLE / "rel-1.0.0", EXAMPLE / "rel-1.1.0", erlang_root=None)
    plan = plan_release_upgrade(request)
    assert plan.relup is not None
    (shop,) = plan.applications
    _compare("plan.txt", render_plan_text(plan), update_golden)
    _compare("plan.json", render_plan_json(plan), update_golden)
    _compare("shop.appup", render_appup(shop, __version__), update_golden)
    _compare("plan-relup", render_relup(plan.relup, __version__), update_golden)
    assert json.loads((EXPECTED / "plan.json").read_text(encoding="utf-8"))["schema_version"] == 2


@pytest.mark.erlang
@pytest.mark.parametrize(
    ("appup", "golden"), [("hand-written", "relup"), ("generated", "plan-relup")]
)
def test_golden_relups_are_what_systools_makes(
    appup: str,
    golden: str,
    shop_trees: tuple[Path, Path],
    systools_oracle: SystoolsOracle,
) -> None:
    """systools, given the same appup (hand-written, or the plan's), makes the same relup."""
    old, new = shop_trees
    target = new / "lib" / "shop-1.1.0" / "ebin" / "shop.appup"
    if appup == "generated":
        shutil.copy(EXPECTED / "shop.appup", target)
    rel = new / "releases" / "1.1.0" / "shop.rel"
    old_rel = old / "releases" / "1.0.0" / "shop.rel"
    path = [*sorted(new.glob("lib/*/ebin")), *sorted(old.glob("lib/*/ebin"))]
    outcome = systools_oracle.make_relup(rel, [old_rel], [old_rel], path=path)
    assert isinstance(outcome, RelupBuilt), outcome
    # shop_cart depends on shop_audit and on shop_price (which depends on shop_tax):
    # shop_audit and shop_price are unordered, which OTP leaves to its VM (§4.10).
    assert canonical(read_first_term_file(EXPECTED / golden)) == canonical(outcome.relup)
