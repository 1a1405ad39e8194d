"""The per-module rules: which appup instruction each changed, added or removed module gets.

One module, both directions, before DepMods and ordering (``upgrade.dependencies``
adds those).  Each rule has a stable id, listed in docs/planning.md:

=============================  ====================================================
rule                           instruction (up; down is its mirror)
=============================  ====================================================
changed-library-module         ``{load_module, M}``
changed-application-callback   ``{load_module, M}`` (start/2 does not re-run: warned)
changed-process-module         ``{update, M, {advanced, []}}``
changed-process-module-soft    ``{update, M}``: no code_change to call (warned)
changed-special-process        ``{update, M, {advanced, []}}`` via system_code_change/4
changed-supervisor             ``{update, M, supervisor}``
added-module                   ``{add_module, M}``; down ``{delete_module, M}``
removed-module                 ``{delete_module, M}``; down ``{add_module, M}``
override                       any of the above as changed by ``relup.yaml``
=============================  ====================================================

Both directions of a changed process module call the *new* module's
code_change (up after loading it, down before loading the old one back, as
``dynamic`` asks), so the new module's exports decide.  A supervisor is
``static``: its ``init/1`` re-runs after the code of the target version is
loaded, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeAlias

from diffing.changes import ModuleChange
from diffing.code_facts import PROCESS_BEHAVIOURS, ModuleFacts
from diffing.release import AppName, ModuleName
from diffing.terms import ErlList, Term
from upgrade import instructions as ins
from upgrade.options import ModuleOverride
from upgrade.plan import PlanWarning, Reason

ModuleInstruction: TypeAlias = ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule
STATEFUL_KINDS = frozenset({"supervisor", "process", "special"})


@dataclass(frozen=True, slots=True)
class Step:
    """One module's instruction in one direction, before DepMods are known."""

    instruction: ModuleInstruction
    reason: Reason

    @property
    def module(self) -> ModuleName:
        return self.instruction.module


@dataclass(frozen=True, slots=True)
class ModuleSteps:
    module: ModuleName
    up: Step | None
    down: Step | None
    warnings: tuple[PlanWarning, ...] = ()
    restart_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleContext:
    application: AppName
    new_vsn: str
    callback_module: ModuleName | None  # the new .app's `mod`
    override: ModuleOverride | None = None


def plan_module(change: ModuleChange, context: ModuleContext) -> ModuleSteps:
    """The instructions for one module change, up and down, with warnings."""
    override = context.override
    if override is not None and override.ignore:
        message = f"{change.module} is ignored by relup.yaml: no instruction for it, up or down"
        return ModuleSteps(change.module, None, None, (_warn("module-ignored", context, message),))
    if change.kind == "added":
        steps = _added(change.module, context)
    elif change.kind == "removed":
        steps = _removed(change.module, context)
    elif change.vsn_only:
        message = (
            f"{change.module} changed only its -vsn attribute: its code is identical, "
            "so nothing is loaded and its processes get no code_change"
        )
        return ModuleSteps(change.module, None, None, (_warn("vsn-only-change", context, message),))
    else:
        assert change.old is not None and change.new is not None
        steps = _changed(change.old, change.new, context)
    return steps if override is None else _apply_override(steps, override, context)


def _added(module: ModuleName, context: ModuleContext) -> ModuleSteps:
    return ModuleSteps(
        module,
        Step(ins.AddModule(module), Reason("added-module", f"{module} added in {context.new_vsn}")),
        Step(
            ins.DeleteModule(module),
            Reason("added-module", f"{module} added in {context.new_vsn}: deleted on downgrade"),
        ),
    )


def _removed(module: ModuleName, context: ModuleContext) -> ModuleSteps:
    text = f"{module} removed in {context.new_vsn}"
    return ModuleSteps(
        module,
        Step(ins.DeleteModule(module), Reason("removed-module", text)),
        Step(ins.AddModule(module), Reason("removed-module", f"{text}: loaded back on downgrade")),
    )


def _changed(old: ModuleFacts, new: ModuleFacts, context: ModuleContext) -> ModuleSteps:
    module = new.name
    warnings: list[PlanWarning] = []
    restart: list[str] = []
    if old.kind != new.kind:
        message = f"{module} was a {old.kind} module and is now a {new.kind} module"
        if old.kind in STATEFUL_KINDS:
            restart.append(f"{message}: its running processes cannot change behaviour in place")
        else:
            warnings.append(_warn("module-kind-changed", context, message))
    instruction, up_text, down_text, rule = _changed_instruction(new, context, warnings)
    return ModuleSteps(
        module,
        Step(instruction, Reason(rule, up_text)),
        Step(instruction, Reason(rule, down_text)),
        tuple(warnings),
        tuple(restart),
    )


def _changed_instruction(
    new: ModuleFacts, context: ModuleContext, warnings: list[PlanWarning]
) -> tuple[ModuleInstruction, str, str, str]:
    module = new.name
    changed = f"{module} changed"
    if new.kind == "supervisor":
        update = ins.Update(module, "static", extra=ErlList())
        up = f"{changed}; supervisor: its init/1 re-runs once the new code is loaded"
        down = f"{changed}; supervisor: the old init/1 re-runs once the old code is loaded back"
        return update, up, down, "changed-supervisor"
    if new.kind == "special":
        text = f"{changed}; special process: system_code_change/4 converts its state"
        return ins.Update(module, extra=ErlList()), text, text, "changed-special-process"
    if new.kind == "process":
        behaviour = process_behaviour(new)
        arity = code_change_arity(new)
        if ("code_change", arity) in new.exports:
            text = f"{changed}; {behaviour} callback: code_change/{arity} converts its state"
            return ins.Update(module, extra=ErlList()), text, text, "changed-process-module"
        warnings.append(_no_code_change(module, behaviour, arity, context))
        text = f"{changed}; {behaviour} callback without code_change/{arity}: suspended, reloaded"
        return ins.Update(module), text, text, "changed-process-module-soft"
    if module == context.callback_module:
        warnings.append(_callback_changed(module, context))
        text = f"{changed}; application callback module: start/2 does not re-run"
        return ins.LoadModule(module), text, text, "changed-application-callback"
    text = f"{changed}; library module: no process to suspend"
    return ins.LoadModule(module), text, text, "changed-library-module"


