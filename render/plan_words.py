"""Each appup or relup instruction said in plain words, for readers who do not read Erlang terms.

The HTML review page puts these phrases next to the Erlang form: a reviewer
reads "Update shop_cart: suspend its processes, load the new code, convert
their state (code_change), resume" rather than ``{update,shop_cart,{advanced,[]}}``.  The
phrases describe what ``release_handler`` does with the instruction (OTP's
appup manual), not how it is written.  Free-form terms that have no plain
reading (``apply`` arguments other than a supervisor child, ``Extra``) are
shown as Erlang text on one line.

The consolidated-protocol steps of a mix release (``upgrade.protocols``) are
``apply`` calls of ``Elixir.Code:eval_string/1`` whose program is code, not a
plain reading: they are recognised from the plan's ``protocols`` field (the
very instructions it lists, with the module lists it decided), never from the
program text, and said as what they do ("Switch the consolidated protocols to
0.2.0: reload Elixir.String.Chars").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import singledispatch
from typing import Literal

from diffing.release import ModuleName
from diffing.term_writer import one_line_term
from diffing.terms import Atom, ErlList, Term
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, ProtocolModules, UpgradePlan


@dataclass(frozen=True, slots=True)
class Description:
    """An instruction in plain words: what happens, how, and what must load first."""

    action: str  # "Update shop_cart"
    detail: str = ""  # "suspend its processes, load the new code, resume"
    after: tuple[str, ...] = ()  # the DepMods: modules whose step comes first

    def __str__(self) -> str:
        text = self.action
        if self.detail:
            text += f": {self.detail}"
        if self.after:
            text += f" (after {_names(self.after)})"
        return text


def describe_instruction(
    instruction: ins.Instruction, protocols: ProtocolSteps | None = None
) -> Description:
    """What ``instruction`` makes release_handler do, in plain words.

    Args:
        instruction: an appup or relup instruction.
        protocols: the plan's consolidated-protocol steps (``protocol_steps``);
            an instruction found there is said as the step it is.

    >>> str(describe_instruction(ins.LoadModule("shop_price", dep_mods=("shop_tax",))))
    'Load shop_price: new code, no process suspended (after shop_tax)'
    """
    if protocols:
        step = protocols.get(instruction)
        if step is not None:
            return describe_protocol_step(step)
    return _describe(instruction)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "(none)"


def _erlang(term: Term) -> str:
    return one_line_term(term)


@singledispatch
def _describe(instruction: object) -> Description:
    raise TypeError(f"not an instruction: {instruction!r}")


@_describe.register
def _(instruction: ins.Update) -> Description:
    module, after = instruction.module, instruction.dep_mods
    if instruction.module_type == "static" and instruction.extra == ErlList():
        # A supervisor's code_change re-runs init/1: its child specs are replaced.
        detail = "suspend it, load the new code, re-read its child specs, resume"
        return Description(f"Update supervisor {module}", detail, after)
    convert = "" if instruction.extra is None else ", convert their state (code_change)"
    detail = f"suspend its processes, load the new code{convert}, resume"
    return Description(f"Update {module}", detail, after)


@_describe.register
def _(instruction: ins.LoadModule) -> Description:
    detail = "new code, no process suspended"
    return Description(f"Load {instruction.module}", detail, instruction.dep_mods)


@_describe.register
def _(instruction: ins.AddModule) -> Description:
    return Description(f"Add module {instruction.module}", "load its code", instruction.dep_mods)


@_describe.register
def _(instruction: ins.DeleteModule) -> Description:
    detail = "its code is unloaded"
    return Description(f"Delete module {instruction.module}", detail, instruction.dep_mods)


@_describe.register
def _(instruction: ins.AddApplication) -> Description:
    detail = f"load and start it ({instruction.start_type})"
    return Description(f"Add application {instruction.application}", detail)


@_describe.register
def _(instruction: ins.RemoveApplication) -> Description:
    detail = "stop it and unload its code"
    return Description(f"Remove application {instruction.application}", detail)


@_describe.register
def _(instruction: ins.RestartApplication) -> Description:
    detail = "stop it, load its new code, start it again"
    return Description(f"Restart application {instruction.application}", detail)


@_describe.register
def _(instruction: ins.LegacyRestart) -> Description:
    return Description("Restart the node" if instruction.kind == "restart" else "Reboot the node")


@_describe.register
def _(instruction: ins.LoadObjectCode) -> Description:
    detail = f"{_names(instruction.modules)}, nothing runs it yet"
    return Description(f"Read the new code of {instruction.library} from disk", detail)


@_describe.register
def _(instruction: ins.PointOfNoReturn) -> Description:
    detail = "a failure after this restarts the node on the old release"
    return Description("Point of no return", detail)


@_describe.register
def _(instruction: ins.Load) -> Description:
    return Description(f"Load {instruction.module}", "its new code becomes current")


@_describe.register
def _(instruction: ins.Remove) -> Description:
    return Description(f"Remove {instruction.module}", "its code becomes old, to be purged")


# Instructions said as one action on their list of modules (a suspend's timeouts are not said).
_MODULE_LIST_ACTIONS: dict[type, str] = {
    ins.Purge: "Purge the old code of",
    ins.Suspend: "Suspend the processes running",
    ins.Resume: "Resume the processes running",
    ins.Stop: "Stop the processes running",
    ins.Start: "Start the processes running",
}


def _describe_module_list(
    instruction: ins.Purge | ins.Suspend | ins.Resume | ins.Stop | ins.Start,
) -> Description:
    return Description(f"{_MODULE_LIST_ACTIONS[type(instruction)]} {_names(instruction.modules)}")


for _kind in _MODULE_LIST_ACTIONS:
    _describe.register(_kind, _describe_module_list)


@_describe.register
def _(instruction: ins.CodeChange) -> Description:
    modules = tuple(module for module, _ in instruction.entries)
    direction = "" if instruction.mode is None else f" ({instruction.mode})"
    action = f"Convert the state of {_names(modules)}{direction}"
    return Description(action, "code_change in its processes")


@_describe.register
def _(instruction: ins.SyncNodes) -> Description:
    if instruction.nodes is not None:
        return Description("Wait for nodes", f"{_names(instruction.nodes)} reach this step")
    return Description("Wait for the other nodes", f"step {_erlang(instruction.id)}")


@_describe.register
def _(instruction: ins.Apply) -> Description:
    target = supervisor_child(instruction.arguments)
    if instruction.module == "supervisor" and target is not None:
        supervisor, child = target
        match instruction.function:
            case "restart_child":
                return Description(f"Start child {child} under supervisor {supervisor}")
            case "terminate_child":
                return Description(f"Stop child {child} of supervisor {supervisor}")
            case "delete_child":
                return Description(f"Delete child {child} from supervisor {supervisor}")
    application = _first_atom(instruction.arguments)
    if instruction.module == "application" and application is not None:
        verb = _APPLICATION_VERBS.get(instruction.function)
        if verb is not None:
            return Description(f"{verb} application {application}")
    arguments = _erlang(instruction.arguments)
    if arguments.startswith("[") and arguments.endswith("]"):
        arguments = arguments[1:-1]  # the call as written in Erlang: m:f(A, B)
    return Description(f"Call {instruction.module}:{instruction.function}({arguments})")


@_describe.register
def _(instruction: ins.RestartNewEmulator) -> Description:
    return Description("Restart the node", "on the new emulator (ERTS changed)")


@_describe.register
def _(instruction: ins.RestartEmulator) -> Description:
    return Description("Restart the node")


_APPLICATION_VERBS = {"start": "Start", "stop": "Stop", "unload": "Unload", "load": "Load"}


def _first_atom(arguments: Term) -> str | None:
    if isinstance(arguments, ErlList) and arguments.items and isinstance(arguments.items[0], Atom):
        return arguments.items[0].name
    return None


def supervisor_child(arguments: Term) -> tuple[str, str] | None:
    """``(Supervisor, ChildId)`` when ``apply`` arguments are ``[SupervisorAtom, ChildId]``."""
    if not isinstance(arguments, ErlList) or arguments.tail is not None:
        return None
    match arguments.items:
        case (Atom(name=supervisor), Atom(name=child)):
            return supervisor, child
        case (Atom(name=supervisor), child_term):
            return supervisor, _erlang(child_term)
    return None


# -- consolidated protocols ------------------------------------------------------------------

ProtocolDirection = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class ProtocolStep:
    """One consolidated-protocol step of a plan, with the facts its words need.

    ``check`` runs just before ``point_of_no_return`` and changes nothing;
    ``switch`` moves the code path entry ``consolidated`` to ``directory`` and
    loads and deletes protocols.  ``reloads`` changed between the releases,
    ``adds`` exist only in the target, ``deletes`` only in the running release.
    """

    kind: Literal["check", "switch"]
    direction: ProtocolDirection
    version: str  # the release whose protocols become current
    directory: str  # relative to the release root: releases/0.2.0/consolidated
    reloads: tuple[ModuleName, ...]
    adds: tuple[ModuleName, ...]
    deletes: tuple[ModuleName, ...]
    step: PlannedInstruction

    @property
    def loads(self) -> tuple[ModuleName, ...]:
        """The protocols loaded from ``directory`` (a check finds each of them there)."""
        return tuple(sorted((*self.reloads, *self.adds)))


ProtocolSteps = Mapping[ins.Instruction, ProtocolStep]


def protocol_steps(plan: UpgradePlan) -> dict[ins.Instruction, ProtocolStep]:
    """The plan's consolidated-protocol steps, by the instruction the relup holds.

    The module lists are the ones the planner wrote into the programs
    (``ProtocolPlan.up_modules``/``down_modules``).  Empty for a plan without
    consolidated protocols (a relx release).
    """
    protocols = plan.protocols
    if protocols is None:
        return {}
    new_vsn, old_vsn = plan.diff.new.release.vsn, plan.diff.old.release.vsn
    up = _ProtocolTarget("up", new_vsn, protocols.new_directory, protocols.up_modules)
    down = _ProtocolTarget("down", old_vsn, protocols.old_directory, protocols.down_modules)
    found: dict[ins.Instruction, ProtocolStep] = {}
    for target, checks, switches in (
        (up, protocols.up_check, protocols.up),
        (down, protocols.down_check, protocols.down),
    ):
        found.update((step.instruction, target.step("check", step)) for step in checks)
        found.update((step.instruction, target.step("switch", step)) for step in switches)
    return found


@dataclass(frozen=True, slots=True)
class _ProtocolTarget:
    direction: ProtocolDirection
    version: str
    directory: str
    modules: ProtocolModules

    def step(self, kind: Literal["check", "switch"], step: PlannedInstruction) -> ProtocolStep:
        reloads, adds, deletes = self.modules.reloads, self.modules.adds, self.modules.deletes
        return ProtocolStep(
            kind, self.direction, self.version, self.directory, reloads, adds, deletes, step
        )


def describe_protocol_step(step: ProtocolStep) -> Description:
    """A consolidated-protocol step in words.

    >>> from upgrade.plan import Reason
    >>> step = PlannedInstruction(ins.POINT_OF_NO_RETURN, Reason("rule", "why"))
    >>> switch = ProtocolStep("switch", "up", "0.2.0", "releases/0.2.0/consolidated",
    ...     ("Elixir.String.Chars",), (), (), step)
    >>> describe_protocol_step(switch).action
    'Switch the consolidated protocols to 0.2.0'
    """
    if step.kind == "check":
        action = f"Check the consolidated protocols of {step.version}"
        holds = f"{step.directory} holds {_names(step.loads)}" if step.loads else ""
        found = holds or f"{step.directory} is there"
        return Description(action, f"{found}; changes nothing, a failure stops the install")
    action = f"Switch the consolidated protocols to {step.version}"
    return Description(action, "; ".join(protocol_switch_parts(step)))


def protocol_switch_parts(
    step: ProtocolStep, names: Callable[[tuple[str, ...]], str] = _names
) -> tuple[str, ...]:
    """What a switch does, one phrase each: the code path entry, then loads and deletes.

    ``names`` writes a list of module names (the diagrams quote atoms).
    """
    parts = [f"the code path entry consolidated names {step.directory}"]
    if step.reloads:
        parts.append(f"reload {names(step.reloads)}")
    if step.adds:
        parts.append(f"load {names(step.adds)} (new in {step.version})")
    if step.deletes:
        parts.append(f"delete {names(step.deletes)} (not in {step.version})")
    if len(parts) == 1:
        parts.append("no protocol changed")
    return tuple(parts)
