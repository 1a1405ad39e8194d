"""The timeline view: the relup's low-level steps of one direction, top to bottom.

Steps are numbered as they stand in the relup's script (step 1 is the first
instruction of the entry for OLD), from "release OLD running" to "release NEW
running".  The steps before ``point_of_no_return`` sit in a grey box: they only
read code, and a failure there leaves the old release running untouched.

A *suspend window* runs from a ``suspend`` to the ``resume`` of the same
module: the processes running it are paused for every step in between.  Each
window is a box around its steps, labelled with the processes it pauses (the
plan's ``suspends`` of that module's update).  Boxes must nest to be drawn as
boxes; a window that overlaps another only partly (possible in a hand-written
low-level appup) is written on each of its steps instead.

A mix release's consolidated-protocol steps (a check in the preparation, the
switch after every application going up, right after the point of no return
going down) are said in words from the plan's ``protocols`` field.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz  # type: ignore[import-untyped]

from diffing.release import AppName, ModuleName
from diffing.term_writer import format_term
from render import graph_steps as steps
from render import graph_style as gs
from render.graph_facts import (
    Direction,
    application_version,
    direction_steps,
    entering_applications,
    leaving_applications,
    relup_script,
    upgrade_heading,
    versions,
)
from render.graph_phases import application_runs, owners
from render.plan_words import protocol_steps
from render.relup_terms import to_term
from upgrade import instructions as ins
from upgrade.plan import UpgradePlan

LEGEND = (
    (steps.PREPARE, "preparation: reads code, changes nothing"),
    (steps.POINT_OF_NO_RETURN, "point of no return"),
    (gs.SUSPENDED, "suspend / resume: processes paused (orange box: the window)"),
    (gs.LOADED, "code loaded"),
    (steps.STATE, "processes convert their state (code_change)"),
    (gs.ADDED, "something started: a child, an application"),
    (gs.REMOVED, "something stopped, deleted or purged"),
    (steps.RESTART, "the emulator restarts"),
)


@dataclass(frozen=True, slots=True)
class SuspendWindow:
    """Steps ``first``..``last`` (0-based, inclusive) run with ``modules``' processes paused."""

    first: int
    last: int
    modules: tuple[ModuleName, ...]


def suspend_windows(script: Sequence[ins.LowLevelInstruction]) -> tuple[SuspendWindow, ...]:
    """Every suspend window of ``script``, by first step, longest first.

    Modules suspended by one ``suspend`` and resumed by one ``resume`` share a
    window; a module never resumed stays suspended to the end of the script.
    """
    opened: dict[ModuleName, int] = {}
    spans: dict[tuple[int, int], list[ModuleName]] = {}
    for position, instruction in enumerate(script):
        if isinstance(instruction, ins.Suspend):
            for entry in instruction.entries:
                opened.setdefault(entry.module, position)
        elif isinstance(instruction, ins.Resume):
            for module in instruction.modules:
                if module in opened:
                    spans.setdefault((opened.pop(module), position), []).append(module)
    for module, first in opened.items():
        spans.setdefault((first, len(script) - 1), []).append(module)
    ordered = sorted(spans.items(), key=lambda item: (item[0][0], -item[0][1]))
    return tuple(SuspendWindow(first, last, tuple(modules)) for (first, last), modules in ordered)


def add_timeline_view(graph: graphviz.Digraph, plan: UpgradePlan, direction: Direction) -> None:
    """Draw the timeline view of ``plan`` into ``graph``."""
    prefix = f"timeline{direction.capitalize()}"
    graph.node(gs.node_id(prefix, "legend"), gs.legend_label(LEGEND), shape="plain")
    running, target = versions(plan, direction)
    start, end = gs.node_id(prefix, "start"), gs.node_id(prefix, "end")
    graph.node(start, gs.html_label([gs.title(f"release {running} running")]), **_ENDPOINT)
    script = relup_script(plan, direction)
    if script is None:
        text = "this plan has no relup (it was not translated): no steps to show"
        graph.node(gs.node_id(prefix, "no relup"), gs.html_label([gs.detail(text)]), **_NOTE)
        return
    context = steps.StepContext(
        _code_labels(plan, direction), _processes(plan, direction), protocol_steps(plan)
    )
    _Timeline(graph, prefix, script, context, plan, direction).draw()
    end_lines = [gs.title(f"release {target} running"), gs.detail(_END_DETAIL)]
    graph.node(end, gs.html_label(end_lines), **_ENDPOINT)
    chain = [start, *(_step_id(prefix, position) for position in range(len(script))), end]
    for before, after in itertools.pairwise(chain):
        graph.edge(before, after, weight="10")


_END_DETAIL = "installed: make it permanent to keep it across restarts"
_ENDPOINT = {"shape": "box", "style": "rounded,bold", "color": "#212121"}
_NOTE = {"shape": "note", "style": "filled", "fillcolor": gs.NOTE.fill, "color": gs.NOTE.border}
_PREPARATION = (("style", "rounded,filled"), ("fillcolor", "#fafafa"), ("color", "#9e9e9e"))
_WINDOW = (("style", "rounded,filled"), ("fillcolor", "#fff3e6"), ("color", "#e65100"))
_PHASE = (("style", "rounded,dashed"), ("color", "#616161"))


def _processes(plan: UpgradePlan, direction: Direction) -> dict[ModuleName, tuple[str, ...]]:
    """Per updated module, the processes its update suspends (from the plan)."""
    processes: dict[ModuleName, tuple[str, ...]] = {}
    for app_plan in plan.applications:
        for step in direction_steps(app_plan, direction):
            if isinstance(step.instruction, ins.Update):
                processes[step.instruction.module] = step.suspends
    return processes


