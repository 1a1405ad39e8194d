"""relup plan against the real systools:make_relup, on generated pairs of compiled releases.

Each example writes an OLD and a NEW release tree whose user applications have
real beams (compiled by the oracle VM): libraries, gen_servers with and without
code_change/3, a supervisor whose literal child specs follow the app's
gen_servers, an application callback module, modules calling each other
(across applications too), and applications upgraded, unchanged, added and
removed.  For each pair:

* the diff read back from the beams says a module changed exactly when its
  source changed (sources differ iff beams differ: compiled ``deterministic``);
* ``relup plan`` succeeds, or fails with a PlanError naming exactly the
  applications that ``--fallback restart`` then restarts;
* every changed, added or removed module of a hot, generated appup has
  exactly one module instruction going up and one going down;
* with the plan's appups written into NEW (what ``--write`` does), the real
  ``systools:make_relup`` succeeds and makes the relup the plan carries,
  modulo the orders OTP leaves to its VM (reference §4.10), with the same
  warnings; the written relup file reads back as that relup;
* planning a release against itself plans no application.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from diffing.term_reader import read_first_term_file
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term
from oracle.oracle import RelupBuilt, SystoolsOracle
from oracle.release_factory import (
    AnyApp,
    AppDescription,
    ModuleDescription,
    OtpAppDescription,
    ReleaseScenario,
    WrittenRelease,
    search_path,
    standard_release,
    write_release,
)
from oracle.relup_compare import canonical
from relup.planning import PlanRequest, plan_files, plan_release_upgrade, write_files
from render.relup_file import relup_to_term
from upgrade import instructions as ins
from upgrade.options import Fallback
from upgrade.plan import AppPlan, PlanError, PlannedInstruction, UpgradePlan

pytestmark = pytest.mark.erlang

RELEASE = "rel"
OLD_VSN, NEW_VSN = "1.0", "2.0"
WORKER_KINDS = ("library", "gen_server", "soft_server")
SERVER_KINDS = frozenset({"gen_server", "soft_server"})
APP_STATUSES = ("upgraded", "upgraded", "upgraded", "unchanged", "added", "removed")
MODULE_STATUSES = ("unchanged", "changed", "changed", "added", "removed")
# Supervisors mostly change, so that children come and go.
SUPERVISOR_STATUSES = ("unchanged", "changed", "changed", "changed", "added", "removed")
MODULE_STEPS = (ins.Update, ins.LoadModule, ins.AddModule, ins.DeleteModule)


# -- modules that compile to real beams ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledModule(ModuleDescription):
    """A module of one kind whose ``f/0`` returns ``{Marker, [Callee:f() ...]}``.

    A subclass kept in this file so ``release_factory`` stays as it is: the
    factory only calls ``source()``.  Two descriptions have the same source iff
    they are equal, and the oracle compiles ``deterministic``, so a module is
    "changed" exactly when its description is.
    """

    kind: str = "library"  # library | gen_server | soft_server | supervisor | application
    marker: int = 1
    children: tuple[str, ...] = ()  # supervisor: the gen_servers it starts, in spec order
    registered: bool = True  # supervisor: started as {local, Name}

    def source(self) -> str:
        name = _atom(self.name)
        calls = ", ".join(f"{_atom(callee)}:f()" for callee in self.calls)
        behaviour, exports, body = _KIND_PARTS[self.kind](self, name)
        lines = [f"-module({name}).", f"-export([{', '.join(('f/0', *exports))}])."]
        if behaviour:
            lines.append(f"-behaviour({behaviour}).")
        lines.append(f"f() -> {{{self.marker}, [{calls}]}}.")
        lines.extend(body)
        return "\n".join(lines) + "\n"


def _library(module: CompiledModule, name: str) -> tuple[str, list[str], list[str]]:
    return "", [], []


def _server(module: CompiledModule, name: str) -> tuple[str, list[str], list[str]]:
    exports = ["start_link/0", "init/1", "handle_call/3", "handle_cast/2"]
    body = [
        f"start_link() -> gen_server:start_link({{local, {name}}}, {name}, [], []).",
        "init([]) -> {ok, f()}.",
        "handle_call(_Request, _From, State) -> {reply, State, State}.",
        "handle_cast(_Message, State) -> {noreply, State}.",
    ]
    if module.kind == "gen_server":
        exports.append("code_change/3")
        body.append("code_change(_OldVsn, State, _Extra) -> {ok, State}.")
    return "gen_server", exports, body


def _supervisor(module: CompiledModule, name: str) -> tuple[str, list[str], list[str]]:
    specs = ", ".join(
        f"#{{id => {_atom(child)}, start => {{{_atom(child)}, start_link, []}}}}"
        for child in module.children
    )
    start = (
        f"supervisor:start_link({{local, {name}}}, {name}, [])"
        if module.registered
        else f"supervisor:start_link({name}, [])"
    )
    body = [
        f"start_link() -> {start}.",
        f"init([]) -> {{ok, {{#{{strategy => one_for_one}}, [{specs}]}}}}.",
    ]
    return "supervisor", ["start_link/0", "init/1"], body


def _application(module: CompiledModule, name: str) -> tuple[str, list[str], list[str]]:
    body = ["start(_Type, _Args) -> {error, f()}.", "stop(_State) -> ok."]
    return "application", ["start/2", "stop/1"], body


_KIND_PARTS = {
    "library": _library,
    "gen_server": _server,
    "soft_server": _server,
    "supervisor": _supervisor,
    "application": _application,
}


def _atom(name: str) -> str:
    return format_term(Atom(name))


# -- generated release pairs --------------------------------------------------------------


@dataclass(frozen=True)
class PlanScenario:
    old: ReleaseScenario
    new: ReleaseScenario
    fallback: Fallback
    shared_root: bool  # both releases in one tree (else two trees, as two builds would be)


@dataclass
class _Slot:
    """One module name of an application, and its kind in each version (None: absent)."""

    name: str
    old_kind: str | None
    new_kind: str | None
    changed: bool


def _rarely(draw: st.DrawFn, one_in: int) -> bool:
    return draw(st.integers(1, one_in)) == one_in


@st.composite
def _slots(draw: st.DrawFn, app: str, status: str) -> list[_Slot]:
    slots = []
    kinds: list[tuple[str, str]] = [
        (f"{app}_m{index}", draw(st.sampled_from(WORKER_KINDS)))
        for index in range(draw(st.integers(1, 4)))
    ]
    if draw(st.booleans()):
        kinds.append((f"{app}_sup", "supervisor"))
    if _rarely(draw, 3):
        kinds.append((f"{app}_app", "application"))
    for name, kind in kinds:
        statuses = SUPERVISOR_STATUSES if kind == "supervisor" else MODULE_STATUSES
        module_status = draw(st.sampled_from(statuses)) if status == "upgraded" else "same"
        if kind == "application" and module_status in ("added", "removed"):
            module_status = "changed"  # a changed `mod` key is a restart; tried elsewhere
        new_kind = kind
        if module_status == "changed" and kind in WORKER_KINDS and _rarely(draw, 6):
            new_kind = draw(st.sampled_from(WORKER_KINDS))
        slots.append(
            _Slot(
                name,
                None if status == "added" or module_status == "added" else kind,
                None if status == "removed" or module_status == "removed" else new_kind,
                module_status == "changed",
            )
        )
    return slots


def _present_in_both_versions(slots: list[_Slot]) -> tuple[bool, bool]:
    return (
        any(slot.old_kind is not None for slot in slots),
        any(slot.new_kind is not None for slot in slots),
    )


def _module(
    draw: st.DrawFn,
    slot: _Slot,
    kind: str,
    marker: int,
    callable_modules: list[str],
    app: list[_Slot],
    new: bool,
) -> CompiledModule:
    others = [name for name in callable_modules if name != slot.name]
    calls = (
        tuple(draw(st.lists(st.sampled_from(others), max_size=3, unique=True))) if others else ()
    )
    if kind != "supervisor":
        return CompiledModule(slot.name, calls, kind=kind, marker=marker)
    servers = [s.name for s in app if (s.new_kind if new else s.old_kind) in SERVER_KINDS]
    children = tuple(draw(st.lists(st.sampled_from(servers), unique=True))) if servers else ()
    registered = not _rarely(draw, 5)
    return CompiledModule(
        slot.name, calls, kind=kind, marker=marker, children=children, registered=registered
    )


@st.composite
def _modules(
    draw: st.DrawFn, layout: dict[str, list[_Slot]], old_names: list[str], new_names: list[str]
) -> tuple[dict[str, list[CompiledModule]], dict[str, list[CompiledModule]]]:
    old: dict[str, list[CompiledModule]] = {}
    new: dict[str, list[CompiledModule]] = {}
    for app, slots in layout.items():
        old[app], new[app] = [], []
        for slot in slots:
            before = None
            if slot.old_kind is not None:
                before = _module(draw, slot, slot.old_kind, 1, old_names, slots, new=False)
                old[app].append(before)
            if slot.new_kind is None:
                continue
            if before is not None and not slot.changed:
                new[app].append(before)
            else:
                new[app].append(_module(draw, slot, slot.new_kind, 2, new_names, slots, new=True))
    return old, new


def _dependencies(draw: st.DrawFn, candidates: list[str]) -> tuple[str, ...]:
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True)) if candidates else []
    return ("kernel", "stdlib", *sorted(chosen))


def _app(
    name: str, vsn: str, modules: list[CompiledModule], uses: tuple[str, ...]
) -> AppDescription:
    callback = [m.name for m in modules if m.kind == "application"]
    keys: tuple[tuple[str, Term], ...] = (
        (("mod", (Atom(callback[0]), ErlList())),) if callback else ()
    )
    return AppDescription(name, vsn, tuple(modules), applications=uses, extra_keys=keys)


@st.composite
def plan_scenarios(draw: st.DrawFn) -> PlanScenario:
    statuses = [draw(st.sampled_from(APP_STATUSES)) for _ in range(draw(st.integers(1, 4)))]
    if not _rarely(draw, 5):
        statuses[0] = "upgraded"  # most examples plan at least one appup
    names = [f"a{index}" for index in range(len(statuses))]
    layout = {app: draw(_slots(app, status)) for app, status in zip(names, statuses, strict=True)}
    old_names = [s.name for slots in layout.values() for s in slots if s.old_kind is not None]
    new_names = [s.name for slots in layout.values() for s in slots if s.new_kind is not None]
    old_modules, new_modules = draw(_modules(layout, old_names, new_names))
    old_apps: list[AnyApp] = []
    new_apps: list[AnyApp] = []
    for index, (app, status) in enumerate(zip(names, statuses, strict=True)):
        in_old = [n for n, s in zip(names[:index], statuses, strict=False) if s != "added"]
        in_new = [n for n, s in zip(names[:index], statuses, strict=False) if s != "removed"]
        if status == "unchanged":
            both = [n for n in in_old if n in in_new]
            same = _app(app, OLD_VSN, old_modules[app], _dependencies(draw, both))
            old_apps.append(same)
            new_apps.append(same)
            continue
        if status != "added":
            old_apps.append(_app(app, OLD_VSN, old_modules[app], _dependencies(draw, in_old)))
        if status != "removed":
            vsn = NEW_VSN if status == "upgraded" else OLD_VSN
            new_apps.append(_app(app, vsn, new_modules[app], _dependencies(draw, in_new)))
    core = None
    if _rarely(draw, 10):
        core = [
            OtpAppDescription("kernel"),
            OtpAppDescription("stdlib"),
            OtpAppDescription("sasl", "9.9"),
        ]
    erts = "99.0" if _rarely(draw, 10) else None
    return PlanScenario(
        old=standard_release(RELEASE, OLD_VSN, old_apps),
        new=standard_release(RELEASE, NEW_VSN, new_apps, erts_vsn=erts, core=core),
        fallback=draw(st.sampled_from(("fail", "restart"))),
        shared_root=draw(st.booleans()),
    )


# -- writing, planning, comparing ---------------------------------------------------------


@dataclass(frozen=True)
class _Trees:
    """Where the releases were written; each ``.rel`` sits in ROOT/releases/VSN, so
    relup reads ROOT as its tree."""

    old: WrittenRelease
    new: WrittenRelease


def _write(
    root: Path, scenario: ReleaseScenario, oracle: SystoolsOracle, stage: Path
) -> WrittenRelease:
    """The release with its beams, all compiled in one oracle request."""
    written = write_release(root, scenario, oracle, compile_beams=False)
    pending = [
        (root / "lib" / f"{app.name}-{app.vsn}" / "ebin", module)
        for app in scenario.apps
        if isinstance(app, AppDescription)
        for module in app.modules
    ]
    pending = [(ebin, m) for ebin, m in pending if not (ebin / f"{m.name}.beam").exists()]
    if pending:
        stage.mkdir()
        oracle.compile_modules(stage, [module.source() for _, module in pending])
        for ebin, module in pending:
            (stage / f"{module.name}.beam").rename(ebin / f"{module.name}.beam")
    return written


def _write_trees(scenario: PlanScenario, directory: Path, oracle: SystoolsOracle) -> _Trees:
    old_root = directory / "tree"
    new_root = old_root if scenario.shared_root else directory / "new-tree"
    old = _write(old_root, scenario.old, oracle, directory / "stage-old")
    new = _write(new_root, scenario.new, oracle, directory / "stage-new")
    return _Trees(old, new)


def _plan(old: Path, new: Path, fallback: Fallback) -> UpgradePlan:
    """The plan; a PlanError must name exactly the applications ``restart`` restarts."""
    request = PlanRequest(old, new, lib_paths=(), erlang_root="auto", fallback=fallback)
    try:
        return plan_release_upgrade(request)
    except PlanError as error:
        assert fallback == "fail", f"fallback restart still failed: {error}"
        restarted = plan_release_upgrade(replace(request, fallback="restart"))
        blocked = {reason.split(":", 1)[0] for reason in error.reasons}
        assert blocked == {
            app.name for app in restarted.applications if app.verdict == "restart_application"
        }, error
        event("plan refused hot: replanned with fallback restart")
        return restarted


def _expected_module_changes(scenario: PlanScenario) -> dict[str, dict[str, str]]:
    """What the diff must say of each module of an upgraded application, from the sources."""
    old_apps = {a.name: a for a in scenario.old.apps if isinstance(a, AppDescription)}
    expected: dict[str, dict[str, str]] = {}
    for app in scenario.new.apps:
        previous = old_apps.get(app.name)
        if not isinstance(app, AppDescription) or previous is None or previous.vsn == app.vsn:
            continue
        before = {m.name: m for m in previous.modules}
        after = {m.name: m for m in app.modules}
        changes = {name: "added" for name in after.keys() - before.keys()}
        changes.update({name: "removed" for name in before.keys() - after.keys()})
        changes.update(
            {
                name: "changed"
                for name in before.keys() & after.keys()
                if before[name] != after[name]
            }
        )
        expected[app.name] = changes
    return expected


def _check_diff_follows_sources(plan: UpgradePlan, scenario: PlanScenario) -> None:
    for app, changes in _expected_module_changes(scenario).items():
        app_diff = plan.diff.application(app)
        assert app_diff is not None and app_diff.status == "upgraded"
        assert {c.module: c.kind for c in app_diff.modules} == changes, app
        assert not any(c.vsn_only for c in app_diff.modules)


def _module_instructions(steps: tuple[PlannedInstruction, ...]) -> Counter[str]:
    return Counter(
        step.instruction.module for step in steps if isinstance(step.instruction, MODULE_STEPS)
    )


def _check_each_change_covered_once(plan: UpgradePlan) -> None:
    """Each changed, added or removed module: one instruction up, one down; others none."""
    for app_plan in plan.applications:
        app_diff = plan.diff.application(app_plan.name)
        assert app_diff is not None
        if app_plan.verdict != "hot":
            _check_restart_plan(app_plan)
            continue
        assert app_plan.source == "generated"
        changed = Counter(c.module for c in app_diff.modules if not c.vsn_only)
        assert _module_instructions(app_plan.up) == changed, app_plan.name
        assert _module_instructions(app_plan.down) == changed, app_plan.name


def _check_restart_plan(app_plan: AppPlan) -> None:
    expected: ins.Instruction = (
        ins.RESTART_NEW_EMULATOR
        if app_plan.verdict == "restart_emulator"
        else ins.RestartApplication(app_plan.name)
    )
    assert [step.instruction for step in app_plan.up] == [expected]
    assert [step.instruction for step in app_plan.down] == [expected]


def _check_systools_agrees(plan: UpgradePlan, trees: _Trees, oracle: SystoolsOracle) -> None:
    assert plan.relup is not None
    write_files(plan_files(plan))
    written_relup = read_first_term_file(trees.new.rel_file.parent / "relup")
    ours = relup_to_term(plan.relup)
    assert written_relup == ours
    releases = [trees.old.rel_file]
    theirs = oracle.make_relup(
        trees.new.rel_file, releases, releases, path=search_path(trees.new, trees.old)
    )
    assert isinstance(theirs, RelupBuilt), f"systools refused the plan's appups: {theirs}"
    assert canonical(ours) == canonical(theirs.relup)
    warnings = ErlList(tuple(warning.term for warning in reversed(plan.relup.warnings)))
    assert warnings == theirs.warnings


def _describe(plan: UpgradePlan) -> None:
    event(f"verdict {plan.verdict}")
    statuses = sorted({app.status for app in plan.diff.applications if app.name[0] == "a"})
    event(f"application statuses {'+'.join(statuses)}")
    rules = {step.reason.rule for app in plan.applications for step in app.up}
    for rule in sorted(rules):
        event(f"rule {rule}")
    module_steps = [
        (app.name, step.instruction)
        for app in plan.applications
        for step in app.up
        if isinstance(step.instruction, MODULE_STEPS)
    ]
    if any(instruction.dep_mods for _, instruction in module_steps):
        event("DepMods from imports")
    owners = {m.name: a.name for a in plan.diff.new.applications for m in a.modules}
    if any(owners.get(dep) not in (None, app) for app, i in module_steps for dep in i.dep_mods):
        event("DepMods across applications")


_PROFILE_EXAMPLES = settings().max_examples  # of the loaded profile (ci: 50)
# Each example compiles two releases, plans, and runs systools (~0.3 s).
_SETTINGS = settings(
    max_examples=_PROFILE_EXAMPLES * 4 // 5,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    deadline=None,
)


@_SETTINGS
@given(scenario=plan_scenarios())
def test_planned_relup_is_what_systools_makes_from_the_planned_appups(
    scenario: PlanScenario, systools_oracle: SystoolsOracle
) -> None:
    with tempfile.TemporaryDirectory(prefix="relup-plan-") as directory:
        trees = _write_trees(scenario, Path(directory), systools_oracle)
        plan = _plan(trees.old.rel_file, trees.new.rel_file, scenario.fallback)
        _describe(plan)
        _check_diff_follows_sources(plan, scenario)
        _check_each_change_covered_once(plan)
        _check_systools_agrees(plan, trees, systools_oracle)


@settings(_SETTINGS, max_examples=max(1, _PROFILE_EXAMPLES // 5))
@given(scenario=plan_scenarios())
def test_a_release_planned_against_itself_plans_nothing(
    scenario: PlanScenario, systools_oracle: SystoolsOracle
) -> None:
    """plan(A, A): no application upgraded, added or removed; hot; systools agrees."""
    with tempfile.TemporaryDirectory(prefix="relup-plan-") as directory:
        release = _write(
            Path(directory) / "tree", scenario.old, systools_oracle, Path(directory) / "stage"
        )
        plan = plan_release_upgrade(PlanRequest(release.rel_file, release.rel_file))
        assert plan.applications == ()
        assert plan.added_applications == () and plan.removed_applications == ()
        assert plan.verdict == "hot" and plan.warnings == ()
        assert all(app.status == "unchanged" and app.is_empty for app in plan.diff.applications)
        assert plan.relup is not None
        theirs = systools_oracle.make_relup(
            release.rel_file, [release.rel_file], [release.rel_file], path=release.ebin_dirs
        )
        assert isinstance(theirs, RelupBuilt), theirs
        assert canonical(relup_to_term(plan.relup)) == canonical(theirs.relup)


def test_an_application_gaining_its_first_modules_adds_them(
    tmp_path: Path, systools_oracle: SystoolsOracle
) -> None:
    old = standard_release(RELEASE, OLD_VSN, [_app("a0", OLD_VSN, [], ("kernel", "stdlib"))])
    new_modules = [CompiledModule("a0_m0"), CompiledModule("a0_m1", ("a0_m0",))]
    new = standard_release(
        RELEASE, NEW_VSN, [_app("a0", NEW_VSN, new_modules, ("kernel", "stdlib"))]
    )
    scenario = PlanScenario(old, new, "fail", shared_root=True)
    trees = _write_trees(scenario, tmp_path, systools_oracle)
    plan = _plan(trees.old.rel_file, trees.new.rel_file, "fail")
    (app_plan,) = plan.applications
    added = {
        step.instruction.module
        for step in app_plan.up
        if isinstance(step.instruction, ins.AddModule)
    }
    assert added == {"a0_m0", "a0_m1"}
    _check_each_change_covered_once(plan)
    _check_systools_agrees(plan, trees, systools_oracle)
