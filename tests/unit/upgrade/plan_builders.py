"""Literal building blocks for planner tests: module facts, applications, releases, diffs.

Everything is built directly as the dataclasses the diff stage produces; no
beam is read and ``diffing.compare`` is not involved, so each test states the
exact diff it plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from diffing.changes import AppDiff, ChildChange, ModuleChange, ReleaseDiff
from diffing.code_facts import AppCode, ChildSpec, ModuleFacts, ReleaseCode, SupervisorFacts
from diffing.release import (
    Application,
    AppName,
    Appup,
    ModuleName,
    RelApplication,
    Release,
    ReleaseSpec,
)
from diffing.terms import NIL, Atom, Term
from render.relup_terms import script_to_term
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, UpgradePlan
from upgrade.translate import translate_scripts

A, M = AppName, ModuleName


def library(name: str, md5: bytes = b"1", calls: Sequence[str] = ()) -> ModuleFacts:
    return ModuleFacts(
        name=M(name),
        md5=md5,
        vsn=None,
        behaviours=(),
        behaviours_inferred=False,
        exports=frozenset({("module_info", 0)}),
        calls=tuple(sorted(M(c) for c in calls)),
    )


def gen_server(
    name: str,
    md5: bytes = b"1",
    calls: Sequence[str] = (),
    code_change: bool = True,
    behaviour: str = "gen_server",
) -> ModuleFacts:
    arity = 4 if behaviour in ("gen_statem", "gen_fsm") else 3
    exports = {("init", 1), ("handle_call", 3)}
    if code_change:
        exports.add(("code_change", arity))
    return ModuleFacts(
        name=M(name),
        md5=md5,
        vsn=None,
        behaviours=(behaviour,),
        behaviours_inferred=False,
        exports=frozenset(exports),
        calls=tuple(sorted(M(c) for c in calls)),
    )


def special(name: str, md5: bytes = b"1") -> ModuleFacts:
    return ModuleFacts(
        name=M(name),
        md5=md5,
        vsn=None,
        behaviours=(),
        behaviours_inferred=False,
        exports=frozenset({("system_code_change", 4), ("start_link", 0)}),
        calls=(),
    )


def application_module(name: str, md5: bytes = b"1", config_change: bool = False) -> ModuleFacts:
    exports = {("start", 2), ("stop", 1)}
    if config_change:
        exports.add(("config_change", 3))
    return ModuleFacts(
        name=M(name),
        md5=md5,
        vsn=None,
        behaviours=("application",),
        behaviours_inferred=False,
        exports=frozenset(exports),
        calls=(),
    )


def worker_spec(child_id: str, modules: Sequence[str] | None = None) -> ChildSpec:
    listed = (child_id,) if modules is None else tuple(modules)
    term: Term = (
        Atom(child_id),
        (Atom(child_id), Atom("start_link"), NIL),
        Atom("permanent"),
        5000,
        Atom("worker"),
        NIL,
    )
    return ChildSpec(
        id=Atom(child_id),
        start_module=M(child_id),
        type="worker",
        modules=tuple(M(m) for m in listed),
        literal=True,
        term=term,
    )


def supervisor_spec(child_id: str) -> ChildSpec:
    spec = worker_spec(child_id)
    return ChildSpec(spec.id, spec.start_module, "supervisor", spec.modules, True, spec.term)


def supervisor(
    name: str,
    specs: Sequence[ChildSpec],
    md5: bytes = b"1",
    registered: str | None = "self",
    complete: bool = True,
    inline: bool = False,
    calls: Sequence[str] = (),
) -> ModuleFacts:
    registered_name = name if registered == "self" else registered
    return ModuleFacts(
        name=M(name),
        md5=md5,
        vsn=None,
        behaviours=() if inline else ("supervisor",),
        behaviours_inferred=False,
        exports=frozenset({("init", 1), ("start_link", 0)}),
        calls=tuple(sorted(M(c) for c in calls)),
        supervisor=SupervisorFacts(registered_name, tuple(specs), complete, inline),
    )


# -- changes ------------------------------------------------------------------------------


def changed(old: ModuleFacts, new: ModuleFacts) -> ModuleChange:
    return ModuleChange(new.name, "changed", old, new, vsn_only=old.md5 == new.md5)


def added(new: ModuleFacts) -> ModuleChange:
    return ModuleChange(new.name, "added", None, new)


def removed(old: ModuleFacts) -> ModuleChange:
    return ModuleChange(old.name, "removed", old, None)


def child_added(supervisor_name: str, spec: ChildSpec) -> ChildChange:
    return ChildChange(M(supervisor_name), "added", spec.id, None, spec)


def child_removed(supervisor_name: str, spec: ChildSpec) -> ChildChange:
    return ChildChange(M(supervisor_name), "removed", spec.id, spec, None)


# -- releases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AppSide:
    """One application in one release: its version, code and .app bits."""

    name: str
    vsn: str
    modules: tuple[ModuleFacts, ...] = ()
    mod: Term | None = None
    appup: Appup | None = None
    priv: tuple[object, ...] = field(default=())


def side(
    name: str,
    vsn: str,
    modules: Sequence[ModuleFacts] = (),
    mod: str | None = None,
    appup: Appup | None = None,
) -> AppSide:
    mod_term: Term | None = None if mod is None else (Atom(mod), NIL)
    ordered = tuple(sorted(modules, key=lambda facts: facts.name))
    return AppSide(name, vsn, ordered, mod_term, appup)


def release_code(vsn: str, apps: Sequence[AppSide], erts: str = "13.1") -> ReleaseCode:
    spec = ReleaseSpec(
        name="rel",
        vsn=vsn,
        erts_vsn=erts,
        applications=tuple(RelApplication(A(app.name), app.vsn) for app in apps),
        path=Path(f"/rel/releases/{vsn}/rel.rel"),
    )
    applications = tuple(
        Application(
            name=A(app.name),
            vsn=app.vsn,
            start_type="permanent",
            description="",
            modules=tuple(facts.name for facts in app.modules),
            uses=(),
            includes=(),
            registered=(),
            directory=Path(f"/rel/lib/{app.name}-{app.vsn}/ebin"),
            mod=app.mod,
            appup=app.appup,
        )
        for app in apps
    )
    code = tuple(AppCode(A(app.name), app.vsn, app.modules) for app in apps)
    return ReleaseCode(Release(spec, applications), code)


def release_diff(
    old: Sequence[AppSide],
    new: Sequence[AppSide],
    changes: Sequence[AppDiff],
    erts: tuple[str, str] | None = None,
) -> ReleaseDiff:
    old_erts, new_erts = erts if erts is not None else ("13.1", "13.1")
    return ReleaseDiff(
        release_code("1", old, old_erts), release_code("2", new, new_erts), erts, tuple(changes)
    )


def upgraded(
    name: str,
    old_vsn: str = "1.0",
    new_vsn: str = "2.0",
    modules: Sequence[ModuleChange] = (),
    children: Sequence[ChildChange] = (),
    **rest: object,
) -> AppDiff:
    return AppDiff(
        A(name),
        "upgraded",
        old_vsn,
        new_vsn,
        tuple(sorted(modules, key=lambda change: change.module)),
        tuple(children),
        **rest,  # type: ignore[arg-type]
    )


# -- reading plans ------------------------------------------------------------------------


def steps(plan: AppPlan, direction: str = "up") -> tuple[PlannedInstruction, ...]:
    return plan.up if direction == "up" else plan.down


def instructions(plan: AppPlan, direction: str = "up") -> list[object]:
    return [step.instruction for step in steps(plan, direction)]


def translated(plan: UpgradePlan, direction: str) -> tuple[ins.LowLevelInstruction, ...]:
    """The relup script systools would build from the plan's appups (no app added/removed)."""
    scripts = [
        script_to_term(step.instruction for step in steps(app_plan, direction))
        for app_plan in plan.applications
    ]
    new_apps = plan.diff.new.release.applications
    old_apps = plan.diff.old.release.applications
    if direction == "up":
        return translate_scripts("up", scripts, new_apps, old_apps)
    return translate_scripts("dn", scripts, old_apps, new_apps)


def loads(script: Sequence[ins.LowLevelInstruction]) -> list[str]:
    """Modules loaded (``+m``) and removed (``-m``) in script order."""
    done = []
    for instruction in script:
        if isinstance(instruction, ins.Load):
            done.append(f"+{instruction.module}")
        elif isinstance(instruction, ins.Remove):
            done.append(f"-{instruction.module}")
    return done
