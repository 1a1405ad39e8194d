"""Invariants of ``diff_releases``, over generated pairs of ``ReleaseCode`` values.

The pairs are built directly (fake paths, random md5s), one release evolved
into the other so that most names meet on both sides: applications kept,
upgraded, added or removed; modules kept, recompiled (another md5), re-versioned
(another ``-vsn``), replaced, added or removed; supervisors whose literal child
specs gain, lose or change children; ``.app`` keys, ``priv/`` files and
``sys.config`` parameters kept, changed, added or removed.  Config values are
drawn so that Python's ``==`` and Erlang's ``=:=`` agree on them (no integral
floats); where they do not, see ``TestExactConfigEquality``.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypeVar

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from diffing.changes import (
    AppDiff,
    AppStatus,
    ChangeKind,
    ChildChange,
    ConfigChange,
    ModuleChange,
    ReleaseDiff,
)
from diffing.code_facts import (
    AppCode,
    ChildSpec,
    ModuleFacts,
    PrivFile,
    ReleaseCode,
    SupervisorFacts,
)
from diffing.compare import diff_releases
from diffing.release import Application, AppName, ModuleName, RelApplication, Release, ReleaseSpec
from diffing.terms import Atom, ErlList, ErlMap, Term, erl_list, erl_string
from property.term_strategies import exact

T = TypeVar("T")

APP_NAMES = ("alpha", "beta", "gamma", "delta")
VERSIONS = ("1.0", "1.1", "2.0")
ERTS_VERSIONS = ("13.1", "13.2")
MODULE_VSNS: tuple[Term | None, ...] = (None, erl_list(1), erl_list(2), erl_list(3))
BEHAVIOURS = ("gen_server", "gen_statem", "supervisor", "application", "Elixir.GenServer")
EXPORTS = (("code_change", 3), ("code_change", 4), ("init", 1), ("system_code_change", 4))
PRIV_PATHS = ("data.json", "lib/nif.so", "bin/port", "templates/page.html")
SHA_POOL = ("aa" * 32, "bb" * 32, "cc" * 32)
PARAMETERS = ("port", "pool_size", "backends", "timeout", "mode")
CHILD_IDS: tuple[Term, ...] = (Atom("worker_a"), Atom("worker_b"), Atom("cache"), erl_string("c"))
RESTARTS = (Atom("permanent"), Atom("transient"), Atom("temporary"))


def _modules_of(app: str) -> tuple[str, ...]:
    return tuple(f"{app}_m{index}" for index in range(4))


ALL_MODULES = tuple(module for app in APP_NAMES for module in _modules_of(app))


# -- values -------------------------------------------------------------------------------


SCALARS: st.SearchStrategy[Term] = st.one_of(
    st.sampled_from([Atom("on"), Atom("off"), Atom("undefined")]),
    st.integers(-5, 5),
    st.integers(-20, 20).map(lambda n: n + 0.5),  # never integral: see the module docstring
    st.binary(max_size=4),
    st.text("abc", max_size=3).map(erl_string),
)
_SCALAR_LISTS = st.lists(SCALARS, max_size=3).map(tuple)
# Config values two levels deep: scalars, tuples, lists, maps and proplists of scalars.
# No integral floats, so ``==`` on these is Erlang's ``=:=``.
CONFIG_VALUES: st.SearchStrategy[Term] = st.one_of(
    SCALARS,
    _SCALAR_LISTS,
    _SCALAR_LISTS.map(ErlList),
    st.lists(st.tuples(SCALARS, SCALARS), max_size=3).map(lambda pairs: ErlMap(tuple(pairs))),
    st.lists(st.tuples(st.sampled_from([Atom("k1"), Atom("k2")]), _SCALAR_LISTS), max_size=2).map(
        lambda pairs: ErlList(tuple(pairs))
    ),
)


MD5S = st.binary(min_size=16, max_size=16)
# Built once: hypothesis strategies are cheap to draw from, not to construct.
_CHILD_MODULES: st.SearchStrategy[tuple[ModuleName, ...] | Literal["dynamic"]] = st.one_of(
    st.just("dynamic"),
    st.lists(st.sampled_from(ALL_MODULES), max_size=2).map(lambda m: _sorted_unique(m)),
)
_CHILD_ID_LISTS = st.lists(st.sampled_from(CHILD_IDS), max_size=3, unique=True)
_STARTING_CHILD_IDS = st.lists(st.sampled_from(CHILD_IDS), min_size=1, max_size=3, unique=True)
# A third of the modules are supervisors, so supervisors often meet on both sides.
_BEHAVIOUR_SETS = st.one_of(
    st.just(["supervisor"]), st.lists(st.sampled_from(BEHAVIOURS), max_size=2, unique=True)
)
_EXPORT_SETS = st.lists(st.sampled_from(EXPORTS), max_size=3).map(frozenset)
_CALL_LISTS = st.lists(st.sampled_from(ALL_MODULES), max_size=3)


def _keep_or(draw: st.DrawFn, value: T, strategy: st.SearchStrategy[T], one_in: int = 3) -> T:
    """``value`` most of the time, else a fresh draw (which may happen to be equal)."""
    return draw(strategy) if draw(st.integers(1, one_in)) == one_in else value


def _sorted_unique(names: Sequence[str]) -> tuple[ModuleName, ...]:
    return tuple(ModuleName(name) for name in sorted(set(names)))


# -- modules and supervisors --------------------------------------------------------------


@st.composite
def child_specs(draw: st.DrawFn, child_id: Term) -> ChildSpec:
    start = ModuleName(draw(st.sampled_from(ALL_MODULES)))
    child_type: Literal["worker", "supervisor"] = draw(st.sampled_from(["worker", "supervisor"]))
    modules: tuple[ModuleName, ...] | Literal["dynamic"] = (
        (start,) if draw(st.booleans()) else draw(_CHILD_MODULES)
    )
    restart = draw(st.sampled_from(RESTARTS))
    modules_term = Atom(modules) if isinstance(modules, str) else erl_list(*map(Atom, modules))
    term = ErlMap(
        (
            (Atom("id"), child_id),
            (Atom("start"), (Atom(start), Atom("start_link"), ErlList())),
            (Atom("restart"), restart),
            (Atom("type"), Atom(child_type)),
            (Atom("modules"), modules_term),
        )
    )
    return ChildSpec(child_id, start, child_type, modules, True, term)


@st.composite
def supervisor_facts(draw: st.DrawFn) -> SupervisorFacts:
    ids = draw(_STARTING_CHILD_IDS)
    specs = tuple(draw(child_specs(child_id)) for child_id in ids)
    name = draw(st.sampled_from([None, "the_sup"]))
    return SupervisorFacts(name, specs, specs_complete=draw(st.booleans()))


@st.composite
def _evolved_supervisor(draw: st.DrawFn, facts: SupervisorFacts) -> SupervisorFacts:
    """Children kept, changed or dropped, and new ones added: the same supervisor later."""
    specs: list[ChildSpec] = []
    for spec in facts.child_specs:
        fate = draw(st.sampled_from(["kept", "changed", "dropped"]))
        if fate == "kept":
            specs.append(spec)
        elif fate == "changed":
            specs.append(draw(child_specs(spec.id)))
    used = {spec.id for spec in facts.child_specs}
    for child_id in draw(_CHILD_ID_LISTS):
        if child_id not in used:
            specs.append(draw(child_specs(child_id)))
    return replace(facts, child_specs=tuple(specs))


@st.composite
def module_facts(draw: st.DrawFn, name: str) -> ModuleFacts:
    behaviours = tuple(sorted(draw(_BEHAVIOUR_SETS)))
    is_supervisor = "supervisor" in behaviours
    return ModuleFacts(
        name=ModuleName(name),
        md5=draw(MD5S),
        vsn=draw(st.sampled_from(MODULE_VSNS)),
        behaviours=behaviours,
        behaviours_inferred=draw(st.booleans()),
        exports=draw(_EXPORT_SETS),
        calls=_sorted_unique(draw(_CALL_LISTS)),
        supervisor=draw(supervisor_facts()) if is_supervisor else None,
    )


@st.composite
def _evolved_module(draw: st.DrawFn, facts: ModuleFacts) -> ModuleFacts:
    fate = draw(st.sampled_from(["same", "same", "md5", "vsn", "md5+vsn", "fresh"]))
    evolved = facts
    if fate in ("md5", "md5+vsn"):
        evolved = replace(evolved, md5=draw(MD5S.filter(lambda md5: md5 != facts.md5)))
    if fate in ("vsn", "md5+vsn"):
        other = [vsn for vsn in MODULE_VSNS if vsn != facts.vsn]
        evolved = replace(evolved, vsn=draw(st.sampled_from(other)))
    if fate == "fresh":
        evolved = draw(module_facts(facts.name))
    if evolved.supervisor is not None and fate != "fresh":
        evolved = replace(evolved, supervisor=draw(_evolved_supervisor(evolved.supervisor)))
    return evolved


# -- applications and releases ------------------------------------------------------------


@dataclass(frozen=True)
class AppSide:
    """One application in one release: its ``.app``, its code (None: not read), its config."""

    application: Application
    code: AppCode | None
    config: tuple[tuple[str, Term], ...] | None


def _ebin(tag: str, name: str, vsn: str) -> Path:
    return Path(f"/fake/{tag}/lib/{name}-{vsn}/ebin")


def _optional_terms(*choices: Term) -> st.SearchStrategy[Term | None]:
    return st.sampled_from([None, *choices])


@st.composite
def _config(draw: st.DrawFn) -> tuple[tuple[str, Term], ...] | None:
    if draw(st.integers(1, 5)) == 1:
        return None
    parameters = draw(st.lists(st.sampled_from(PARAMETERS), max_size=4, unique=True))
    return tuple((parameter, draw(CONFIG_VALUES)) for parameter in parameters)


@st.composite
def _priv_files(draw: st.DrawFn) -> tuple[PrivFile, ...]:
    paths = draw(st.lists(st.sampled_from(PRIV_PATHS), max_size=3, unique=True))
    return tuple(PrivFile(path, draw(st.sampled_from(SHA_POOL))) for path in sorted(paths))


@st.composite
def _applications(draw: st.DrawFn, name: str, vsn: str, tag: str) -> Application:
    """An ``.app`` without modules (the caller fills them in)."""
    others = [app for app in APP_NAMES if app != name]
    uses = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
    includes = draw(st.lists(st.sampled_from(others), max_size=1))
    registered = draw(st.lists(st.sampled_from(["reg_a", "reg_b"]), max_size=2, unique=True))
    callbacks = [(Atom(f"{name}_m{index}"), ErlList()) for index in (0, 1)]
    return Application(
        name=AppName(name),
        vsn=vsn,
        start_type=draw(st.sampled_from(["permanent", "temporary", "load"])),
        description=name,
        modules=(),
        uses=tuple(AppName(a) for a in ("kernel", "stdlib", *uses)),
        includes=tuple(AppName(a) for a in includes),
        registered=tuple(registered),
        directory=_ebin(tag, name, vsn),
        env=draw(_optional_terms(ErlList(), erl_list((Atom("port"), 80)))),
        mod=draw(_optional_terms(*callbacks)),
        start_phases=draw(_optional_terms(erl_list((Atom("init"), ErlList())))),
    )


def _side(
    draw: st.DrawFn,
    application: Application,
    facts: Sequence[ModuleFacts],
    priv: tuple[PrivFile, ...],
    config: tuple[tuple[str, Term], ...] | None,
) -> AppSide:
    """The side, its code left unread about one time in eight."""
    facts = sorted(facts, key=lambda f: f.name)
    application = replace(application, modules=tuple(f.name for f in facts))
    code = AppCode(application.name, application.vsn, tuple(facts), priv)
    return AppSide(application, None if draw(st.integers(1, 8)) == 1 else code, config)


@st.composite
def app_sides(draw: st.DrawFn, name: str, tag: str) -> AppSide:
    application = draw(_applications(name, draw(st.sampled_from(VERSIONS)), tag))
    names = draw(st.lists(st.sampled_from(_modules_of(name)), min_size=1, max_size=3, unique=True))
    facts = [draw(module_facts(module)) for module in names]
    return _side(draw, application, facts, draw(_priv_files()), draw(_config()))


@st.composite
def _evolved_side(draw: st.DrawFn, old: AppSide, tag: str) -> AppSide:
    """The same application in the other release: each part kept, changed, added or dropped."""
    name, vsn = old.application.name, old.application.vsn
    if draw(st.booleans()):  # upgraded: another version
        vsn = draw(st.sampled_from([v for v in VERSIONS if v != vsn]))
    fresh = draw(_applications(name, vsn, tag))

    def pick() -> Application:
        """Where one ``.app`` key comes from: mostly kept, sometimes redrawn."""
        return fresh if draw(st.integers(1, 3)) == 3 else old.application

    application = replace(
        fresh,
        start_type=pick().start_type,
        uses=pick().uses,
        includes=pick().includes,
        registered=pick().registered,
        env=pick().env,
        mod=pick().mod,
        start_phases=pick().start_phases,
    )
    before = old.code.modules if old.code is not None else ()
    facts = [draw(_evolved_module(f)) for f in before if draw(st.integers(1, 5)) > 1]
    unused = [module for module in _modules_of(name) if module not in {f.name for f in before}]
    added = draw(st.lists(st.sampled_from(unused), max_size=2, unique=True)) if unused else []
    facts.extend(draw(module_facts(module)) for module in added)
    old_priv = old.code.priv_files if old.code is not None else ()
    priv = _evolved_pairs(draw, old_priv, draw(_priv_files()))
    return _side(draw, application, facts, priv, _evolved_config(draw, old.config, draw(_config())))


def _evolved_pairs(
    draw: st.DrawFn, old: tuple[PrivFile, ...], fresh: tuple[PrivFile, ...]
) -> tuple[PrivFile, ...]:
    files = {f.path: f for f in old if draw(st.integers(1, 4)) > 1}
    for f in fresh:
        if f.path not in files or draw(st.booleans()):
            files[f.path] = f
    return tuple(files[path] for path in sorted(files))


def _evolved_config(
    draw: st.DrawFn,
    old: tuple[tuple[str, Term], ...] | None,
    fresh: tuple[tuple[str, Term], ...] | None,
) -> tuple[tuple[str, Term], ...] | None:
    if old is None or fresh is None:
        return fresh if draw(st.booleans()) else old
    parameters = dict(entry for entry in old if draw(st.integers(1, 4)) > 1)
    for parameter, value in fresh:
        if parameter not in parameters or draw(st.integers(1, 3)) == 1:
            parameters[parameter] = value
    return tuple(parameters.items())


def _sys_config(sides: Sequence[AppSide]) -> Term | None:
    entries = [
        (Atom(side.application.name), ErlList(tuple((Atom(p), v) for p, v in side.config)))
        for side in sides
        if side.config is not None
    ]
    if not entries:
        return None
    # An application that is not in the release: its parameters are nobody's change.
    entries.append((Atom("kernel"), erl_list((Atom("logger_level"), Atom("info")))))
    return ErlList(tuple(entries))


def _release_code(
    sides: Sequence[AppSide], tag: str, vsn: str, erts: str, warnings: tuple[str, ...]
) -> ReleaseCode:
    applications = tuple(side.application for side in sides)
    spec = ReleaseSpec(
        "rel",
        vsn,
        erts,
        tuple(RelApplication(a.name, a.vsn, a.start_type) for a in applications),
        Path(f"/fake/{tag}/releases/{vsn}/rel.rel"),
    )
    release = Release(spec, applications, root=Path(f"/fake/{tag}"))
    codes = tuple(side.code for side in sides if side.code is not None)
    return ReleaseCode(release, codes, _sys_config(sides), warnings)


@st.composite
def release_pairs(draw: st.DrawFn) -> tuple[ReleaseCode, ReleaseCode]:
    """An old release and a new one evolved from it."""
    names = draw(st.lists(st.sampled_from(APP_NAMES), min_size=2, max_size=3, unique=True))
    old_sides: list[AppSide] = []
    new_sides: list[AppSide] = []
    for name in names:
        fate = draw(st.sampled_from(["kept", "kept", "kept", "added", "removed"]))
        if fate == "added":
            new_sides.append(draw(app_sides(name, "new")))
            continue
        old = draw(app_sides(name, "old"))
        old_sides.append(old)
        if fate == "kept":
            new_sides.append(draw(_evolved_side(old, "new")))
    new_sides = draw(st.permutations(new_sides))  # systools' start order may move them
    erts = draw(st.sampled_from(ERTS_VERSIONS))
    warnings = st.lists(st.sampled_from(["x.beam: listed in x.app but missing"]), max_size=1)
    return (
        _release_code(old_sides, "old", "1", erts, tuple(draw(warnings))),
        _release_code(
            new_sides,
            "new",
            "2",
            _keep_or(draw, erts, st.sampled_from(ERTS_VERSIONS)),
            tuple(draw(warnings)),
        ),
    )


def releases() -> st.SearchStrategy[ReleaseCode]:
    return release_pairs().map(lambda pair: pair[0])


# -- helpers for the properties -----------------------------------------------------------

_MIRRORED: dict[ChangeKind, ChangeKind] = {
    "added": "removed",
    "removed": "added",
    "changed": "changed",
}
_MIRRORED_STATUS: dict[AppStatus, AppStatus] = {
    "added": "removed",
    "removed": "added",
    "upgraded": "upgraded",
    "unchanged": "unchanged",
}


def _mirror_module(change: ModuleChange) -> ModuleChange:
    kind = _MIRRORED[change.kind]
    return ModuleChange(change.module, kind, change.new, change.old, change.vsn_only)


def _mirror_child(change: ChildChange) -> ChildChange:
    kind = _MIRRORED[change.kind]
    return ChildChange(change.supervisor, kind, change.child_id, change.new, change.old)


def _mirror_config(change: ConfigChange) -> ConfigChange:
    kind = _MIRRORED[change.kind]
    return replace(change, kind=kind, old=change.new, new=change.old)


def _mirror(app: AppDiff) -> AppDiff:
    """What ``diff(b, a)`` must say of an application, given what ``diff(a, b)`` says."""
    return AppDiff(
        app.name,
        _MIRRORED_STATUS[app.status],
        app.new_vsn,
        app.old_vsn,
        modules=tuple(_mirror_module(change) for change in app.modules),
        children=tuple(_mirror_child(change) for change in app.children),
        keys=tuple(replace(change, old=change.new, new=change.old) for change in app.keys),
        config=tuple(_mirror_config(change) for change in app.config),
        priv=tuple(replace(change, kind=_MIRRORED[change.kind]) for change in app.priv),
    )


def _unordered(app: AppDiff) -> AppDiff:
    """Children and config paths in a fixed order: their order follows one side's specs."""
    return replace(
        app,
        children=tuple(sorted(app.children, key=repr)),
        config=tuple(sorted(app.config, key=repr)),
    )


