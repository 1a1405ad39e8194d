"""An upgrade plan as one self-contained HTML page for code review (``relup plan --html``).

The page answers, without the reader knowing Erlang terms: is the upgrade hot;
what must be acted on (warnings); which processes are suspended, at which step
and why; in what order modules load; what the downgrade does.  Top to bottom:

* the title with the verdict and its reasons, counts, the applications;
* the warnings;
* "What happens", upgrade and downgrade side by side: in short, then each
  suspended process and the relup steps it waits across
  (``render.plan_html_summary``);
* per upgraded application, what changed, then its steps up and down side by
  side: the step in plain words (``render.plan_words``) above its Erlang form,
  why it is there, the processes it suspends; the relup's low-level script
  behind a ``<details>``, with what is suspended during each step
  (``render.plan_html_steps``); a mix release's consolidated protocols and
  their relup steps (``render.plan_html_protocols``);
* the diagrams (supervision tree, load order, upgrade and downgrade timelines)
  inlined as SVG (``render.svg_inline``).

The page loads nothing: the style is inline, there is no script, and a
Content Security Policy forbids every fetch, so a stray reference cannot
reach the network.  Every name and message is HTML-escaped.  The output
depends only on the plan and the diagrams given (no dates, fixed order), so
it can be compared byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from diffing.changes import ChildChange, ModuleChange, ReleaseDiff
from render.appup_file import one_line
from render.plan_html_protocols import protocols_count, protocols_section
from render.plan_html_steps import (
    ARROW,
    LEGEND,
    application_section,
    bullet_list,
    relup_section,
    text,
    verdict_badge,
)
from render.plan_html_style import STYLE_SHEET
from render.plan_html_summary import what_happens_section
from render.relup_file import marker_line
from render.svg_inline import inline_svg
from upgrade.plan import PlannedInstruction, PlanWarning, UpgradePlan

# The diagrams the page shows, in page order: key, heading, what it shows.
DIAGRAMS: tuple[tuple[str, str, str], ...] = (
    (
        "tree",
        "Supervision tree of the new release",
        "Supervisors and their children after the upgrade, with what changes marked "
        "(legend inside the diagram).",
    ),
    (
        "order",
        "Module load order",
        "Changed, added and removed modules in the order they load; an arrow joins a module "
        "to one that must load first (DepMods).",
    ),
    ("timeline-up", "Upgrade timeline", "The relup's steps upgrading, top to bottom."),
    ("timeline-down", "Downgrade timeline", "The relup's steps downgrading, top to bottom."),
)
DIAGRAM_KEYS = tuple(key for key, _, _ in DIAGRAMS)
# A diagram shrinks to its frame's width, but not below this share of its size:
# smaller, graphviz's 11-point labels stop being readable; the frame scrolls instead.
_MIN_SCALE = 0.7
_SIDE_BY_SIDE = frozenset({"timeline-up", "timeline-down"})
_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_plan_html(
    plan: UpgradePlan, diagrams: Mapping[str, str], *, relup_version: str | None = None
) -> str:
    """The review page of ``plan``, as HTML text ending with a newline.

    Args:
        plan: the upgrade plan.
        diagrams: SVG documents by key (``tree``, ``order``, ``timeline-up``,
            ``timeline-down``); the ones missing are left out of the page.
        relup_version: when given, the page starts with relup's marker comment
            (so a later run may replace it) and names the version at the bottom.

    Returns:
        A complete HTML document.

    Raises:
        ValueError: a diagram key is unknown, or a diagram is not SVG fit to inline.
    """
    unknown = sorted(set(diagrams) - set(DIAGRAM_KEYS))
    if unknown:
        raise ValueError(f"unknown diagram keys {unknown}; expected some of {DIAGRAM_KEYS}")
    title = f"Upgrade review: {_release_title(plan.diff)}"
    body = [
        _header(plan, title),
        _warnings(plan.warnings),
        what_happens_section(plan),
        '<h2 id="steps">Steps per application</h2>',
        LEGEND if plan.applications else "<p>No application is upgraded.</p>",
        *(application_section(app_plan, plan.diff) for app_plan in plan.applications),
        protocols_section(plan),
        relup_section(plan),
        _diagrams(diagrams),
    ]
    if relup_version is not None:
        body.append(f"<footer>{text(marker_line(relup_version))}</footer>")
    head = [
        *([f"<!-- {text(marker_line(relup_version))} -->"] if relup_version else []),
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title>",
        f"<style>\n{STYLE_SHEET}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    lines = [*head, *body, "</main>", "</body>", "</html>"]
    return "\n".join(line for line in lines if line) + "\n"


# -- summary ----------------------------------------------------------------------------


def _release_title(diff: ReleaseDiff) -> str:
    old, new = diff.old.release.spec, diff.new.release.spec
    if old.name == new.name:
        return f"{old.name} {old.vsn} {ARROW} {new.vsn}"
    return f"{old.name} {old.vsn} {ARROW} {new.name} {new.vsn}"


def _header(plan: UpgradePlan, title: str) -> str:
    protocols = '<a href="#protocols">Protocols</a>' if plan.protocols is not None else ""
    lines = [
        f"<h1>{text(title)} {verdict_badge(plan.verdict)}</h1>",
        '<nav><a href="#warnings">Warnings</a><a href="#what-happens">What happens</a>'
        f'<a href="#steps">Steps</a>{protocols}<a href="#diagrams">Diagrams</a></nav>',
        bullet_list(plan.verdict_reasons),
    ]
    if plan.diff.erts is not None:
        old_erts, new_erts = plan.diff.erts
        lines.append(f"<p>ERTS {text(old_erts)} {ARROW} {text(new_erts)}</p>")
    lines += [_counts(plan), _applications_table(plan)]
    return "\n".join(line for line in lines if line)


def _applications_table(plan: UpgradePlan) -> str:
    rows = [
        (app.name, "upgraded", f"{app.old_vsn} {ARROW} {app.new_vsn}", verdict_badge(app.verdict))
        for app in plan.applications
    ]
    for status, names in (
        ("added", plan.added_applications),
        ("removed", plan.removed_applications),
    ):
        for name in names:
            rows.append((name, status, _app_vsn(plan.diff, name, status), ""))
    if not rows:
        return "<p>No application changes.</p>"
    header = "<tr><th>Application</th><th>Change</th><th>Version</th><th>Verdict</th></tr>"
    body = "\n".join(
        f"<tr><td><code>{text(name)}</code></td><td>{status}</td><td>{text(vsn)}</td>"
        f"<td>{verdict}</td></tr>"
        for name, status, vsn, verdict in rows
    )
    return f'<table class="applications">\n{header}\n{body}\n</table>'


def _app_vsn(diff: ReleaseDiff, name: str, status: str) -> str:
    app_diff = diff.application(name)
    if app_diff is None:
        return ""
    return (app_diff.new_vsn if status == "added" else app_diff.old_vsn) or ""


def _counts(plan: UpgradePlan) -> str:
    upgraded = [app for app in plan.diff.applications if app.status == "upgraded"]
    modules = [change for app in upgraded for change in app.modules]
    children = [change for app in plan.diff.applications for change in app.children]
    up = [step for app in plan.applications for step in app.up]
    down = [step for app in plan.applications for step in app.down]

    def count(kind: str, changes: Sequence[ModuleChange | ChildChange]) -> int:
        return sum(1 for change in changes if change.kind == kind and not _vsn_only(change))

    cards: tuple[tuple[str, str], ...] = (
        (
            "Applications",
            f"{len(plan.applications)} upgraded, {len(plan.added_applications)} added, "
            f"{len(plan.removed_applications)} removed",
        ),
        (
            "Modules",
            f"{count('changed', modules)} changed, {count('added', modules)} added, "
            f"{count('removed', modules)} removed",
        ),
        (
            "Supervisor children",
            f"{count('added', children)} added, {count('removed', children)} removed",
        ),
        ("Steps", f"{len(up)} up, {len(down)} down"),
        ("Processes suspended", f"{len(_suspended(up))} up, {len(_suspended(down))} down"),
        ("Warnings", str(len(plan.warnings))),
    )
    protocol_card = protocols_count(plan)
    if protocol_card is not None:
        cards = (*cards, protocol_card)
    items = "\n".join(
        f'<div class="count"><span>{label}</span><b>{text}</b></div>' for label, text in cards
    )
    return f'<div class="counts">\n{items}\n</div>'


def _vsn_only(change: ModuleChange | ChildChange) -> bool:
    return isinstance(change, ModuleChange) and change.vsn_only


def _suspended(steps: Sequence[PlannedInstruction]) -> set[str]:
    return {process for step in steps for process in step.suspends}


def _warnings(warnings: Sequence[PlanWarning]) -> str:
    heading = f'<h2 id="warnings">Warnings ({len(warnings)})</h2>'
    if not warnings:
        return f"{heading}\n<p>None.</p>"
    items = []
    for warning in warnings:
        where = "" if warning.application is None else f" in <b>{text(warning.application)}</b>"
        items.append(
            f'<div class="warning"><code>{text(warning.code)}</code>{where}: '
            f"{text(one_line(warning.message))}</div>"
        )
    return "\n".join([heading, *items])


# -- diagrams ---------------------------------------------------------------------------


def _diagrams(diagrams: Mapping[str, str]) -> str:
    parts = ['<h2 id="diagrams">Diagrams</h2>']
    if not diagrams:
        return "\n".join([*parts, "<p>No diagrams.</p>"])
    paired = [key for key in DIAGRAM_KEYS if key in diagrams and key in _SIDE_BY_SIDE]
    for key, heading, description in DIAGRAMS:
        if key not in diagrams or key in _SIDE_BY_SIDE:
            continue
        parts.append(_figure(key, heading, description, diagrams[key]))
    if paired:
        figures = (_figure(key, *_heading(key), diagrams[key]) for key in paired)
        parts += ['<div class="pair">', *figures, "</div>"]
    return "\n".join(parts)


def _heading(key: str) -> tuple[str, str]:
    return next((heading, description) for name, heading, description in DIAGRAMS if name == key)


def _figure(key: str, heading: str, description: str, svg: str) -> str:
    return (
        f'<figure id="diagram-{key}"><figcaption><h3>{text(heading)}</h3>'
        f'<p class="muted">{text(description)}</p></figcaption>'
        f'<div class="diagram">{inline_svg(svg, key, _MIN_SCALE)}</div></figure>'
    )
