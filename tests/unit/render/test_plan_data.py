"""The machine-readable plan: data in the shape of docs/plan-schema.json, as JSON and as YAML."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings

from diffing.term_reader import parse_first_term
from diffing.terms import Atom, ErlList, erl_list, erl_string
from render import plan_data
from render.plan_data import (
    SCHEMA_VERSION,
    instruction_data,
    plan_to_data,
    render_plan_json,
    render_plan_yaml,
)
from unit.render.plan_samples import INSTRUCTIONS, SHOP_PLAN, UPGRADE_PLANS, assert_golden
from upgrade import instructions as ins
from upgrade.plan import UpgradePlan
from upgrade.relup_builder import Relup
from upgrade.syntax import check_instruction, expand_script

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "plan-schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
PLAN_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
INSTRUCTION_VALIDATOR = jsonschema.Draft202012Validator(
    {"$ref": "#/$defs/instruction", "$defs": SCHEMA["$defs"]}
)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_shop_plan_json_matches_golden(update_golden: bool) -> None:
    assert_golden("shop-plan.json", render_plan_json(SHOP_PLAN), update_golden)


def test_shop_plan_yaml_matches_golden(update_golden: bool) -> None:
    assert_golden("shop-plan.yaml", render_plan_yaml(SHOP_PLAN), update_golden)


def test_shop_plan_validates_against_the_schema() -> None:
    PLAN_VALIDATOR.validate(json.loads(render_plan_json(SHOP_PLAN)))


def test_plan_without_relup_validates() -> None:
    data = plan_to_data(dataclasses.replace(SHOP_PLAN, relup=None))
    assert data["relup"] is None
    PLAN_VALIDATOR.validate(data)


def test_schema_version_comes_first() -> None:
    assert next(iter(plan_to_data(SHOP_PLAN))) == "schema_version"
    assert plan_to_data(SHOP_PLAN)["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    "breakage",
    ["drop reason", "unknown op", "bad verdict", "extra field", "missing diff"],
)
def test_schema_rejects_broken_plans(breakage: str) -> None:
    data = copy.deepcopy(plan_to_data(SHOP_PLAN))
    first_step = data["applications"][0]["up"][0]  # type: ignore[index]
    match breakage:
        case "drop reason":
            del first_step["reason"]
        case "unknown op":
            first_step["instruction"]["op"] = "hot_swap"
        case "bad verdict":
            data["verdict"] = "lukewarm"
        case "extra field":
            first_step["instruction"]["purge"] = "soft_purge"
        case "missing diff":
            del data["diff"]
    with pytest.raises(jsonschema.ValidationError):
        PLAN_VALIDATOR.validate(data)


def test_json_text_is_stable_and_ends_with_newline() -> None:
    text = render_plan_json(SHOP_PLAN)
    assert text.endswith("}\n")
    assert text.startswith('{\n  "schema_version": 2,\n  "release": {\n')


def test_yaml_loads_back_equal_to_json() -> None:
    assert yaml.safe_load(render_plan_yaml(SHOP_PLAN)) == json.loads(render_plan_json(SHOP_PLAN))


def test_update_carries_erlang_text_and_fields() -> None:
    update = ins.Update("shop_cart", extra=ErlList())
    assert instruction_data(update) == {
        "erlang": "{update,shop_cart,{advanced,[]}}",
        "op": "update",
        "module": "shop_cart",
        "module_type": "dynamic",
        "timeout": "default",
        "change": "advanced",
        "extra": "[]",
        "pre_purge": "brutal_purge",
        "post_purge": "brutal_purge",
        "dep_mods": [],
    }


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        (ins.Update("m", timeout=500), {"change": "soft", "extra": None, "timeout": 500}),
        (
            ins.Suspend((ins.SuspendEntry("a"), ins.SuspendEntry("b", "infinity"))),
            {"entries": [{"module": "a", "timeout": None}, {"module": "b", "timeout": "infinity"}]},
        ),
        (
            ins.CodeChange("down", (("m", (Atom("v"), 1)),)),
            {"mode": "down", "entries": [{"module": "m", "extra": "{v,1}"}]},
        ),
        (
            ins.SyncNodes(Atom("id"), node_function=("m", "f", erl_list(1))),
            {
                "id": "id",
                "nodes": None,
                "node_function": {"module": "m", "function": "f", "arguments": "[1]"},
            },
        ),
        (ins.LoadObjectCode("shop", erl_string("1.1.0"), ("m",)), {"library_vsn": '"1.1.0"'}),
        (ins.LegacyRestart("reboot"), {"op": "reboot", "erlang": "reboot"}),
        (ins.POINT_OF_NO_RETURN, {"op": "point_of_no_return", "erlang": "point_of_no_return"}),
    ],
)
def test_instruction_fields(instruction: ins.Instruction, expected: dict[str, object]) -> None:
    data = instruction_data(instruction)
    assert {key: data[key] for key in expected} == expected


@given(INSTRUCTIONS)
def test_every_instruction_matches_the_schema_and_its_erlang_text(
    instruction: ins.Instruction,
) -> None:
    """Any instruction validates as exactly one schema variant, and its text reads back as it."""
    data = instruction_data(instruction)
    INSTRUCTION_VALIDATOR.validate(data)
    (expanded,) = expand_script(ErlList((parse_first_term(f"{data['erlang']}.\n"),)))
    assert check_instruction(expanded) == instruction


@given(UPGRADE_PLANS)
def test_any_plan_validates_and_yaml_equals_json(plan: UpgradePlan) -> None:
    json_data = json.loads(render_plan_json(plan))
    PLAN_VALIDATOR.validate(json_data)
    assert yaml.safe_load(render_plan_yaml(plan)) == json_data


class _NotTranslatable(Exception):
    pass


def _refuse() -> Relup:
    raise _NotTranslatable("no relup for this plan")


class TestJsonInTwoProcesses:
    """A big plan's relup is written (and translated) by a forked child: the text is
    the one a single process writes, and a failing translation raises its own error."""

    @settings(max_examples=25, deadline=None)  # a fork per example
    @given(UPGRADE_PLANS)
    def test_same_text_as_one_process(self, plan: UpgradePlan) -> None:
        alone = render_plan_json(plan)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(plan_data, "FORK_MIN_INSTRUCTIONS", 0)
            assert render_plan_json(plan) == alone
            if plan.relup is not None:
                relup = plan.relup
                untranslated = dataclasses.replace(plan, relup=None)
                assert render_plan_json(untranslated, lambda: relup) == alone

    def test_a_small_plan_translates_here(self) -> None:
        untranslated = dataclasses.replace(SHOP_PLAN, relup=None)
        assert SHOP_PLAN.relup is not None
        relup = SHOP_PLAN.relup
        assert render_plan_json(untranslated, lambda: relup) == render_plan_json(SHOP_PLAN)

    @pytest.mark.parametrize("fork_min", [0, 10**9])
    def test_a_failing_translation_raises_its_error(
        self, monkeypatch: pytest.MonkeyPatch, fork_min: int
    ) -> None:
        monkeypatch.setattr(plan_data, "FORK_MIN_INSTRUCTIONS", fork_min)
        untranslated = dataclasses.replace(SHOP_PLAN, relup=None)
        with pytest.raises(_NotTranslatable, match="no relup for this plan"):
            render_plan_json(untranslated, _refuse)