def _events(diff: ReleaseDiff) -> None:
    """What the example exercised, for ``--hypothesis-show-statistics``."""
    seen = {f"application {app.status}" for app in diff.applications}
    for app in diff.applications:
        seen.update(f"module {c.kind}{' (vsn only)' if c.vsn_only else ''}" for c in app.modules)
        seen.update(f"child {c.kind}" for c in app.children)
        seen.update(f"config {c.kind}" for c in app.config)
        seen.update(f"priv {c.kind}" for c in app.priv)
        seen.update(f"key {c.key}" for c in app.keys)
    if diff.erts is not None:
        seen.add("erts changed")
    for name in sorted(seen):
        event(name)


def _by_name(diff: ReleaseDiff) -> dict[str, AppDiff]:
    return {app.name: _unordered(app) for app in diff.applications}


def _parameters(config: Term | None, app: str) -> dict[str, object]:
    """The app's sys.config parameters, each value in a form whose ``==`` is ``=:=``."""
    if not isinstance(config, ErlList):
        return {}
    for entry in config.items:
        if isinstance(entry, tuple) and entry[0] == Atom(app) and isinstance(entry[1], ErlList):
            return {
                parameter.name: exact(value)
                for parameter, value in (item for item in entry[1].items if isinstance(item, tuple))
                if isinstance(parameter, Atom)
            }
    return {}