def _code_labels(plan: UpgradePlan, direction: Direction) -> dict[ModuleName, str]:
    """Per module of the target release, ``App Vsn``: whose code a ``load`` makes current."""
    target = plan.diff.new.release if direction == "up" else plan.diff.old.release
    return {
        module: f"{gs.atom_text(application.name)} {application.vsn}"
        for application in target.applications
        for module in application.modules
    }


def _step_id(prefix: str, position: int) -> str:
    return gs.node_id(prefix, "step", str(position + 1))


@dataclass(frozen=True, slots=True)
class _Box:
    """A box drawn around steps ``first``..``last``: a phase or a suspend window."""

    first: int
    last: int
    heading: str
    subheading: str
    attributes: tuple[tuple[str, str], ...]
    depth: int  # among boxes of the same steps, the lower one is drawn outside


@dataclass(frozen=True, slots=True)
class _Timeline:
    graph: graphviz.Digraph
    prefix: str
    script: Sequence[ins.LowLevelInstruction]
    context: steps.StepContext
    plan: UpgradePlan
    direction: Direction

    def draw(self) -> None:
        boxes, loose = _nested(self._boxes())
        notes: dict[int, list[str]] = {position: [] for position in range(len(self.script))}
        for box in loose:
            for position in range(box.first, box.last + 1):
                notes[position].append(f"while {box.heading}")
        self._draw_range(self.graph, 0, len(self.script) - 1, boxes, notes)

    def _boxes(self) -> list[_Box]:
        point = next(
            (i for i, step in enumerate(self.script) if isinstance(step, ins.PointOfNoReturn)),
            0,
        )
        boxes = [self._window_box(window) for window in suspend_windows(self.script)]
        if point > 0:
            heading = "Preparation: nothing changes yet"
            boxes.append(_Box(0, point - 1, heading, "", _PREPARATION, 0))
        runs = application_runs(self.script, owners(self.plan, self.direction), point)
        for application, (first, last) in sorted(runs.items(), key=lambda item: item[1]):
            boxes.append(_Box(first, last, self._run_heading(application), "", _PHASE, 0))
        return sorted(boxes, key=lambda box: (box.first, -box.last, box.depth))

    def _run_heading(self, application: AppName) -> str:
        name = gs.atom_text(application)
        vsn = application_version(self.plan, application)
        if application in entering_applications(self.plan, self.direction):
            return f"{name} {vsn} starts"
        if application in leaving_applications(self.plan, self.direction):
            return f"{name} {vsn} stops"
        app_plan = next((a for a in self.plan.applications if a.name == application), None)
        return name if app_plan is None else upgrade_heading(app_plan, self.direction)

    def _window_box(self, window: SuspendWindow) -> _Box:
        processes = [
            label for module in window.modules for label in self.context.processes.get(module, ())
        ]
        paused = ", ".join(processes) if processes else f"processes running {window.modules[0]}"
        changing = f"while {gs.names_text(window.modules)} changes"
        subheading = f"{changing}: steps {window.first + 1} to {window.last + 1}"
        return _Box(window.first, window.last, f"{paused} suspended", subheading, _WINDOW, 1)

    def _draw_range(
        self,
        graph: graphviz.Digraph,
        first: int,
        last: int,
        boxes: Sequence[_Box],
        notes: dict[int, list[str]],
    ) -> None:
        position = first
        while position <= last:
            box = next((b for b in boxes if b.first == position and b.last <= last), None)
            if box is None:
                self._draw_step(graph, position, notes[position])
                position += 1
                continue
            inner = [b for b in boxes if b is not box and box.first <= b.first <= box.last]
            name = gs.cluster_id(self.prefix, "box", str(box.first + 1), str(box.depth))
            with graph.subgraph(name=name) as sub:
                label = gs.heading_label(box.heading, box.subheading)
                sub.attr(label=label, labeljust="l", **dict(box.attributes))
                self._draw_range(sub, box.first, box.last, inner, notes)
            position = box.last + 1

    def _draw_step(self, graph: graphviz.Digraph, position: int, notes: list[str]) -> None:
        instruction = self.script[position]
        text = steps.describe_step(instruction, self.context)
        lines = [gs.title(f"{position + 1}. {text.title}")]
        lines += [gs.detail(detail) for detail in (*text.details, *notes)]
        attributes = text.style.attributes()
        attributes["tooltip"] = gs.tooltip(format_term(to_term(instruction), 1000))
        if text.style is steps.POINT_OF_NO_RETURN:
            attributes["fontcolor"] = "white"
            lines = [gs.title(text.title), *(gs.detail(d, "#ffffff") for d in text.details)]
        graph.node(_step_id(self.prefix, position), gs.html_label(lines), **attributes)


def _nested(boxes: Sequence[_Box]) -> tuple[list[_Box], list[_Box]]:
    """Split boxes into those that nest (drawn as boxes) and those that overlap partly."""
    nested: list[_Box] = []
    loose: list[_Box] = []
    open_boxes: list[_Box] = []
    for box in boxes:
        while open_boxes and open_boxes[-1].last < box.first:
            open_boxes.pop()
        if open_boxes and box.last > open_boxes[-1].last:
            loose.append(box)
            continue
        nested.append(box)
        open_boxes.append(box)
    return nested, loose
