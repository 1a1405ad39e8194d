"""The notes of the supervision tree view: what has no process to draw.

Per upgraded application, a note lists the modules whose code changes
without suspending any process (libraries, added and deleted modules,
updates no child spec lists) and restarts; one more box holds the
applications that are started, stopped or left alone whole, since relup reads
no code of theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

import graphviz  # type: ignore[import-untyped]

from diffing.code_facts import AppCode
from diffing.release import AppName, ModuleName
from render import graph_style as gs
from render.graph_facts import (
    Direction,
    application_version,
    entering_applications,
    leaving_applications,
    module_instruction_kind,
)
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, UpgradePlan

CLUSTER = {"style": "rounded", "color": "#9e9e9e", "labeljust": "l"}


def add_module_note(
    graph: graphviz.Digraph,
    identifier: str,
    steps: Sequence[PlannedInstruction],
    code: AppCode | None,
) -> None:
    """One note per application: module steps that suspend no process, and what is missing."""
    lines = [gs.title("Modules")]
    lines += [gs.detail(text) for text in _module_lines(steps)]
    if code is None:
        lines.append(gs.detail("the code of this application was not read"))
    elif not any(facts.supervisor for facts in code.modules):
        lines.append(gs.detail("no supervisor in this application (a library application)"))
    if len(lines) == 1:
        return
    graph.node(identifier, gs.html_label(lines), shape="note", **_note_style())


def _module_lines(steps: Sequence[PlannedInstruction]) -> list[str]:
    groups: dict[str, list[ModuleName]] = {}
    for step in steps:
        instruction = step.instruction
        kind = module_instruction_kind(instruction)
        if kind is None or (kind == "update" and step.suspends):
            continue
        assert isinstance(
            instruction, ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule
        )
        groups.setdefault(kind, []).append(instruction.module)
    titles = {
        "load_module": "loaded, no process suspended",
        "add_module": "added",
        "delete_module": "deleted",
        "update": "updated, but no running process lists it",
    }
    lines = [
        f"{titles[kind]}: {gs.names_text(groups[kind], 12)}" for kind in titles if kind in groups
    ]
    lines += [_restart_text(step.instruction) for step in steps if _is_restart(step)]
    return lines


def _is_restart(step: PlannedInstruction) -> bool:
    return isinstance(
        step.instruction, ins.RestartApplication | ins.RestartNewEmulator | ins.RestartEmulator
    )


def _restart_text(instruction: ins.Instruction) -> str:
    if isinstance(instruction, ins.RestartApplication):
        return "restart_application: every process of the application stops and starts again"
    return "the emulator restarts: every process of the node stops and starts again"


def _note_style() -> dict[str, str]:
    return {"style": "filled", "fillcolor": gs.LOADED.fill, "color": gs.LOADED.border}


def add_other_applications(
    graph: graphviz.Digraph, plan: UpgradePlan, direction: Direction, prefix: str
) -> None:
    upgraded = {app_plan.name for app_plan in plan.applications}
    entering, leaving = (
        entering_applications(plan, direction),
        leaving_applications(plan, direction),
    )
    unchanged = [
        application.name
        for application in plan.diff.new.release.applications
        if application.name not in upgraded and application.name not in entering + leaving
    ]
    with graph.subgraph(name=gs.cluster_id(prefix, "other applications")) as cluster:
        cluster.attr(label=gs.heading_label("Other applications"), **CLUSTER)
        for name in entering:
            text = "application started with all its processes"
            _application_node(cluster, plan, prefix, name, gs.ADDED, text)
        for name in leaving:
            text = "application stopped with all its processes, then unloaded"
            _application_node(cluster, plan, prefix, name, gs.REMOVED, text)
        if unchanged:
            lines = [gs.title("unchanged"), gs.detail(gs.names_text(unchanged, 12))]
            cluster.node(gs.node_id(prefix, "unchanged"), gs.html_label(lines), **_NOTE)


_NOTE = {"shape": "box", "style": "filled", "fillcolor": gs.NOTE.fill, "color": gs.NOTE.border}


def _application_node(
    graph: graphviz.Digraph,
    plan: UpgradePlan,
    prefix: str,
    name: AppName,
    style: gs.Style,
    text: str,
) -> None:
    lines = [gs.title(f"{gs.atom_text(name)} {application_version(plan, name)}"), gs.detail(text)]
    graph.node(gs.node_id(prefix, "app", name), gs.html_label(lines), **style.attributes())