def _apps_in_both(old: ReleaseCode, new: ReleaseCode) -> list[str]:
    return [app.name for app in new.release.applications if old.release.application(app.name)]


# -- the properties -----------------------------------------------------------------------


class TestSelfDiff:
    """Diffing a release with itself gives an empty diff: every application is
    unchanged (same version) with no module, child, key, config or priv change,
    and the ERTS version did not change."""

    @given(releases())
    def test_a_release_diffed_with_itself_is_empty(self, release: ReleaseCode) -> None:
        diff = diff_releases(release, release)
        assert [app.name for app in diff.applications] == [
            app.name for app in release.release.applications
        ]
        assert all(app.status == "unchanged" and app.is_empty for app in diff.applications)
        assert not any(app.version_not_bumped for app in diff.applications)
        assert diff.erts is None


class TestMirror:
    """diff(a, b) mirrors diff(b, a): applications, modules, children and priv
    files added one way are removed the other way; what changed stays changed,
    with old and new swapped; the ERTS pair is swapped."""

    @given(release_pairs())
    def test_swapping_the_releases_mirrors_the_diff(
        self, pair: tuple[ReleaseCode, ReleaseCode]
    ) -> None:
        old, new = pair
        forward, backward = diff_releases(old, new), diff_releases(new, old)
        _events(forward)
        mirrored = {name: _unordered(_mirror(app)) for name, app in _by_name(forward).items()}
        assert mirrored == _by_name(backward)
        assert backward.erts == (None if forward.erts is None else forward.erts[::-1])

    @given(release_pairs())
    def test_statuses_follow_set_algebra_on_names_and_versions(
        self, pair: tuple[ReleaseCode, ReleaseCode]
    ) -> None:
        """systools_relup: only in NEW is added, only in OLD removed, in both
        upgraded when the version differs, else unchanged."""
        old, new = pair
        before = {a.name: a.vsn for a in old.release.applications}
        after = {a.name: a.vsn for a in new.release.applications}
        expected = {name: "added" for name in after.keys() - before.keys()}
        expected.update({name: "removed" for name in before.keys() - after.keys()})
        expected.update(
            {
                n: "unchanged" if before[n] == after[n] else "upgraded"
                for n in before.keys() & after.keys()
            }
        )
        diff = diff_releases(old, new)
        assert {app.name: app.status for app in diff.applications} == expected
        assert [a.name for a in diff.applications][: len(after)] == [
            a.name for a in new.release.applications
        ]


