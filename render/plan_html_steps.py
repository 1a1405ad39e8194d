"""The step tables of the HTML review page, and the small HTML pieces every part uses.

``render.plan_html`` assembles the page; this module renders, per upgraded
application, its changes, then the upgrade and the downgrade tables side by
side (each step in plain words above its Erlang form, the reason, the
processes suspended), and the relup's low-level scripts, folded, with what is
suspended at each step.  A consolidated-protocol step (``upgrade.protocols``)
is said in words from the plan's ``protocols`` field, its Elixir program
folded under the step.

Every piece of text passes through ``text`` (HTML escaping, quotes included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from diffing.changes import AppDiff, ReleaseDiff
from diffing.terms import ErlList
from render.appup_file import one_line, short_term
from render.plan_data import erlang_text
from render.plan_words import ProtocolSteps, describe_instruction, protocol_steps
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, UpgradePlan
from upgrade.relup_builder import RelupEntry

ARROW = "\u2192"
# What HTML forbids in text: C0/C1 controls other than tab, newline and carriage
# return, and the noncharacters (U+FDD0..U+FDEF and the last two of every plane).
_NOT_IN_HTML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17))
    + "]"
)
LEGEND = (
    '<p class="legend"><span class="key suspending">orange</span> the step suspends processes '
    '<span class="key child-start">green</span> a supervisor child starts '
    '<span class="key child-stop">red</span> a supervisor child stops or its spec is deleted</p>'
)


# -- applications --------------------------------------------------------------------------


def application_section(app_plan: AppPlan, diff: ReleaseDiff) -> str:
    """One upgraded application: verdict, what changed, its steps up and down side by side."""
    heading = (
        f"<h3><code>{text(app_plan.name)}</code> {text(app_plan.old_vsn)} {ARROW} "
        f"{text(app_plan.new_vsn)} {verdict_badge(app_plan.verdict)} "
        f'<span class="muted">({text(app_plan.source)} appup)</span></h3>'
    )
    app_diff = diff.application(app_plan.name)
    up_title = f"Upgrade {app_plan.old_vsn} {ARROW} {app_plan.new_vsn}"
    down_title = f"Downgrade {app_plan.new_vsn} {ARROW} {app_plan.old_vsn}"
    parts = [
        '<section class="application">',
        heading,
        bullet_list(app_plan.verdict_reasons),
        "" if app_diff is None else _changes(app_diff),
        '<div class="pair">',
        steps_table(up_title, app_plan.up),
        steps_table(down_title, app_plan.down),
        "</div>",
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _changes(app_diff: AppDiff) -> str:
    def modules(kind: str, vsn_only: bool = False) -> list[str]:
        return [
            change.module
            for change in app_diff.modules
            if change.kind == kind and change.vsn_only == vsn_only
        ]

    def children(kind: str) -> list[str]:
        return [
            f"{change.supervisor}/{erlang_text(change.child_id)}"
            for change in app_diff.children
            if change.kind == kind
        ]

    rows = (
        ("Modules changed", modules("changed")),
        ("Modules added", modules("added")),
        ("Modules removed", modules("removed")),
        ("Only -vsn changed", modules("changed", vsn_only=True)),
        ("Children added", children("added")),
        ("Children removed", children("removed")),
        ("Child specs changed", children("changed")),
    )
    entries = "\n".join(
        f"<dt>{label}</dt><dd>{codes(names)}</dd>" for label, names in rows if names
    )
    return f'<dl class="changes">\n{entries}\n</dl>' if entries else ""


def steps_table(
    title: str, steps: Sequence[PlannedInstruction], protocols: ProtocolSteps | None = None
) -> str:
    """A table of planned steps, each in words above its Erlang form, why, what it suspends."""
    heading = f"<h4>{text(title)}</h4>"
    if not steps:
        return f'<div>{heading}<p class="none">No steps.</p></div>'
    columns = (
        '<colgroup><col class="number"><col class="step"><col class="why">'
        '<col class="suspends"></colgroup>'
    )
    header = "<tr><th>#</th><th>Step</th><th>Why</th><th>Suspends</th></tr>"
    rows = [_step_row(number, step, protocols) for number, step in enumerate(steps, start=1)]
    return "\n".join(
        [f'<div>{heading}<table class="steps">{columns}', header, *rows, "</table></div>"]
    )


def _step_row(number: int, step: PlannedInstruction, protocols: ProtocolSteps | None) -> str:
    row_class = _row_class(step.instruction, bool(step.suspends))
    reason = (
        f'{text(one_line(step.reason.text))} <span class="rule">[{text(step.reason.rule)}]</span>'
    )
    suspends = processes(step.suspends) if step.suspends else '<span class="none">none</span>'
    return (
        f'<tr{row_class}><td class="number">{number}</td>'
        f"<td>{_step_cell(step.instruction, protocols)}</td><td>{reason}</td><td>{suspends}</td>"
        "</tr>"
    )


def _step_cell(instruction: ins.Instruction, protocols: ProtocolSteps | None) -> str:
    description = describe_instruction(instruction, protocols)
    parts = [f'<span class="say">{text(description.action)}</span>']
    if description.detail:
        parts.append(f": {text(description.detail)}")
    if description.after:
        parts.append(f' <span class="after">after {codes(description.after)}</span>')
    program = _program(instruction) if protocols and instruction in protocols else None
    if program is None:
        erlang = erlang_text(short_term(instruction))
        return "".join(parts) + f'<code class="term">{text(erlang)}</code>'
    return "".join(parts) + _program_lines(program)


def _program(instruction: ins.Instruction) -> str | None:
    """The Elixir program of a protocol step's ``Elixir.Code:eval_string/1``."""
    match instruction:
        case ins.Apply(arguments=ErlList(items=(bytes() as program,))):
            return program.decode("utf-8", "replace")
    return None