def process_behaviour(facts: ModuleFacts) -> str:
    for behaviour in facts.behaviours:
        if behaviour in PROCESS_BEHAVIOURS:
            return behaviour
    return "process"


def code_change_arity(facts: ModuleFacts) -> int:
    """gen_statem and gen_fsm call code_change/4; the other behaviours code_change/3."""
    return 4 if {"gen_statem", "gen_fsm"} & set(facts.behaviours) else 3


def _no_code_change(module: str, behaviour: str, arity: int, context: ModuleContext) -> PlanWarning:
    message = (
        f"{module} is a {behaviour} callback without code_change/{arity}: it gets a soft update "
        "(suspend, load, resume) and its state is kept as it is; if the state's shape changed, "
        f"add code_change/{arity} (an {{advanced, Extra}} update would crash calling it)"
    )
    return _warn("no-code-change", context, message)


def _callback_changed(module: str, context: ModuleContext) -> PlanWarning:
    message = (
        f"{module}, the application callback module, changed: it is reloaded, but start/2 and "
        "stop/1 do not run during a hot upgrade; if start/2 now starts or configures something "
        "new, add apply steps in relup.yaml or restart the application"
    )
    return _warn("application-callback-changed", context, message)


def _warn(code: str, context: ModuleContext, message: str) -> PlanWarning:
    return PlanWarning(code, context.application, message)


# -- overrides -------------------------------------------------------------------------


def _apply_override(
    steps: ModuleSteps, override: ModuleOverride, context: ModuleContext
) -> ModuleSteps:
    up, down = steps.up, steps.down
    if up is None or down is None:
        return steps
    fields = _override_fields(override)
    if not fields:
        return steps
    not_applicable: list[str] = []
    new_up = _override_step(up, override, override.extra, not_applicable)
    down_extra = override.extra_down if override.extra_down is not None else override.extra
    new_down = _override_step(down, override, down_extra, not_applicable)
    warnings = list(steps.warnings)
    if not_applicable:
        shown = ", ".join(sorted(set(not_applicable)))
        message = (
            f"relup.yaml sets {shown} for {steps.module}, which does not apply to its "
            f"instruction ({_tag(new_up.instruction)}): ignored"
        )
        warnings.append(_warn("override-not-applicable", context, message))
    return replace(steps, up=new_up, down=new_down, warnings=tuple(warnings))


def _override_fields(override: ModuleOverride) -> list[str]:
    names = (
        "instruction", "change", "extra", "extra_down", "module_type", "timeout",
        "pre_purge", "post_purge", "dep_mods",
    )  # fmt: skip
    return [name for name in names if getattr(override, name) not in (None, ())]


def _override_step(
    step: Step, override: ModuleOverride, extra: Term | None, not_applicable: list[str]
) -> Step:
    instruction = step.instruction
    if isinstance(instruction, ins.AddModule | ins.DeleteModule):
        not_applicable.extend(f for f in _override_fields(override) if f != "dep_mods")
    else:
        instruction = _overridden_form(instruction, override)
        instruction = _overridden_details(instruction, override, extra, not_applicable)
    fields = ", ".join(_override_fields(override))
    text = f"{step.reason.text} [{step.reason.rule}]; relup.yaml sets {fields}"
    return Step(instruction, Reason("override", text))


def _overridden_form(
    instruction: ins.Update | ins.LoadModule, override: ModuleOverride
) -> ins.Update | ins.LoadModule:
    module = instruction.module
    match override.instruction:
        case "load_module":
            return ins.LoadModule(module)
        case "update":
            return ins.Update(module, extra=ErlList())
        case "supervisor":
            return ins.Update(module, "static", extra=ErlList())
    return instruction


def _overridden_details(
    instruction: ins.Update | ins.LoadModule,
    override: ModuleOverride,
    extra: Term | None,
    not_applicable: list[str],
) -> ins.Update | ins.LoadModule:
    purges = {
        name: value
        for name, value in (("pre_purge", override.pre_purge), ("post_purge", override.post_purge))
        if value is not None
    }
    if isinstance(instruction, ins.LoadModule):
        for name in ("change", "extra", "extra_down", "module_type", "timeout"):
            if getattr(override, name) is not None:
                not_applicable.append(name)
        return replace(instruction, **purges)  # type: ignore[arg-type]
    updated = replace(instruction, **purges)  # type: ignore[arg-type]
    if override.change == "soft":
        updated = replace(updated, extra=None)
    elif override.change == "advanced" and updated.extra is None:
        updated = replace(updated, extra=ErlList())
    if extra is not None:
        updated = replace(updated, extra=extra)
    if override.module_type is not None:
        updated = replace(updated, module_type=override.module_type)
    if override.timeout is not None:
        updated = replace(updated, timeout=override.timeout)
    return updated


def _tag(instruction: ModuleInstruction) -> str:
    return {
        ins.Update: "update",
        ins.LoadModule: "load_module",
        ins.AddModule: "add_module",
        ins.DeleteModule: "delete_module",
    }[type(instruction)]