class TestModuleChanges:
    """A module is changed iff its beam_lib:md5 differs; a module whose md5 is
    the same but whose -vsn differs is a vsn-only change; same md5 and same vsn
    is no change at all.  Modules are compared only where the code of both
    versions was read."""

    @given(release_pairs())
    def test_changes_follow_md5_and_vsn(self, pair: tuple[ReleaseCode, ReleaseCode]) -> None:
        old, new = pair
        diff = diff_releases(old, new)
        for name in _apps_in_both(old, new):
            app_diff = diff.application(name)
            assert app_diff is not None
            old_code, new_code = old.application(name), new.application(name)
            if old_code is None or new_code is None:
                assert app_diff.modules == ()
                continue
            assert {c.module: _expected_kind(c) for c in app_diff.modules} == _module_model(
                old_code, new_code
            )
            for change in app_diff.modules:
                assert change.old == old_code.module(change.module)
                assert change.new == new_code.module(change.module)

    @given(release_pairs())
    def test_added_and_removed_applications_carry_no_inner_changes(
        self, pair: tuple[ReleaseCode, ReleaseCode]
    ) -> None:
        diff = diff_releases(*pair)
        for app in diff.applications:
            if app.status in ("added", "removed"):
                assert app.is_empty


def _expected_kind(change: ModuleChange) -> str:
    return "vsn-only" if change.vsn_only else change.kind


