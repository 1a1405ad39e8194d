"""Verdicts, fallbacks, emulator restarts, hand-written appups and application-level warnings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from diffing.changes import AppDiff, ConfigChange, DiffWarning, KeyChange, PrivChange
from diffing.release import Appup
from diffing.term_reader import parse_first_term
from diffing.terms import NIL, Atom
from unit.upgrade.plan_builders import (
    A,
    AppSide,
    M,
    application_module,
    changed,
    library,
    release_diff,
    side,
    translated,
    upgraded,
)
from upgrade import instructions as ins
from upgrade.options import PlanOptions
from upgrade.plan import PlanError, PlanWarning, UpgradePlan
from upgrade.planner import plan_upgrade

OLD_LIB, NEW_LIB = library("shop_lib", b"1"), library("shop_lib", b"2")
RESTART = PlanOptions(fallback="restart")


def _shop(
    *,
    options: PlanOptions | None = None,
    appup: Appup | None = None,
    extra_old: tuple[AppSide, ...] = (),
    extra_new: tuple[AppSide, ...] = (),
    extra_changes: tuple[AppDiff, ...] = (),
    erts: tuple[str, str] | None = None,
    **app_fields: object,
) -> UpgradePlan:
    diff = release_diff(
        [*extra_old, side("shop", "1.0", [OLD_LIB], mod="shop_app")],
        [*extra_new, side("shop", "2.0", [NEW_LIB], mod="shop_app", appup=appup)],
        [*extra_changes, upgraded("shop", modules=[changed(OLD_LIB, NEW_LIB)], **app_fields)],
        erts=erts,
    )
    return plan_upgrade(diff) if options is None else plan_upgrade(diff, options)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("mod", "its start/2 only runs when the application starts"),
        ("start_phases", "start phases only run when the application starts"),
        ("included_applications", "started by the including application's own supervision tree"),
    ],
)
def test_keys_only_read_at_start_need_a_restart(key: str, expected: str) -> None:
    change = KeyChange(key, (Atom("a"), NIL), (Atom("b"), NIL))
    with pytest.raises(PlanError) as caught:
        _shop(keys=(change,))
    assert expected in str(caught.value)
    assert caught.value.reasons[0].startswith(f"shop: {key} changed ({{a,[]}} -> {{b,[]}})")

    plan = _shop(keys=(change,), options=RESTART)
    (app_plan,) = plan.applications
    assert [s.instruction for s in app_plan.up] == [ins.RestartApplication(A("shop"))]
    assert app_plan.verdict == "restart_application"


def test_env_and_registered_changes_stay_hot() -> None:
    keys = (KeyChange("env", NIL, NIL), KeyChange("registered", NIL, NIL))
    assert _shop(keys=keys).verdict == "hot"


def test_changed_nif_needs_a_restart_but_data_files_and_new_nifs_do_not() -> None:
    nif = PrivChange("priv/shop_nif.so", "changed")
    with pytest.raises(PlanError, match=r"native code priv/shop_nif\.so changed"):
        _shop(priv=(nif,))
    calm = (PrivChange("priv/data.json", "changed"), PrivChange("priv/new.so", "added"))
    assert _shop(priv=calm).verdict == "hot"
    port = PrivChange("priv/bin/port_prog", "changed")
    assert _shop(priv=(port,), options=RESTART).verdict == "restart_application"


def test_erts_change_restarts_the_emulator_and_keeps_the_apps_hot() -> None:
    plan = _shop(erts=("13.1", "13.2"))
    assert plan.verdict == "restart_emulator"
    assert plan.verdict_reasons == ("ERTS changed (13.1 -> 13.2)",)
    assert plan.applications[0].verdict == "hot"
    (warning,) = [w for w in plan.warnings if w.code == "emulator-restart"]
    assert warning.application is None
    assert "restart_new_emulator" in warning.message
    assert "old versions of every other application" in warning.message


def test_core_application_gets_restart_new_emulator_both_ways() -> None:
    old_std, new_std = library("lists", b"1"), library("lists", b"2")
    plan = _shop(
        extra_old=(side("stdlib", "4.2", [old_std]),),
        extra_new=(side("stdlib", "4.3", [new_std]),),
        extra_changes=(upgraded("stdlib", "4.2", "4.3", modules=[changed(old_std, new_std)]),),
    )
    stdlib, shop = plan.applications
    assert [s.instruction for s in stdlib.up] == [ins.RESTART_NEW_EMULATOR]
    assert [s.instruction for s in stdlib.down] == [ins.RESTART_NEW_EMULATOR]
    assert stdlib.up[0].reason.rule == "core-application-changed"
    assert stdlib.verdict == plan.verdict == "restart_emulator"
    assert shop.verdict == "hot"
    assert translated(plan, "up")[0] == ins.RESTART_NEW_EMULATOR
    assert translated(plan, "down")[-1] == ins.RESTART_EMULATOR
    assert "stdlib changed (4.2 -> 4.3)" in next(
        w.message for w in plan.warnings if w.code == "emulator-restart"
    )


def _appup(text: str) -> Appup:
    return Appup(Path("/rel/lib/shop-2.0/ebin/shop.appup"), term=parse_first_term(text))


HAND_WRITTEN = _appup(
    '{"2.0", [{<<"1\\\\..*">>, [{load_module, shop_lib}, {apply, {io, format, ["hi"]}}]}],'
    ' [{"1.0", [{load_module, shop_lib}]}]}.'
)


def test_hand_written_appup_wins_for_its_application() -> None:
    plan = _shop(appup=HAND_WRITTEN)
    (app_plan,) = plan.applications
    assert app_plan.source == "hand-written"
    assert [s.instruction for s in app_plan.up] == [
        ins.LoadModule(M("shop_lib")),
        ins.Apply("io", "format", parse_first_term('["hi"].')),
    ]
    assert {s.reason.rule for s in (*app_plan.up, *app_plan.down)} == {"hand-written"}
    assert "hand-written-appup" in [w.code for w in plan.warnings]


def test_regenerate_or_a_generated_appup_is_replanned() -> None:
    marked = replace(HAND_WRITTEN, generated_by_relup=True)
    for options, appup in (
        (PlanOptions(regenerate=True), HAND_WRITTEN),
        (PlanOptions(generated_appups=frozenset({A("shop")})), HAND_WRITTEN),
        (PlanOptions(), marked),
    ):
        (app_plan,) = _shop(appup=appup, options=options).applications
        assert app_plan.source == "generated"
        assert [s.reason.rule for s in app_plan.up] == ["changed-library-module"]


def test_missing_appup_is_not_hand_written() -> None:
    missing = Appup(Path("/rel/lib/shop-2.0/ebin/shop.appup"), problem="enoent")
    assert _shop(appup=missing).applications[0].source == "generated"


@pytest.mark.parametrize(
    ("appup", "message"),
    [
        (_appup('{"2.0", [{"0.9", []}], [{"1.0", []}]}.'), "no entry to upgrade from 1.0"),
        (_appup('{"2.0", [{"1.0", [{update, m, brutal_purge}]}], []}.'), "unknown instruction"),
        (_appup("{shop, 2}."), "not an appup"),
        (Appup(Path("/x/shop.appup"), problem="syntax error before: ']'"), "cannot be read"),
    ],
)
def test_unusable_hand_written_appup_is_a_plan_error(appup: Appup, message: str) -> None:
    with pytest.raises(PlanError, match=message) as caught:
        _shop(appup=appup)
    assert "shop.appup" in str(caught.value)


def test_hand_written_appup_for_another_version_is_warned() -> None:
    plan = _shop(appup=_appup('{"1.9", [{"1.0", []}], [{"1.0", []}]}.'))
    (warning,) = [w for w in plan.warnings if w.code == "appup-vsn-mismatch"]
    assert "is for version 1.9, the application is 2.0" in warning.message


def test_hand_written_restart_sets_the_verdict_and_restart_reasons_are_noted() -> None:
    appup = _appup('{"2.0", [{"1.0", [{restart_application, shop}]}], [{"1.0", []}]}.')
    nif = PrivChange("priv/shop_nif.so", "changed")
    plan = _shop(appup=appup, priv=(nif,))
    assert plan.applications[0].verdict == "restart_application"
    hot_appup = _appup('{"2.0", [{"1.0", []}], [{"1.0", []}]}.')
    plan = _shop(appup=hot_appup, priv=(nif,))
    (note,) = [w for w in plan.warnings if w.code == "hand-written-appup"]
    assert "relup would have restarted it: native code" in note.message


def test_version_not_bumped_is_warned_and_not_planned() -> None:
    old_x, new_x = library("x", b"1"), library("x", b"2")
    unchanged = AppDiff(A("same"), "unchanged", "1.0", "1.0", (changed(old_x, new_x),))
    plan = _shop(
        extra_old=(side("same", "1.0", [old_x]),),
        extra_new=(side("same", "1.0", [new_x]),),
        extra_changes=(unchanged,),
    )
    assert [app.name for app in plan.applications] == ["shop"]
    (warning,) = [w for w in plan.warnings if w.code == "version-not-bumped"]
    assert warning.application == "same"
    assert "modules changed (x)" in warning.message


def _config(app: str = "shop") -> tuple[ConfigChange, ...]:
    return (ConfigChange(A(app), "port", "changed", "", 80, 8080),)


def test_config_change_names_the_callback_that_will_be_called() -> None:
    for exported, code in ((True, "config-change"), (False, "config-change-not-exported")):
        callback = application_module("shop_app", config_change=exported)
        diff = release_diff(
            [side("shop", "1.0", [OLD_LIB, callback], mod="shop_app")],
            [side("shop", "2.0", [NEW_LIB, callback], mod="shop_app")],
            [upgraded("shop", modules=[changed(OLD_LIB, NEW_LIB)], config=_config())],
        )
        (warning,) = [w for w in plan_upgrade(diff).warnings if w.code.startswith("config")]
        assert warning.code == code
        assert "shop's configuration changed (port)" in warning.message


def test_config_change_of_an_unchanged_library_application_is_noted() -> None:
    lib = library("util")
    still = AppDiff(A("util"), "unchanged", "1.0", "1.0", config=_config("util"))
    env = (KeyChange("env", NIL, NIL),)
    plan = _shop(
        extra_old=(side("util", "1.0", [lib]),),
        extra_new=(side("util", "1.0", [lib]),),
        extra_changes=(still,),
        keys=env,
    )
    notes = [w for w in plan.warnings if w.code.startswith("config")]
    assert [(w.code, w.application) for w in notes] == [
        ("config-change", "util"),
        ("config-change", "shop"),
    ]
    assert "it has no application callback module to notify" in notes[0].message
    assert "shop_app:config_change/3 if it exports it (its code was not read)" in notes[1].message
    assert notes[1].message.startswith("shop's configuration changed (.app env)")


def test_added_and_removed_applications_are_listed_and_diff_warnings_come_first() -> None:
    diff = release_diff(
        [side("gone", "1.0"), side("shop", "1.0", [OLD_LIB])],
        [side("shop", "2.0", [NEW_LIB]), side("fresh", "1.0")],
        [
            upgraded("shop", modules=[changed(OLD_LIB, NEW_LIB)]),
            AppDiff(A("fresh"), "added", None, "1.0"),
            AppDiff(A("gone"), "removed", "1.0", None),
        ],
    )
    diff = type(diff)(
        diff.old,
        diff.new,
        diff.erts,
        diff.applications,
        (DiffWarning("behaviour-inferred", A("shop"), "x"),),
    )
    plan = plan_upgrade(diff)
    assert plan.added_applications == ("fresh",)
    assert plan.removed_applications == ("gone",)
    assert plan.warnings[0] == PlanWarning("behaviour-inferred", A("shop"), "x")


def test_application_without_code_is_warned() -> None:
    diff = release_diff([side("shop", "1.0")], [side("shop", "2.0")], [upgraded("shop")])
    diff = type(diff)(diff.old, type(diff.new)(diff.new.release, ()), diff.erts, diff.applications)
    plan = plan_upgrade(diff)
    assert [w.code for w in plan.warnings] == ["code-not-read"]
    assert plan.applications[0].up == ()


def test_plans_are_deterministic_whatever_the_input_order() -> None:
    olds = [library(n, b"1", calls=["a"]) for n in ("d", "b", "c")] + [library("a", b"1")]
    news = [library(n, b"2", calls=["a"]) for n in ("d", "b", "c")] + [library("a", b"2")]
    changes = [changed(o, n) for o, n in zip(olds, news, strict=True)]
    first = _custom(olds, news, changes)
    second = _custom(list(reversed(olds)), list(reversed(news)), list(reversed(changes)))
    assert first.applications == second.applications
    assert [s.instruction.module for s in first.applications[0].up] == ["a", "b", "c", "d"]  # type: ignore[union-attr]


def _custom(olds: list, news: list, changes: list) -> UpgradePlan:  # type: ignore[type-arg]
    diff = release_diff([side("app", "1.0", olds)], [side("app", "2.0", news)], [])
    app = AppDiff(A("app"), "upgraded", "1.0", "2.0", tuple(changes))
    return plan_upgrade(type(diff)(diff.old, diff.new, None, (app,)))
