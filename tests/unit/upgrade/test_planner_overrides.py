"""relup.yaml overrides: the schema's validation and what each key does to the plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffing.errors import InputError
from diffing.term_reader import parse_first_term
from diffing.terms import Atom, ErlList, erl_list
from unit.upgrade.plan_builders import (
    M,
    added,
    changed,
    gen_server,
    library,
    release_diff,
    side,
    supervisor,
    upgraded,
    worker_spec,
)
from upgrade import instructions as ins
from upgrade.options import (
    ApplySteps,
    AppOverride,
    ModuleOverride,
    Overrides,
    PlanOptions,
)
from upgrade.plan import AppPlan, UpgradePlan
from upgrade.planner import plan_upgrade

SOURCE = Path("relup.yaml")


def _term(text: str) -> object:
    return parse_first_term(text + ".")


def test_full_document_is_read_into_sorted_overrides() -> None:
    data = {
        "modules": {
            "srv": {
                "instruction": "update",
                "extra": "{cart, v2}.",
                "extra_down": "{cart, v1}",
                "module_type": "static",
                "timeout": 5000,
                "purge": "soft_purge",
                "dep_mods": ["db", "db", "cache"],
            },
            "lib": {"ignore": True},
        },
        "applications": {
            "shop": {
                "up": {"after": [{"module": "shop", "function": "migrate", "args": "[v2]"}]},
                "down": {"before": [{"module": "shop", "function": "unmigrate"}]},
            }
        },
    }
    overrides = Overrides.from_dict(data, SOURCE)
    assert overrides == Overrides(
        modules=(
            ModuleOverride(M("lib"), ignore=True),
            ModuleOverride(
                M("srv"),
                instruction="update",
                extra=_term("{cart, v2}"),
                extra_down=_term("{cart, v1}"),
                module_type="static",
                timeout=5000,
                pre_purge="soft_purge",
                post_purge="soft_purge",
                dep_mods=(M("db"), M("cache")),
            ),
        ),
        applications=(
            AppOverride(
                "shop",  # type: ignore[arg-type]
                up=ApplySteps(after=(ins.Apply("shop", "migrate", erl_list(Atom("v2"))),)),
                down=ApplySteps(before=(ins.Apply("shop", "unmigrate", ErlList()),)),
            ),
        ),
        source=SOURCE,
    )


def test_empty_document_overrides_nothing() -> None:
    assert Overrides.from_dict(None, SOURCE) == Overrides(source=SOURCE)
    assert Overrides.from_dict({}, SOURCE) == Overrides(source=SOURCE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["modules"], "top level: expected a mapping, got ['modules']"),
        ({"module": {}}, "module: unknown key (expected one of applications, modules)"),
        ({"modules": {"m": {"purge": "gentle"}}}, "modules.m.purge: expected soft_purge or "),
        ({"modules": {"m": {"timeout": 0}}}, "modules.m.timeout: expected default, infinity or"),
        ({"modules": {"m": {"timeout": True}}}, "modules.m.timeout: expected default"),
        ({"modules": {"m": {"extra": "{a,"}}}, "modules.m.extra: not an Erlang term"),
        ({"modules": {"m": {"extra": 3}}}, "modules.m.extra: expected Erlang term text, got 3"),
        ({"modules": {"m": {"speed": 1}}}, "modules.m.speed: unknown key"),
        ({"modules": {"m": {"instruction": "restart"}}}, "modules.m.instruction: expected"),
        (
            {"modules": {"m": {"purge": "soft_purge", "pre_purge": "soft_purge"}}},
            "modules.m.purge: give purge or",
        ),
        ({"modules": {"m": {"change": "soft", "extra": "x"}}}, "modules.m.change: soft takes"),
        ({"modules": {"m": {"dep_mods": "db"}}}, "modules.m.dep_mods: expected a list"),
        ({"modules": {"m": {"ignore": "yes"}}}, "modules.m.ignore: expected true or false"),
        ({"modules": {"m": "load_module"}}, "modules.m: expected a mapping"),
        ({"applications": {"a": {"sideways": {}}}}, "applications.a.sideways: unknown key"),
        ({"applications": {"a": {"up": {"after": {}}}}}, "applications.a.up.after: expected a"),
        (
            {"applications": {"a": {"up": {"before": [{"function": "f"}]}}}},
            "applications.a.up.before[0].module: required",
        ),
        (
            {
                "applications": {
                    "a": {"down": {"after": [{"module": "m", "function": "f", "args": "x"}]}}
                }
            },
            "applications.a.down.after[0].args: must be an Erlang list",
        ),
    ],
)
def test_invalid_documents_name_the_file_and_the_key_path(data: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        Overrides.from_dict(data, SOURCE)
    assert str(caught.value).startswith(f"relup.yaml: {message}")
    assert caught.value.exit_code == 3


# -- effects on the plan ----------------------------------------------------------------

OLD_SRV, NEW_SRV = gen_server("srv", b"1", calls=["db"]), gen_server("srv", b"2", calls=["db"])
OLD_DB, NEW_DB = library("db", b"1"), library("db", b"2")
OLD_CACHE, NEW_CACHE = library("cache", b"1"), library("cache", b"2")
FRESH = library("fresh")
SUP = supervisor("sup", [worker_spec("srv")])


def _plan(data: dict[str, object]) -> UpgradePlan:
    diff = release_diff(
        [side("shop", "1.0", [OLD_SRV, OLD_DB, OLD_CACHE, SUP])],
        [side("shop", "2.0", [NEW_SRV, NEW_DB, NEW_CACHE, FRESH, SUP])],
        [
            upgraded(
                "shop",
                modules=[
                    changed(OLD_SRV, NEW_SRV),
                    changed(OLD_DB, NEW_DB),
                    changed(OLD_CACHE, NEW_CACHE),
                    added(FRESH),
                ],
            )
        ],
    )
    return plan_upgrade(diff, PlanOptions(overrides=Overrides.from_dict(data, SOURCE)))


def _step(app_plan: AppPlan, module: str, direction: str = "up") -> ins.Instruction:
    steps = app_plan.up if direction == "up" else app_plan.down
    return next(s.instruction for s in steps if getattr(s.instruction, "module", None) == module)


def test_ignored_module_gets_no_instruction_either_way() -> None:
    plan = _plan({"modules": {"cache": {"ignore": True}}})
    (app_plan,) = plan.applications
    modules = [getattr(s.instruction, "module", "") for s in (*app_plan.up, *app_plan.down)]
    assert "cache" not in modules
    assert "module-ignored" in [w.code for w in plan.warnings]


def test_update_details_are_overridden_per_direction() -> None:
    data = {
        "modules": {
            "srv": {
                "extra": "{cart, v2}",
                "extra_down": "{cart, v1}",
                "timeout": "infinity",
                "module_type": "static",
                "purge": "soft_purge",
            }
        }
    }
    (app_plan,) = _plan(data).applications
    common = {"timeout": "infinity", "pre_purge": "soft_purge", "post_purge": "soft_purge"}
    assert _step(app_plan, "srv") == ins.Update(
        M("srv"),
        "static",
        extra=_term("{cart, v2}"),
        dep_mods=(M("db"),),
        **common,  # type: ignore[arg-type]
    )
    assert _step(app_plan, "srv", "down") == ins.Update(
        M("srv"),
        "static",
        extra=_term("{cart, v1}"),
        dep_mods=(M("db"),),
        **common,  # type: ignore[arg-type]
    )
    up_step = next(s for s in app_plan.up if s.instruction == _step(app_plan, "srv"))
    assert up_step.reason.rule == "override"
    assert "[changed-process-module]; relup.yaml sets extra, extra_down" in up_step.reason.text


def test_instruction_form_and_change_are_overridden() -> None:
    data = {
        "modules": {
            "srv": {"instruction": "load_module"},
            "db": {"instruction": "update", "change": "soft"},
            "cache": {"instruction": "supervisor"},
        }
    }
    (app_plan,) = _plan(data).applications
    assert _step(app_plan, "srv") == ins.LoadModule(M("srv"), dep_mods=(M("db"),))
    assert _step(app_plan, "db") == ins.Update(M("db"))
    assert _step(app_plan, "cache") == ins.Update(M("cache"), "static", extra=ErlList())


def test_override_that_does_not_fit_the_instruction_is_warned() -> None:
    plan = _plan({"modules": {"db": {"timeout": 10}, "fresh": {"purge": "soft_purge"}}})
    (app_plan,) = plan.applications
    assert _step(app_plan, "db") == ins.LoadModule(M("db"))
    assert _step(app_plan, "fresh") == ins.AddModule(M("fresh"))
    messages = [w.message for w in plan.warnings if w.code == "override-not-applicable"]
    assert len(messages) == 2
    assert (
        "sets timeout for db, which does not apply to its instruction (load_module)" in messages[0]
    )


def test_extra_dep_mods_reorder_and_unknown_ones_are_dropped() -> None:
    plan = _plan({"modules": {"cache": {"dep_mods": ["srv", "nowhere"]}}})
    (app_plan,) = plan.applications
    assert _step(app_plan, "cache") == ins.LoadModule(M("cache"), dep_mods=(M("srv"),))
    modules = [getattr(s.instruction, "module", "") for s in app_plan.up]
    assert modules.index("srv") < modules.index("cache")
    (dropped,) = [w for w in plan.warnings if w.code == "override-dep-mod-dropped"]
    assert "nowhere" in dropped.message


def test_apply_steps_go_before_and_after_the_generated_ones() -> None:
    first = {"module": "shop", "function": "prepare", "args": "[]"}
    last = {"module": "shop", "function": "finish", "args": "[ok]"}
    plan = _plan({"applications": {"shop": {"up": {"before": [first], "after": [last]}}}})
    (app_plan,) = plan.applications
    assert app_plan.up[0].instruction == ins.Apply("shop", "prepare", ErlList())
    assert app_plan.up[-1].instruction == ins.Apply("shop", "finish", erl_list(Atom("ok")))
    assert app_plan.up[0].reason.rule == "override-apply"
    assert not any(isinstance(s.instruction, ins.Apply) for s in app_plan.down)


def test_overrides_for_nothing_planned_are_warned() -> None:
    plan = _plan({"modules": {"ghost": {"ignore": True}}, "applications": {"other": {}}})
    unused = [w.message for w in plan.warnings if w.code == "override-unused"]
    assert len(unused) == 2
    assert "module ghost" in unused[0]
    assert "adds steps to other" in unused[1]
