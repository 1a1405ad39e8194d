"""Hand-made upgrade plans for the renderer tests (the planner is not needed to build them).

``SHOP_PLAN`` is release ``shop`` 1.0.0 -> 2.0.0: application ``shop`` upgraded
1.0.0 -> 1.1.0 (a gen_server whose state changes, a library that starts calling
a new module, a removed module, a supervisor gaining a child), ``shop_web``
added, ``legacy`` removed, ``kernel`` unchanged, and a translated relup.

The hypothesis strategies build any instruction (every type, awkward atom names,
any Erlang term as payload), any application plan and any whole plan, with
reason texts holding newlines, ``%`` and Unicode.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from diffing.changes import (
    AppDiff,
    ChildChange,
    ConfigChange,
    DiffWarning,
    KeyChange,
    ModuleChange,
    PrivChange,
    ReleaseDiff,
)
from diffing.code_facts import ChildSpec, ReleaseCode
from diffing.release import START_TYPES, AppName, ModuleName, RelApplication, Release, ReleaseSpec
from diffing.terms import NIL, Atom, ErlList, erl_list, erl_string
from property.term_strategies import atom_names, erlang_terms
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, PlanWarning, Reason, UpgradePlan
from upgrade.relup_builder import Relup, RelupEntry, RelupWarning

A, M = AppName, ModuleName


def _release(vsn: str, erts: str, apps: tuple[tuple[str, str], ...]) -> ReleaseCode:
    spec = ReleaseSpec(
        name="shop",
        vsn=vsn,
        erts_vsn=erts,
        applications=tuple(RelApplication(A(name), app_vsn) for name, app_vsn in apps),
        path=Path(f"/releases/{vsn}/shop.rel"),
    )
    return ReleaseCode(release=Release(spec=spec, applications=()), applications=())


NEW_CHILD = ChildSpec(
    id=Atom("shop_mailer"),
    start_module=M("shop_mailer"),
    type="worker",
    modules=(M("shop_mailer"),),
    literal=True,
    term=(
        Atom("shop_mailer"),
        (Atom("shop_mailer"), Atom("start_link"), NIL),
        Atom("permanent"),
        5000,
        Atom("worker"),
        erl_list(Atom("shop_mailer")),
    ),
)

SHOP_DIFF = AppDiff(
    name=A("shop"),
    status="upgraded",
    old_vsn="1.0.0",
    new_vsn="1.1.0",
    modules=(
        ModuleChange(M("shop_cart"), "changed", None, None),
        ModuleChange(M("shop_legacy_tax"), "removed", None, None),
        ModuleChange(M("shop_mailer"), "added", None, None),
        ModuleChange(M("shop_prices"), "changed", None, None),
        ModuleChange(M("shop_sup"), "changed", None, None),
        ModuleChange(M("shop_tags"), "changed", None, None, vsn_only=True),
    ),
    children=(ChildChange(M("shop_sup"), "added", Atom("shop_mailer"), None, NEW_CHILD),),
    keys=(
        KeyChange(
            "registered",
            erl_list(Atom("shop_sup")),
            erl_list(Atom("shop_sup"), Atom("shop_mailer")),
        ),
    ),
    config=(
        ConfigChange(A("shop"), "currency", "changed", "", erl_string("EUR"), erl_string("€")),
    ),
    priv=(PrivChange("priv/templates/receipt.txt", "changed"),),
)

RELEASE_DIFF = ReleaseDiff(
    old=_release("1.0.0", "13.0", (("kernel", "8.5"), ("legacy", "0.9.0"), ("shop", "1.0.0"))),
    new=_release("2.0.0", "13.0", (("kernel", "8.5"), ("shop", "1.1.0"), ("shop_web", "1.0.0"))),
    erts=None,
    applications=(
        AppDiff(A("kernel"), "unchanged", "8.5", "8.5"),
        AppDiff(A("legacy"), "removed", "0.9.0", None),
        SHOP_DIFF,
        AppDiff(A("shop_web"), "added", None, "1.0.0"),
    ),
    warnings=(
        DiffWarning(
            "behaviour-inferred",
            A("shop"),
            "shop_cart was stripped of its attributes: gen_server inferred from its exports",
        ),
    ),
)


def _step(
    instruction: ins.Instruction, rule: str, text: str, suspends: tuple[str, ...] = ()
) -> PlannedInstruction:
    return PlannedInstruction(instruction, Reason(rule, text), suspends)


RESTART_MAILER = ins.Apply(
    "supervisor", "restart_child", erl_list(Atom("shop_sup"), Atom("shop_mailer"))
)
TERMINATE_MAILER = ins.Apply(
    "supervisor", "terminate_child", erl_list(Atom("shop_sup"), Atom("shop_mailer"))
)
DELETE_MAILER = ins.Apply(
    "supervisor", "delete_child", erl_list(Atom("shop_sup"), Atom("shop_mailer"))
)

SHOP_PLAN_APP = AppPlan(
    name=A("shop"),
    old_vsn="1.0.0",
    new_vsn="1.1.0",
    up=(
        _step(ins.AddModule(M("shop_mailer")), "added-module", "shop_mailer is new in 1.1.0"),
        _step(
            ins.LoadModule(M("shop_prices"), dep_mods=(M("shop_mailer"),)),
            "changed-library-module",
            "shop_prices changed; it is a library module (no processes to suspend); "
            "it now calls shop_mailer, which must be loaded first",
        ),
        _step(
            ins.Update(M("shop_cart"), extra=ErlList()),
            "changed-process-module",
            "shop_cart changed and exports code_change/3: its state is transformed with Extra []",
            suspends=("shop_sup/shop_cart",),
        ),
        _step(
            ins.Update(M("shop_sup"), module_type="static", extra=ErlList()),
            "changed-supervisor",
            "shop_sup's child specs changed",
            suspends=("shop_sup",),
        ),
        _step(RESTART_MAILER, "supervisor-child-added", "child shop_mailer is new in shop_sup"),
        _step(
            ins.DeleteModule(M("shop_legacy_tax"), dep_mods=(M("shop_prices"),)),
            "removed-module",
            "shop_legacy_tax is gone in 1.1.0; shop_prices called it",
        ),
    ),
    down=(
        _step(
            ins.AddModule(M("shop_legacy_tax")),
            "removed-module",
            "shop_legacy_tax comes back in 1.0.0",
        ),
        _step(
            ins.LoadModule(M("shop_prices"), dep_mods=(M("shop_legacy_tax"),)),
            "changed-library-module",
            "shop_prices changed; it calls shop_legacy_tax again in 1.0.0",
        ),
        _step(
            ins.Update(M("shop_cart"), extra=ErlList()),
            "changed-process-module",
            "shop_cart changed and exports code_change/3: {down, Vsn} restores the old state",
            suspends=("shop_sup/shop_cart",),
        ),
        _step(
            TERMINATE_MAILER,
            "supervisor-child-removed",
            "child shop_mailer does not exist in 1.0.0",
        ),
        _step(
            DELETE_MAILER, "supervisor-child-removed", "child shop_mailer does not exist in 1.0.0"
        ),
        _step(
            ins.Update(M("shop_sup"), module_type="static", extra=ErlList()),
            "changed-supervisor",
            "shop_sup's child specs changed",
            suspends=("shop_sup",),
        ),
        _step(
            ins.DeleteModule(M("shop_mailer")),
            "added-module",
            "shop_mailer does not exist in 1.0.0",
        ),
    ),
    verdict="hot",
    verdict_reasons=(),
)

_UP_SCRIPT: tuple[ins.LowLevelInstruction, ...] = (
    ins.LoadObjectCode(
        A("shop"),
        erl_string("1.1.0"),
        (M("shop_mailer"), M("shop_prices"), M("shop_cart"), M("shop_sup")),
    ),
    ins.POINT_OF_NO_RETURN,
    ins.Load(M("shop_mailer")),
    ins.Load(M("shop_prices")),
    ins.Suspend((ins.SuspendEntry(M("shop_cart")),)),
    ins.Load(M("shop_cart")),
    ins.CodeChange("up", ((M("shop_cart"), ErlList()),)),
    ins.Resume((M("shop_cart"),)),
    ins.Suspend((ins.SuspendEntry(M("shop_sup")),)),
    ins.Load(M("shop_sup")),
    ins.CodeChange("up", ((M("shop_sup"), ErlList()),)),
    ins.Resume((M("shop_sup"),)),
    ins.Apply("supervisor", "restart_child", erl_list(Atom("shop_sup"), Atom("shop_mailer"))),
    ins.Remove(M("shop_legacy_tax")),
    ins.Purge((M("shop_legacy_tax"),)),
    ins.Apply("application", "stop", erl_list(Atom("legacy"))),
)

SHOP_RELUP = Relup(
    vsn="2.0.0",
    up=(RelupEntry("1.0.0", NIL, _UP_SCRIPT),),
    down=(
        RelupEntry(
            "1.0.0", erl_string("back to 1.0.0"), (ins.POINT_OF_NO_RETURN, ins.RESTART_EMULATOR)
        ),
    ),
    warnings=(
        RelupWarning(
            "pre_R15_emulator_upgrade", Atom("pre_R15_emulator_upgrade"), "example warning"
        ),
    ),
)

SHOP_PLAN = UpgradePlan(
    diff=RELEASE_DIFF,
    applications=(SHOP_PLAN_APP,),
    added_applications=(A("shop_web"),),
    removed_applications=(A("legacy"),),
    verdict="hot",
    verdict_reasons=("every upgraded application can be upgraded hot",),
    warnings=(
        PlanWarning(
            "update-module-not-in-child-spec",
            A("shop"),
            "shop_cart is updated but no child spec lists it in its modules: release_handler "
            "will not find its processes unless they are started elsewhere with shop_cart "
            "in their modules",
        ),
        PlanWarning(
            "config-change-without-callback",
            None,
            "sys.config changed for shop, whose application callback does not export "
            "config_change/3",
        ),
    ),
    relup=SHOP_RELUP,
)


# -- hypothesis strategies: any instruction, any application plan, any whole plan ------

_NAMES = st.one_of(
    st.sampled_from(["shop_cart", "Elixir.Shop.Cart", "else", "it's", "é", "new\nline", ""]),
    atom_names(),
)
_NAME_TUPLES = st.lists(_NAMES, max_size=3).map(tuple)
_TERMS = erlang_terms(max_leaves=6)
_LISTS = st.lists(_TERMS, max_size=3).map(lambda items: ErlList(tuple(items)))
_PURGES = st.sampled_from(["soft_purge", "brutal_purge"])
_TIMEOUTS = st.one_of(st.sampled_from(["default", "infinity"]), st.integers(1, 10**6))
_EXTRAS = st.one_of(st.none(), st.just(ErlList()), _TERMS)

HIGH_LEVEL_INSTRUCTIONS = st.one_of(
    st.builds(
        ins.Update,
        _NAMES,
        st.sampled_from(["static", "dynamic"]),
        _TIMEOUTS,
        _EXTRAS,
        _PURGES,
        _PURGES,
        _NAME_TUPLES,
    ),
    st.builds(ins.LoadModule, _NAMES, _PURGES, _PURGES, _NAME_TUPLES),
    st.builds(ins.AddModule, _NAMES, _NAME_TUPLES),
    st.builds(ins.DeleteModule, _NAMES, _NAME_TUPLES),
    st.builds(ins.AddApplication, _NAMES, st.sampled_from(START_TYPES)),
    st.builds(ins.RemoveApplication, _NAMES),
    st.builds(ins.RestartApplication, _NAMES),
    st.builds(ins.LegacyRestart, st.sampled_from(["restart", "reboot"])),
)

LOW_LEVEL_INSTRUCTIONS = st.one_of(
    st.builds(ins.LoadObjectCode, _NAMES, st.text(max_size=8).map(erl_string), _NAME_TUPLES),
    st.sampled_from([ins.POINT_OF_NO_RETURN, ins.RESTART_NEW_EMULATOR, ins.RESTART_EMULATOR]),
    st.builds(ins.Load, _NAMES, _PURGES, _PURGES),
    st.builds(ins.Remove, _NAMES, _PURGES, _PURGES),
    st.builds(ins.Purge, _NAME_TUPLES),
    st.builds(
        ins.Suspend,
        st.lists(
            st.builds(ins.SuspendEntry, _NAMES, st.one_of(st.none(), _TIMEOUTS)), max_size=3
        ).map(tuple),
    ),
    st.builds(ins.Resume, _NAME_TUPLES),
    st.builds(
        ins.CodeChange,
        st.sampled_from([None, "up", "down"]),
        st.lists(st.tuples(_NAMES, _TERMS), max_size=3).map(tuple),
    ),
    st.builds(ins.Stop, _NAME_TUPLES),
    st.builds(ins.Start, _NAME_TUPLES),
    st.builds(lambda id_, nodes: ins.SyncNodes(id_, nodes=nodes), _TERMS, _NAME_TUPLES),
    st.builds(
        lambda id_, function: ins.SyncNodes(id_, node_function=function),
        _TERMS,
        st.tuples(_NAMES, _NAMES, _LISTS),
    ),
    st.builds(ins.Apply, _NAMES, _NAMES, _LISTS),
)

INSTRUCTIONS = st.one_of(HIGH_LEVEL_INSTRUCTIONS, LOW_LEVEL_INSTRUCTIONS)

# Reason texts lean on what could break out of an Erlang comment or a plan line.
REASON_TEXTS = st.text(
    st.one_of(st.sampled_from("\n\r\t%.,[]{}'\" x€"), st.characters()), max_size=40
)
_STEPS = st.lists(
    st.builds(
        PlannedInstruction,
        INSTRUCTIONS,
        st.builds(Reason, st.from_regex(r"[a-z][a-z-]{0,20}", fullmatch=True), REASON_TEXTS),
        st.lists(REASON_TEXTS, max_size=2).map(tuple),
    ),
    max_size=4,
).map(tuple)
_VERDICTS = st.sampled_from(["hot", "restart_application", "restart_emulator"])
_VERSIONS = st.one_of(st.sampled_from(["1.0.0", "2.0-rc.1"]), st.text(max_size=10))

APP_PLANS = st.builds(
    AppPlan,
    _NAMES,
    _VERSIONS,
    _VERSIONS,
    _STEPS,
    _STEPS,
    _VERDICTS,
    st.lists(REASON_TEXTS, max_size=2).map(tuple),
    st.sampled_from(["generated", "hand-written"]),
)

UPGRADE_PLANS = st.builds(
    UpgradePlan,
    st.just(RELEASE_DIFF),
    st.lists(APP_PLANS, max_size=2).map(tuple),
    _NAME_TUPLES,
    _NAME_TUPLES,
    _VERDICTS,
    st.lists(REASON_TEXTS, max_size=2).map(tuple),
    st.lists(
        st.builds(PlanWarning, st.text(max_size=30), st.one_of(st.none(), _NAMES), REASON_TEXTS),
        max_size=3,
    ).map(tuple),
    st.one_of(st.none(), st.just(SHOP_RELUP)),
)


GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str, update_golden: bool) -> None:
    """``text`` equals ``golden/NAME`` byte for byte (``--update-golden`` rewrites the file)."""
    path = GOLDEN / name
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.read_bytes().decode("utf-8") == text