def _program_lines(program: str) -> str:
    """The call's short form, and the program folded, one line each, indentation kept."""
    lines = [_indented(line) for line in program.split("\n")]
    return (
        f'<code class="term">{text(_EVAL_FORM)}</code>'
        "<details><summary>Program</summary>"
        f'<code class="term">{"<br>".join(lines)}</code></details>'
    )


def _indented(line: str) -> str:
    # HTML collapses leading spaces; no-break spaces keep the program's indentation.
    code = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(code)) + text(code)


_EVAL_FORM = "{apply,{'Elixir.Code',eval_string,[Program]}}"


def _row_class(instruction: ins.Instruction, suspends: bool) -> str:
    if isinstance(instruction, ins.PointOfNoReturn):
        return ' class="no-return"'
    if isinstance(instruction, ins.Apply) and instruction.module == "supervisor":
        if instruction.function in ("restart_child", "start_child"):
            return ' class="child-start"'
        if instruction.function in ("terminate_child", "delete_child"):
            return ' class="child-stop"'
    return ' class="suspending"' if suspends else ""


# -- the relup -----------------------------------------------------------------------------


def relup_section(plan: UpgradePlan) -> str:
    """The relup's scripts, folded: each low-level step and what is suspended during it."""
    relup = plan.relup
    if relup is None:
        return "<p>No relup: the plan was not translated.</p>"
    protocols = protocol_steps(plan)
    columns = [
        *(_relup_column(f"Upgrade from {entry.vsn}", entry, protocols) for entry in relup.up),
        *(_relup_column(f"Downgrade to {entry.vsn}", entry, protocols) for entry in relup.down),
    ]
    return "\n".join(
        [
            '<details id="relup">',
            "<summary>The relup: every low-level step release_handler runs, and what is "
            "suspended during it</summary>",
            '<div class="pair">',
            *columns,
            "</div>",
            "</details>",
        ]
    )


def _relup_column(title: str, entry: RelupEntry, protocols: ProtocolSteps) -> str:
    header = "<tr><th>#</th><th>Step</th><th>Suspended now</th></tr>"
    columns = '<colgroup><col class="number"><col><col class="suspends"></colgroup>'
    rows = []
    suspended: list[str] = []
    for number, instruction in enumerate(entry.instructions, start=1):
        if isinstance(instruction, ins.Suspend):
            suspended = [*suspended, *instruction.modules]
        elif isinstance(instruction, ins.Resume):
            suspended = [module for module in suspended if module not in instruction.modules]
        now = codes(suspended) if suspended else '<span class="none">nothing</span>'
        rows.append(
            f'<tr{_row_class(instruction, bool(suspended))}><td class="number">{number}</td>'
            f"<td>{_step_cell(instruction, protocols)}</td><td>{now}</td></tr>"
        )
    opening = f'<div><h4>{text(title)}</h4><table class="steps">{columns}'
    return "\n".join([opening, header, *rows, "</table></div>"])


# -- small pieces --------------------------------------------------------------------------


def verdict_badge(verdict: str) -> str:
    return f'<span class="badge verdict-{text(verdict)}">{text(verdict)}</span>'


def processes(names: Iterable[str]) -> str:
    # A break opportunity after each "/" keeps supervisor/child names whole when they wrap.
    return "".join(
        f'<span class="process">{text(name).replace("/", "/<wbr>")}</span>' for name in names
    )


def codes(names: Iterable[str]) -> str:
    return ", ".join(f"<code>{text(name)}</code>" for name in names)


def bullet_list(texts: Sequence[str]) -> str:
    if not texts:
        return ""
    items = (f"<li>{text(one_line(item))}</li>" for item in texts)
    return "\n".join(["<ul>", *items, "</ul>"])


def text(value: str) -> str:
    """``value`` escaped for HTML text and attribute values.

    Control characters and Unicode noncharacters, which an atom or a message
    may hold but HTML may not, are shown as U+FFFD.

    >>> text('<b a="1">\\x00')
    '&lt;b a=&quot;1&quot;&gt;\\ufffd'
    """
    return escape(_NOT_IN_HTML.sub("\ufffd", value), quote=True)
