""" "What happens" on the HTML review page: per direction, the upgrade in short and who waits.

For the upgrade and for the downgrade, side by side:

* in short: the applications started and stopped, the modules whose code is
  loaded or removed, the supervisor children started and stopped, the
  processes suspended, and a node restart, read off the relup (the plan's
  steps when the plan has no relup), and a mix release's consolidated
  protocols switched (``render.plan_html_protocols``);
* each appup step that suspends processes, and, from the relup, the window
  it opens (a ``suspend`` to its ``resume``) with every low-level step run
  while the processes wait.  systools suspends first and loads every module
  of a dependency block before resuming, so a process may wait across the
  loading of other modules: the window shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diffing.terms import Atom, ErlList
from render.plan_html_protocols import protocols_in_short
from render.plan_html_steps import codes, processes, text
from render.plan_words import ProtocolSteps, describe_instruction, protocol_steps, supervisor_child
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, UpgradePlan
from upgrade.relup_builder import RelupEntry

Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class SuspendWindow:
    """The processes running ``module`` wait from relup step ``first`` to step ``last``."""

    module: str
    first: int  # the suspend step, numbered from 1 as on the page
    last: int  # the resume step (one past the last step when nothing resumes them)
    during: tuple[ins.Instruction, ...]  # the steps strictly between


def suspend_windows(instructions: Sequence[ins.Instruction]) -> tuple[SuspendWindow, ...]:
    """Each module's suspension in a relup script, in the order the suspensions start.

    >>> script = (ins.Suspend((ins.SuspendEntry("a"),)), ins.Load("b"), ins.Resume(("a",)))
    >>> [(window.module, window.first, window.last) for window in suspend_windows(script)]
    [('a', 1, 3)]
    """
    started: dict[str, int] = {}
    windows: list[SuspendWindow] = []

    def close(module: str, last: int) -> None:
        first = started.pop(module)
        windows.append(SuspendWindow(module, first, last, tuple(instructions[first : last - 1])))

    for number, instruction in enumerate(instructions, start=1):
        if isinstance(instruction, ins.Suspend):
            for module in instruction.modules:
                started.setdefault(module, number)
        elif isinstance(instruction, ins.Resume):
            for module in instruction.modules:
                if module in started:
                    close(module, number)
    for never_resumed in list(started):
        close(never_resumed, len(instructions) + 1)
    return tuple(sorted(windows, key=lambda window: window.first))


def what_happens_section(plan: UpgradePlan) -> str:
    """Upgrade and downgrade side by side: in short, then the suspended processes."""
    cards = (_direction_card(plan, direction) for direction in ("up", "down"))
    return "\n".join(
        ['<h2 id="what-happens">What happens</h2>', '<div class="pair">', *cards, "</div>"]
    )


def _direction_card(plan: UpgradePlan, direction: Direction) -> str:
    old, new = plan.diff.old.release.spec.vsn, plan.diff.new.release.spec.vsn
    title = f"Upgrade {old} \u2192 {new}" if direction == "up" else f"Downgrade {new} \u2192 {old}"
    entries = (
        () if plan.relup is None else (plan.relup.up if direction == "up" else plan.relup.down)
    )
    steps = [
        (app, number, step)
        for app in plan.applications
        for number, step in enumerate(app.up if direction == "up" else app.down, start=1)
    ]
    protocols = protocol_steps(plan)
    suspending = [
        _suspension_item(*found, entries, protocols) for found in steps if found[2].suspends
    ]
    short = _in_short([step for _, _, step in steps], entries, protocols_in_short(plan, direction))
    waits = "\n".join(["<ol>", *suspending, "</ol>"]) if suspending else '<p class="none">None.</p>'
    heading = f'<div class="card"><h3>{text(title)}</h3>'
    return "\n".join([heading, short, "<h4>Suspended processes</h4>", waits, "</div>"])


def _in_short(
    steps: Sequence[PlannedInstruction], entries: Sequence[RelupEntry], protocols: str
) -> str:
    instructions: list[ins.Instruction] = [
        item for entry in entries[:1] for item in entry.instructions
    ]
    if not instructions:
        instructions = [step.instruction for step in steps]
    suspended = list(dict.fromkeys(process for step in steps for process in step.suspends))
    lines = [
        ("Starts applications", _applications(instructions, "start")),
        ("Stops applications", _applications(instructions, "stop")),
        ("Loads the code of", _modules(instructions, (ins.Load, ins.LoadModule, ins.Update))),
        ("Adds modules", _modules(instructions, (ins.AddModule,))),
        ("Removes modules", _modules(instructions, (ins.Remove, ins.DeleteModule))),
        ("Suspends", suspended),
        ("Starts children", _children(instructions, ("restart_child", "start_child"))),
        ("Stops children", _children(instructions, ("terminate_child",))),
    ]
    items = [
        f"<li>{label} ({len(names)}): {processes(names) if label == 'Suspends' else codes(names)}"
        "</li>"
        for label, names in lines
        if names
    ]
    if protocols:
        items.append(protocols)
    if any(isinstance(item, ins.RestartEmulator | ins.RestartNewEmulator) for item in instructions):
        items.append("<li><b>Restarts the node</b></li>")
    if not items:
        return '<p class="none">Nothing to do.</p>'
    return "\n".join(['<ul class="short">', *items, "</ul>"])


def _applications(instructions: Sequence[ins.Instruction], function: str) -> list[str]:
    names = []
    for instruction in instructions:
        if not isinstance(instruction, ins.Apply) or instruction.module != "application":
            continue
        name = _first_atom(instruction.arguments)
        if instruction.function == function and name is not None:
            names.append(name)
    return names


def _modules(
    instructions: Sequence[ins.Instruction], kinds: tuple[type[ins.Instruction], ...]
) -> list[str]:
    return list(
        dict.fromkeys(
            getattr(instruction, "module", "")
            for instruction in instructions
            if isinstance(instruction, kinds)
        )
    )


def _children(instructions: Sequence[ins.Instruction], functions: tuple[str, ...]) -> list[str]:
    children = []
    for instruction in instructions:
        if isinstance(instruction, ins.Apply) and instruction.module == "supervisor":
            target = supervisor_child(instruction.arguments)
            if instruction.function in functions and target is not None:
                children.append("/".join(target))
    return children


def _first_atom(arguments: object) -> str | None:
    if isinstance(arguments, ErlList) and arguments.items:
        first = arguments.items[0]
        if isinstance(first, Atom):
            return first.name
    return None


def _suspension_item(
    app: AppPlan,
    number: int,
    step: PlannedInstruction,
    entries: Sequence[RelupEntry],
    protocols: ProtocolSteps,
) -> str:
    description = describe_instruction(step.instruction)
    lines = [
        f"{processes(step.suspends)} {text(description.action)} "
        f'<span class="muted">(step {number} of <code>{text(app.name)}</code>)</span>'
    ]
    module = getattr(step.instruction, "module", None)
    for entry in entries:
        for window in suspend_windows(entry.instructions):
            if window.module != module:
                continue
            during = ", ".join(
                describe_instruction(item, protocols).action for item in window.during
            )
            where = f" (from {text(entry.vsn)})" if len(entries) > 1 else ""
            lines.append(
                f'<div class="window">suspended from <a href="#relup">relup step</a> '
                f"{window.first} to {window.last}{where}, while: "
                f"{text(during) or 'nothing else happens'}</div>"
            )
    return "<li>" + "".join(lines) + "</li>"
