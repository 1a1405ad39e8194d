"""The human-readable plan: verdict, warnings first, then each application's steps and reasons."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given

from diffing.terms import Atom, erl_list
from render.plan_text import TEXT_WIDTH, render_plan_text
from unit.render.plan_samples import SHOP_PLAN, SHOP_PLAN_APP, UPGRADE_PLANS, assert_golden
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, PlanWarning, Reason, UpgradePlan


def test_shop_plan_matches_golden(update_golden: bool) -> None:
    assert_golden("shop-plan.txt", render_plan_text(SHOP_PLAN), update_golden)


def test_summary_line_gives_releases_and_verdict() -> None:
    first_line = render_plan_text(SHOP_PLAN).split("\n")[0]
    assert first_line == "Upgrade shop 1.0.0 -> 2.0.0: hot"


def test_warnings_come_before_applications() -> None:
    lines = render_plan_text(SHOP_PLAN).split("\n")
    warnings_at = lines.index("Warnings (2):")
    assert lines[warnings_at + 1].startswith("  update-module-not-in-child-spec (shop): shop_cart")
    assert warnings_at < lines.index("Applications added: shop_web 1.0.0")
    assert warnings_at < lines.index("shop 1.0.0 -> 1.1.0: hot (generated appup)")


def test_no_warnings_says_so() -> None:
    plan = dataclasses.replace(SHOP_PLAN, warnings=())
    assert "\nWarnings: none\n" in render_plan_text(plan)


def test_each_step_shows_short_erlang_reason_and_suspends() -> None:
    text = render_plan_text(SHOP_PLAN)
    assert (
        "    3. {update,shop_cart,{advanced,[]}}\n"
        "       why: shop_cart changed and exports code_change/3: "
        "its state is transformed with Extra []\n"
        "            [changed-process-module]\n"
        "       suspends: shop_sup/shop_cart\n"
    ) in text


def test_steps_without_suspends_have_no_suspends_line() -> None:
    text = render_plan_text(SHOP_PLAN)
    suspending_steps = sum(1 for step in SHOP_PLAN_APP.up + SHOP_PLAN_APP.down if step.suspends)
    assert text.count("suspends: ") == suspending_steps


def test_both_directions_are_listed_even_when_empty() -> None:
    app_plan = dataclasses.replace(SHOP_PLAN_APP, down=())
    text = render_plan_text(dataclasses.replace(SHOP_PLAN, applications=(app_plan,)))
    assert "  down to 1.0.0:\n    (no instructions)\n" in text


def test_long_terms_are_laid_out_within_the_width() -> None:
    children = (Atom(f"child_number_{number}") for number in range(12))
    apply = ins.Apply("supervisor", "start_child", erl_list(Atom("shop_sup"), *children))
    step = PlannedInstruction(apply, Reason("supervisor-child-added", "start it"))
    app_plan = dataclasses.replace(SHOP_PLAN_APP, up=(step,) * 10, down=())
    text = render_plan_text(dataclasses.replace(SHOP_PLAN, applications=(app_plan,)))
    assert all(len(line) <= TEXT_WIDTH for line in text.split("\n"))
    # Ten steps: numbers are right-aligned so the terms line up.
    assert "     1. {apply,\n" in text and "    10. {apply,\n" in text


def test_newlines_in_messages_do_not_break_the_layout() -> None:
    warning = PlanWarning("odd", None, "first\nsecond\n\nthird")
    plan = dataclasses.replace(SHOP_PLAN, warnings=(warning,))
    assert "Warnings (1):\n  odd: first second third\n\n" in render_plan_text(plan)


def test_release_names_differ() -> None:
    new = SHOP_PLAN.diff.new
    spec = dataclasses.replace(new.release.spec, name="shop_eu")
    diff = dataclasses.replace(
        SHOP_PLAN.diff,
        new=dataclasses.replace(new, release=dataclasses.replace(new.release, spec=spec)),
        erts=("13.0", "13.1"),
    )
    lines = render_plan_text(dataclasses.replace(SHOP_PLAN, diff=diff)).split("\n")
    assert lines[:3] == [
        "Upgrade shop 1.0.0 -> shop_eu 2.0.0: hot",
        "  - every upgraded application can be upgraded hot",
        "  ERTS 13.0 -> 13.1",
    ]


@given(UPGRADE_PLANS)
def test_one_reason_line_per_step_and_plain_text(plan: UpgradePlan) -> None:
    """Every step gets exactly one "why:" line, whatever its texts hold; no control characters."""
    text = render_plan_text(plan)
    steps = sum(len(app_plan.up) + len(app_plan.down) for app_plan in plan.applications)
    # At most 4 steps per script: "    N. " is 7 columns, and "why:" hangs under the term.
    why_lines = [line for line in text.split("\n") if re.match(r" {7}why: ", line)]
    assert len(why_lines) == steps
    assert all(char.isprintable() for line in text.split("\n") for char in line)
    assert text.endswith("\n") and not text.endswith("\n\n")