def _module_model(old: AppCode, new: AppCode) -> dict[str, str]:
    before = {f.name: f for f in old.modules}
    after = {f.name: f for f in new.modules}
    model: dict[str, str] = {name: "added" for name in after.keys() - before.keys()}
    model.update({name: "removed" for name in before.keys() - after.keys()})
    for name in before.keys() & after.keys():
        if before[name].md5 != after[name].md5:
            model[name] = "changed"
        elif before[name].vsn != after[name].vsn:
            model[name] = "vsn-only"
    return model


class TestConfigChanges:
    """application_controller:do_config_diff: a parameter of an application in
    both releases is changed when its new {Par, Val} does not match the old one,
    new when it was absent, removed when it is gone; anything else (equal
    values, other applications' entries) is no change."""

    @given(release_pairs())
    def test_config_changes_appear_iff_parameters_differ(
        self, pair: tuple[ReleaseCode, ReleaseCode]
    ) -> None:
        old, new = pair
        diff = diff_releases(old, new)
        for name in _apps_in_both(old, new):
            app_diff = diff.application(name)
            assert app_diff is not None
            before, after = _parameters(old.sys_config, name), _parameters(new.sys_config, name)
            expected = {p: "added" for p in after.keys() - before.keys()}
            expected.update({p: "removed" for p in before.keys() - after.keys()})
            expected.update(
                {p: "changed" for p in before.keys() & after.keys() if before[p] != after[p]}
            )
            assert {(c.parameter, c.kind) for c in app_diff.config} == set(expected.items())
            assert all(c.application == name for c in app_diff.config)


