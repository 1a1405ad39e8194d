"""Planning the bundled Elixir example (examples/counter) end to end.

The plan's appups go through real systools (the oracle): it reads our appup
text, Elixir module names included, and translates it into the very relup
relup makes, apart from the consolidated-protocol steps relup adds around it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from diffing.release import ModuleName
from diffing.term_reader import read_first_term_file
from diffing.terms import Atom, ErlList, Term, erl_list
from oracle.oracle import SystoolsOracle
from oracle.outcomes import RelupBuilt
from relup.planning import PlanRequest, plan_files, plan_release_upgrade, write_files
from render.plan_data import plan_to_data
from render.plan_text import render_plan_text
from render.relup_file import relup_to_term
from upgrade import instructions as ins
from upgrade.plan import AppPlan, UpgradePlan

ROOT = Path(__file__).resolve().parents[3]
COUNTER = ROOT / "examples" / "counter"
OLD, NEW = COUNTER / "rel-0.1.0", COUNTER / "rel-0.2.0"
SUPERVISOR = Atom("Elixir.Counter.Supervisor")
TICKER = Atom("Elixir.Counter.Ticker")


def _plan(old: Path = OLD, new: Path = NEW) -> UpgradePlan:
    return plan_release_upgrade(PlanRequest(old, new, erlang_root=None))


def _counter(plan: UpgradePlan) -> AppPlan:
    (app_plan,) = [app for app in plan.applications if app.name == "counter"]
    return app_plan


def test_the_counter_upgrade_is_hot_with_the_ticker_started_by_elixir_s_supervisor() -> None:
    plan = _plan()
    assert plan.verdict == "hot"
    counter = _counter(plan)
    up = [step.instruction for step in counter.up]
    down = [step.instruction for step in counter.down]
    assert up[-1] == ins.Apply(
        "Elixir.Supervisor", "start_child", erl_list(SUPERVISOR, (TICKER, 0))
    )
    assert down[:2] == [
        ins.Apply("supervisor", "terminate_child", erl_list(SUPERVISOR, TICKER)),
        ins.Apply("supervisor", "delete_child", erl_list(SUPERVISOR, TICKER)),
    ]
    (update,) = [step for step in counter.up if isinstance(step.instruction, ins.Update)]
    assert update.instruction == ins.Update(ModuleName("Elixir.Counter.Server"), extra=ErlList())
    assert update.suspends == ("Elixir.Counter.Application/Elixir.Counter.Server",)
    assert "update-not-in-child-spec" not in [warning.code for warning in plan.warnings]


def test_the_shadowed_protocol_module_gets_no_appup_instruction() -> None:
    counter = _counter(_plan())
    named = {getattr(step.instruction, "module", None) for step in (*counter.up, *counter.down)}
    assert "Elixir.Counter.Describe" not in named
    assert "Elixir.Counter.Describe.Counter.Ticker" in named  # the implementations do


def _relup_term(plan: UpgradePlan) -> Term:
    assert plan.relup is not None
    return relup_to_term(plan.relup)


def _script(plan: UpgradePlan, direction: int) -> list[Term]:
    match _relup_term(plan):
        case (
            _,
            ErlList(items=((_, _, ErlList(items=up)),)),
            ErlList(items=((_, _, ErlList(items=down)),)),
        ):
            return list(up if direction == 0 else down)
    raise AssertionError("unexpected relup shape")


def _is_eval(term: Term) -> bool:
    match term:
        case (Atom("apply"), (Atom("Elixir.Code"), Atom("eval_string"), ErlList(items=(bytes(),)))):
            return True
    return False


def test_the_relup_loads_consolidated_protocols_last_up_and_first_down() -> None:
    plan = _plan()
    assert plan.protocols is not None
    up, down = _script(plan, 0), _script(plan, 1)
    point_up, point_down = (
        up.index(Atom("point_of_no_return")),
        down.index(Atom("point_of_no_return")),
    )
    assert [i for i, term in enumerate(up) if _is_eval(term)] == [point_up - 1, len(up) - 1]
    assert [i for i, term in enumerate(down) if _is_eval(term)] == [point_down - 1, point_down + 1]


def test_the_plan_shows_the_protocol_steps_as_text_and_as_schema_valid_data() -> None:
    plan = _plan()
    text = render_plan_text(plan)
    assert (
        "consolidated protocols releases/0.1.0/consolidated -> releases/0.2.0/consolidated" in text
    )
    assert "[consolidated-protocols-changed]" in text
    data = plan_to_data(plan)
    schema = json.loads((ROOT / "docs" / "plan-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    protocols = data["protocols"]
    assert isinstance(protocols, dict)
    assert [step["reason"]["rule"] for step in protocols["up"]] == [
        "consolidated-protocols-changed"
    ]
    diff = data["diff"]
    assert isinstance(diff, dict)
    assert diff["consolidated"]["modules"]["changed"] == [
        "Elixir.Counter.Describe",
        "Elixir.String.Chars",
    ]


def test_a_relx_plan_has_no_protocols_key(shop_trees: tuple[Path, Path]) -> None:
    old, new = shop_trees
    plan = plan_release_upgrade(PlanRequest(old, new, erlang_root=None, regenerate=True))
    assert plan.protocols is None
    assert "protocols" not in plan_to_data(plan)
    assert "consolidated" not in plan_to_data(plan)["diff"]  # type: ignore[operator]


def _with_elixir(tree: Path, vsn: str) -> None:
    """Pretend the tree was built by Elixir VSN: its .rel and lib/elixir-VSN say so."""
    rel = next((tree / "releases").glob("*/counter.rel"))
    rel.write_text(rel.read_text().replace('{elixir,"1.14.0"', f'{{elixir,"{vsn}"'))
    lib = tree / "lib" / "elixir-1.14.0"
    app = lib / "ebin" / "elixir.app"
    app.write_text(app.read_text().replace('{vsn,"1.14.0"}', f'{{vsn,"{vsn}"}}'))
    lib.rename(tree / "lib" / f"elixir-{vsn}")


def test_a_new_elixir_version_restarts_the_emulator(tmp_path: Path) -> None:
    new = shutil.copytree(NEW, tmp_path / "new")
    _with_elixir(new, "1.14.1")
    plan = _plan(OLD, new)
    (elixir,) = [app for app in plan.applications if app.name == "elixir"]
    assert [step.instruction for step in elixir.up] == [ins.RESTART_EMULATOR]
    assert [step.instruction for step in elixir.down] == [ins.RESTART_EMULATOR]
    assert elixir.up[0].reason.rule == "elixir-application-changed"
    assert (elixir.verdict, plan.verdict) == ("restart_emulator", "restart_emulator")
    assert ("elixir-restart", "elixir") in [(w.code, w.application) for w in plan.warnings]
    assert _script(plan, 0)[-1] == Atom("restart_emulator")


@pytest.mark.erlang
def test_systools_translates_the_written_appup_into_the_same_relup(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    old = shutil.copytree(OLD, tmp_path / "old")
    new = shutil.copytree(NEW, tmp_path / "new")
    plan = _plan(old, new)
    write_files(plan_files(plan))
    written = read_first_term_file(new / "releases" / "0.2.0" / "relup")
    assert written == _relup_term(plan)
    outcome = systools_oracle.make_relup(
        new / "releases" / "0.2.0" / "counter",
        [old / "releases" / "0.1.0" / "counter"],
        [old / "releases" / "0.1.0" / "counter"],
        path=[old / "lib" / "*" / "ebin", new / "lib" / "*" / "ebin"],
    )
    assert isinstance(outcome, RelupBuilt), outcome
    assert outcome.relup == _without_protocol_steps(written)


def _without_protocol_steps(relup: Term) -> Term:
    assert isinstance(relup, tuple)
    top, up, down = relup

    def entries(listed: Term) -> Term:
        assert isinstance(listed, ErlList)
        kept = []
        for vsn, description, script in (
            entry for entry in listed.items if isinstance(entry, tuple)
        ):
            assert isinstance(script, ErlList)
            kept.append(
                (vsn, description, ErlList(tuple(t for t in script.items if not _is_eval(t))))
            )
        return ErlList(tuple(kept))

    return (top, entries(up), entries(down))
