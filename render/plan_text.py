"""An upgrade plan as plain text for people (``relup plan OLD NEW``).

Layout, top to bottom: one summary line with the overall verdict and its
reasons; the warnings, before anything else, since they are what a reviewer
must act on; the applications added and removed; then each upgraded
application with its verdict and, per direction, its numbered instructions in
short Erlang form, each followed by why it is there and which processes it
suspends::

    shop 1.0.0 -> 1.1.0: hot (generated appup)
      up from 1.0.0:
        1. {update,shop_cart,{advanced,[]}}
           why: shop_cart changed and exports code_change/3 [changed-process-module]
           suspends: shop_sup/shop_cart

Lines aim at ``TEXT_WIDTH`` columns; only an unbreakable word or term is longer.
No colours and no terminal queries: the text is the same wherever it is shown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from diffing.changes import ReleaseDiff
from diffing.errors import one_line as printable
from diffing.term_writer import format_term
from diffing.terms import ErlList
from render.appup_file import one_line, short_term
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, PlanWarning, ProtocolPlan, UpgradePlan

TEXT_WIDTH = 100
_INDENT = "  "


def render_plan_text(plan: UpgradePlan) -> str:
    """The plan as text, ending with a newline.

    Args:
        plan: the upgrade plan.

    Returns:
        The summary, warnings, added and removed applications, then each
        upgraded application's instructions up and down with their reasons.
    """
    sections = [
        _summary_lines(plan),
        _warning_lines(plan.warnings),
        _added_removed_lines(plan),
        *(_app_lines(app_plan) for app_plan in plan.applications),
        _protocol_lines(plan.protocols),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _summary_lines(plan: UpgradePlan) -> list[str]:
    old, new = plan.diff.old.release.spec, plan.diff.new.release.spec
    releases = f"{old.name} {old.vsn} -> {new.vsn}"
    if old.name != new.name:
        releases = f"{old.name} {old.vsn} -> {new.name} {new.vsn}"
    lines = [_one(f"Upgrade {releases}: {plan.verdict}")]
    lines += _bullets(plan.verdict_reasons, _INDENT)
    if plan.diff.erts is not None:
        lines.append(_one(f"{_INDENT}ERTS {plan.diff.erts[0]} -> {plan.diff.erts[1]}"))
    return lines


def _warning_lines(warnings: Sequence[PlanWarning]) -> list[str]:
    if not warnings:
        return ["Warnings: none"]
    lines = [f"Warnings ({len(warnings)}):"]
    for warning in warnings:
        where = "" if warning.application is None else f" ({warning.application})"
        lines += _wrapped(f"{warning.code}{where}: {warning.message}", _INDENT, _INDENT * 2)
    return lines


def _added_removed_lines(plan: UpgradePlan) -> list[str]:
    lines: list[str] = []
    if plan.added_applications:
        added = _with_versions(plan.diff, plan.added_applications, new=True)
        lines += _wrapped(f"Applications added: {added}", "", _INDENT)
    if plan.removed_applications:
        removed = _with_versions(plan.diff, plan.removed_applications, new=False)
        lines += _wrapped(f"Applications removed: {removed}", "", _INDENT)
    return lines


def _with_versions(diff: ReleaseDiff, names: Sequence[str], new: bool) -> str:
    def named(name: str) -> str:
        app_diff = diff.application(name)
        vsn = None if app_diff is None else (app_diff.new_vsn if new else app_diff.old_vsn)
        return name if vsn is None else f"{name} {vsn}"

    return ", ".join(named(name) for name in names)


def _app_lines(app_plan: AppPlan) -> list[str]:
    header = (
        f"{app_plan.name} {app_plan.old_vsn} -> {app_plan.new_vsn}: "
        f"{app_plan.verdict} ({app_plan.source} appup)"
    )
    lines = [_one(header), *_bullets(app_plan.verdict_reasons, _INDENT)]
    lines += _script_lines(f"up from {app_plan.old_vsn}", app_plan.up)
    lines += _script_lines(f"down to {app_plan.old_vsn}", app_plan.down)
    return lines


def _protocol_lines(protocols: ProtocolPlan | None) -> list[str]:
    """A mix release's consolidated protocols: release-wide steps, outside the appups."""
    if protocols is None:
        return []
    header = (
        f"consolidated protocols {protocols.old_directory} -> {protocols.new_directory} "
        "(relup steps outside the appups)"
    )
    lines = [_one(header)]
    lines += _script_lines("up, before point_of_no_return", protocols.up_check)
    lines += _script_lines("up, after everything else", protocols.up)
    lines += _script_lines("down, before point_of_no_return", protocols.down_check)
    lines += _script_lines("down, right after point_of_no_return", protocols.down)
    return lines


def _script_lines(title: str, steps: Sequence[PlannedInstruction]) -> list[str]:
    lines = [_one(f"{_INDENT}{title}:")]
    if not steps:
        return [*lines, f"{_INDENT * 2}(no instructions)"]
    digits = len(str(len(steps)))
    for number, step in enumerate(steps, start=1):
        label = f"{_INDENT * 2}{number:>{digits}}. "
        lines += _step_lines(label, step)
    return lines


def _step_lines(label: str, step: PlannedInstruction) -> list[str]:
    # Continuation lines line up under the instruction's first character.
    hanging = " " * len(label)
    program = _evaluated_program(step.instruction)
    if program is not None:
        # An eval_string program (upgrade.protocols) is shown as its lines of code.
        lines = [label + "{apply,{'Elixir.Code',eval_string,[Program]}}"]
        lines += [f"{hanging}  {line}" for line in program.split("\n")]
    else:
        term_text = format_term(short_term(step.instruction), TEXT_WIDTH - len(label))
        first, *rest = term_text.split("\n")
        lines = [label + first, *(hanging + line for line in rest)]
    reason = f"{step.reason.text} [{step.reason.rule}]" if step.reason.text else step.reason.rule
    lines += _wrapped(f"why: {reason}", hanging, hanging + "     ")
    if step.suspends:
        lines += _wrapped(f"suspends: {', '.join(step.suspends)}", hanging, hanging + "          ")
    return lines


def _evaluated_program(instruction: ins.Instruction) -> str | None:
    match instruction:
        case ins.Apply("Elixir.Code", "eval_string", ErlList(items=(bytes() as program,))):
            text = program.decode("utf-8", "replace")
            return "\n".join(printable(line) for line in text.split("\n"))
    return None


def _bullets(texts: Sequence[str], indent: str) -> list[str]:
    lines: list[str] = []
    for text in texts:
        lines += _wrapped(f"- {text}", indent, indent + "  ")
    return lines


def _wrapped(text: str, indent: str, hanging: str) -> list[str]:
    return textwrap.wrap(
        one_line(text),
        TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _one(text: str) -> str:
    """A line built from names and versions, kept on one line (indent preserved)."""
    stripped = text.lstrip(" ")
    return text[: len(text) - len(stripped)] + one_line(stripped)