class TestDeterminism:
    """Output is deterministic: the same input gives an equal diff, and every
    list in it is in a stable order (modules and priv files by name, config by
    parameter, applications in the new release's order then removed ones sorted)."""

    @given(release_pairs())
    def test_same_input_same_diff_in_sorted_order(
        self, pair: tuple[ReleaseCode, ReleaseCode]
    ) -> None:
        diff = diff_releases(*pair)
        assert diff == diff_releases(*pair)
        new = pair[1]
        removed = [a.name for a in diff.applications if a.status == "removed"]
        assert removed == sorted(removed)
        assert [a.name for a in diff.applications] == [
            *(a.name for a in new.release.applications),
            *removed,
        ]
        for app in diff.applications:
            modules = [change.module for change in app.modules]
            assert modules == sorted(set(modules))
            priv = [change.path for change in app.priv]
            assert priv == sorted(set(priv))
            parameters = [change.parameter for change in app.config]
            assert parameters == sorted(parameters)

    @settings(max_examples=2)
    @given(pairs=st.lists(release_pairs(), min_size=8, max_size=8))
    def test_diff_does_not_depend_on_the_hash_seed(
        self, pairs: list[tuple[ReleaseCode, ReleaseCode]], tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """Equal diffs from processes with different PYTHONHASHSEED: no order comes from a set."""
        inputs = tmp_path_factory.mktemp("diff-seeds") / "pairs.pickle"
        inputs.write_bytes(pickle.dumps(pairs))
        expected = [diff_releases(*pair) for pair in pairs]
        for seed in ("1", "2"):
            assert _diffs_in_subprocess(inputs, seed) == expected


_DIFF_SCRIPT = """
import pickle, sys
from diffing.compare import diff_releases
pairs = pickle.loads(open(sys.argv[1], "rb").read())
sys.stdout.buffer.write(pickle.dumps([diff_releases(*pair) for pair in pairs]))
"""
ROOT = Path(__file__).resolve().parents[2]


def _diffs_in_subprocess(inputs: Path, seed: str) -> list[ReleaseDiff]:
    environment = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _DIFF_SCRIPT, str(inputs)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        check=True,
    )
    diffs: list[ReleaseDiff] = pickle.loads(result.stdout)
    return diffs


class TestExactConfigEquality:
    """do_config_diff matches ``{Env, Value}`` against the old entry, i.e. Erlang's
    ``=:=``: ``1`` and ``1.0`` are different values, so the parameter changed."""

    def test_an_integer_becoming_a_float_is_a_config_change(self) -> None:
        old, new = _one_parameter_pair(1), _one_parameter_pair(1.0)
        app = diff_releases(old, new).application("alpha")
        assert app is not None
        assert [(c.parameter, c.kind) for c in app.config] == [("timeout", "changed")]


def _one_parameter_pair(value: Term) -> ReleaseCode:
    application = Application(
        AppName("alpha"), "1.0", "permanent", "alpha", (), (), (), (), _ebin("x", "alpha", "1.0")
    )
    side = AppSide(application, None, (("timeout", value),))
    return _release_code([side], "x", "1", "13.1", ())
