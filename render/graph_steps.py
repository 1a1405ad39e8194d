"""One relup low-level step in words, with the colour the timeline draws it in.

The words say what ``release_handler`` does at that step (reference §3), for
a reader who does not read Erlang terms: ``{apply,{supervisor,restart_child,
[shop_sup,shop_audit]}}`` is "start child shop_audit of shop_sup".  A mix
release's consolidated-protocol steps, ``Elixir.Code:eval_string/1`` programs,
are told apart by the plan's ``protocols`` field (``render.plan_words.protocol_steps``)
and said as what they do: "switch consolidated protocols to 0.2.0".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from diffing.release import ModuleName
from diffing.term_writer import format_term
from diffing.terms import Atom, ErlList, Term, as_text
from render import graph_style as gs
from render.plan_words import ProtocolStep, ProtocolSteps, protocol_switch_parts
from upgrade import instructions as ins

POINT_OF_NO_RETURN = gs.Style("#b71c1c", "#7f0000", bold=True)
RESTART = gs.RESTARTED
STATE = gs.SPEC_CHANGED  # yellow: a state converted
PREPARE = gs.Style("#f5f5f5", "#9e9e9e")


@dataclass(frozen=True, slots=True)
class StepText:
    """How one step is drawn: its style, a title and detail lines."""

    style: gs.Style
    title: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepContext:
    """What the words need beyond the step: whose code a load makes current, who is suspended."""

    code_labels: Mapping[ModuleName, str]  # module -> "App Vsn" of the target release
    processes: Mapping[ModuleName, tuple[str, ...]]  # module -> processes its update suspends
    protocols: ProtocolSteps = field(default_factory=dict)  # the plan's protocol steps


def describe_step(instruction: ins.LowLevelInstruction, context: StepContext) -> StepText:
    """The words and style for one low-level instruction."""
    match instruction:
        case ins.LoadObjectCode():
            return _load_object_code(instruction)
        case ins.PointOfNoReturn():
            return StepText(POINT_OF_NO_RETURN, "POINT OF NO RETURN", _PONR_DETAILS)
        case ins.Load(module=module):
            owner = context.code_labels.get(module)
            details = (f"code of {owner}",) if owner else ()
            return StepText(gs.LOADED, f"load {gs.atom_text(module)}", details)
        case ins.Remove(module=module):
            return StepText(gs.REMOVED, f"remove {gs.atom_text(module)}")
        case ins.Purge(modules=modules):
            details = ("processes still running it are killed",)
            return StepText(gs.REMOVED, f"purge old code of {gs.names_text(modules)}", details)
        case ins.Suspend() | ins.Resume():
            return _suspend_or_resume(instruction, context)
        case ins.CodeChange():
            return _code_change(instruction)
        case ins.Apply():
            protocol = context.protocols.get(instruction)
            if protocol is not None:
                return describe_protocol_step(protocol)
            return describe_apply(instruction)
    return _other(instruction)


_PONR_DETAILS = (
    "before: a failure cancels the upgrade and the old code keeps running",
    "after: a failure restarts the node on its permanent release",
)


def _load_object_code(instruction: ins.LoadObjectCode) -> StepText:
    version = as_text(instruction.library_vsn) or _text(instruction.library_vsn)
    title = f"read code of {gs.atom_text(instruction.library)} {version}"
    count = len(instruction.modules)
    details = (f"{count} module{'s' if count != 1 else ''}: {gs.names_text(instruction.modules)}",)
    return StepText(PREPARE, title, details)


def _suspend_or_resume(instruction: ins.Suspend | ins.Resume, context: StepContext) -> StepText:
    if isinstance(instruction, ins.Suspend):
        verb, modules = "suspend", [entry.module for entry in instruction.entries]
    else:
        verb, modules = "resume", list(instruction.modules)
    processes = [label for module in modules for label in context.processes.get(module, ())]
    details = (f"processes: {', '.join(processes)}",) if processes else ()
    return StepText(gs.SUSPENDED, f"{verb} processes running {gs.names_text(modules)}", details)


def _code_change(instruction: ins.CodeChange) -> StepText:
    modules = [module for module, _ in instruction.entries]
    mode = f" ({instruction.mode})" if instruction.mode is not None else ""
    title = f"code_change{mode} in {gs.names_text(modules)}"
    return StepText(STATE, title, ("suspended processes convert their state",))


_SUPERVISOR_CALLS = {
    "restart_child": (gs.ADDED, "start child {child} of {sup}"),
    "start_child": (gs.ADDED, "start child of {sup} from its spec"),
    "terminate_child": (gs.REMOVED, "stop child {child} of {sup}"),
    "delete_child": (gs.REMOVED, "delete child spec {child} from {sup}"),
}
_APPLICATION_CALLS = {
    "start": (gs.ADDED, "start application {app}"),
    "stop": (gs.REMOVED, "stop application {app}"),
    "unload": (gs.REMOVED, "unload application {app}"),
}


def describe_apply(instruction: ins.Apply) -> StepText:
    """Supervisor child and application starts and stops in words; other calls as calls."""
    arguments = _arguments(instruction.arguments)
    call = f"{gs.atom_text(instruction.module)}:{gs.atom_text(instruction.function)}"
    known = None
    if instruction.module == "supervisor" and len(arguments) == 2:
        known = _SUPERVISOR_CALLS.get(instruction.function)
    elif instruction.module == "application" and arguments:
        known = _APPLICATION_CALLS.get(instruction.function)
    if known is None:
        details = (f"with {_arguments_text(instruction.arguments)}",)
        return StepText(gs.NOTE, f"call {call}", details)
    style, pattern = known
    names = [_text(argument) for argument in arguments]
    title = pattern.format(sup=names[0], app=names[0], child=names[-1])
    return StepText(style, title, (f"apply {call}",))


def describe_protocol_step(step: ProtocolStep) -> StepText:
    """A consolidated-protocol check or switch (``upgrade.protocols``) in words."""
    if step.kind == "check":
        title = f"check consolidated protocols of {step.version} are readable"
        found = f"{step.directory} holds {gs.names_text(step.loads)}" if step.loads else ""
        details = (found or f"{step.directory} is there", "changes nothing")
        return StepText(PREPARE, title, details)
    return StepText(
        gs.LOADED,
        f"switch consolidated protocols to {step.version}",
        protocol_switch_parts(step, gs.names_text),
    )


def _other(instruction: ins.LowLevelInstruction) -> StepText:
    match instruction:
        case ins.Stop(modules=modules):
            return StepText(gs.REMOVED, f"stop processes running {gs.names_text(modules)}")
        case ins.Start(modules=modules):
            return StepText(gs.ADDED, f"start processes running {gs.names_text(modules)}")
        case ins.SyncNodes(id=identifier):
            details = ("waits until the other nodes reach this step",)
            return StepText(gs.NOTE, f"sync_nodes {_text(identifier)}", details)
        case ins.RestartNewEmulator():
            details = ("the node restarts on the new emulator and core applications",)
            return StepText(RESTART, "restart the emulator (new version)", details)
        case ins.RestartEmulator():
            return StepText(RESTART, "restart the emulator", ("every process restarts",))
        case ins.LegacyRestart(kind=kind):
            return StepText(RESTART, f"{kind} (legacy instruction)")
    return StepText(gs.NOTE, type(instruction).__name__)


def _arguments(arguments: Term) -> Sequence[Term]:
    return arguments.items if isinstance(arguments, ErlList) else ()


def _arguments_text(arguments: Term) -> str:
    text = format_term(arguments, 1000)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(term: Term) -> str:
    if isinstance(term, Atom):
        return gs.atom_text(term.name)
    text = format_term(term, 1000)
    return text if len(text) <= 60 else text[:57] + "..."
