"""Every rule id and warning code the planner can produce is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PLANNER_MODULES = (
    "app_drafts",
    "children",
    "handwritten",
    "placement",
    "plan_warnings",
    "planner",
    "planning_rules",
    "protocols",
    "verdicts",
    "check",
)
STABLE_ID = re.compile(r"[a-z]+(?:-[a-z]+)+")


def _stable_ids() -> set[str]:
    """String constants shaped like ``rule-id`` in the planner's modules."""
    found = set()
    for name in PLANNER_MODULES:
        tree = ast.parse((ROOT / "upgrade" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and STABLE_ID.fullmatch(node.value):  # type: ignore[attr-defined]
                found.add(node.value)  # type: ignore[attr-defined]
    return found


def test_ids_are_found() -> None:
    ids = _stable_ids()
    assert {"changed-process-module", "update-not-in-child-spec", "dependency-cycle"} <= ids


def test_every_rule_and_warning_is_documented() -> None:
    documented = "\n".join(
        (ROOT / "docs" / name).read_text(encoding="utf-8")
        for name in ("planning.md", "warnings.md")
    )
    missing = sorted(i for i in _stable_ids() if f"`{i}`" not in documented)
    assert not missing, missing
