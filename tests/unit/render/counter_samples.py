"""The bundled mix release (examples/counter 0.1.0 -> 0.2.0) planned, for the protocol views.

``counter_plan()`` is what ``relup plan examples/counter/rel-0.1.0
examples/counter/rel-0.2.0`` plans: the consolidated protocols
``Elixir.Counter.Describe`` and ``Elixir.String.Chars`` changed.
``with_protocol_changes`` swaps the diff's protocol changes for others and
plans the protocol steps and the relup again, with the real planner and
translation, for the shapes the example lacks (protocols added, removed,
changed in ``-vsn`` only, or none changed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from diffing.changes import ChangeKind, ModuleChange
from diffing.release import ModuleName
from relup.planning import PlanRequest, plan_release_upgrade, relup_of_plan
from upgrade.plan import UpgradePlan
from upgrade.protocols import plan_protocols

ROOT = Path(__file__).resolve().parents[3]
COUNTER = ROOT / "examples" / "counter"
OLD, NEW = COUNTER / "rel-0.1.0", COUNTER / "rel-0.2.0"
DESCRIBE = ModuleName("Elixir.Counter.Describe")
CHARS = ModuleName("Elixir.String.Chars")


def counter_plan() -> UpgradePlan:
    return plan_release_upgrade(PlanRequest(OLD, NEW, erlang_root=None))


def protocol_change(name: str, kind: ChangeKind, vsn_only: bool = False) -> ModuleChange:
    """A consolidated protocol change; its facts are borrowed (only the name matters here)."""
    facts = counter_plan().diff.consolidated
    assert facts is not None
    borrowed = facts.modules[0].new
    assert borrowed is not None
    named = replace(borrowed, name=ModuleName(name))
    old = None if kind == "added" else named
    new = None if kind == "removed" else named
    return ModuleChange(ModuleName(name), kind, old, new, vsn_only)


def with_protocol_changes(plan: UpgradePlan, *changes: ModuleChange) -> UpgradePlan:
    """``plan`` as if its consolidated protocols had ``changes``, protocol steps and relup again."""
    assert plan.diff.consolidated is not None
    consolidated = replace(plan.diff.consolidated, modules=tuple(changes))
    diff = replace(plan.diff, consolidated=consolidated)
    again = replace(plan, diff=diff, protocols=plan_protocols(consolidated), relup=None)
    return replace(again, relup=relup_of_plan(again, diff.new.release, diff.old.release))
