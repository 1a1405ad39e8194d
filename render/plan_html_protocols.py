"""A mix release's consolidated protocols on the HTML review page.

``mix release`` keeps the consolidated protocols in ``releases/VSN/consolidated``,
outside every application, so no appup loads them: the relup gets release-wide
steps instead (``upgrade.protocols``).  The page shows them where a reviewer
looks for steps, from the plan's ``protocols`` field (``render.plan_words``):

* in "What happens", per direction, one line: the protocols the step reloads,
  loads and deletes, after a check that changes nothing;
* below the applications' steps, a section of their own: which protocols
  changed, then the check and the switch, upgrade and downgrade side by side,
  each in words above its Elixir program (folded).

A plan without consolidated protocols (a relx release) shows none of this.
"""

from __future__ import annotations

from collections.abc import Sequence

from diffing.changes import ConsolidationDiff
from render.plan_html_steps import ARROW, codes, steps_table, text
from render.plan_words import ProtocolStep, protocol_steps
from upgrade.plan import UpgradePlan

_PLACEMENT = (
    "Appups cannot load these protocols: the relup checks the target's directory just "
    "before the point of no return (this changes nothing, and a failure stops the install), "
    "then switches the code path entry <code>consolidated</code> to it and loads them: after "
    "every application when upgrading, first after the point of no return when downgrading."
)


def protocols_section(plan: UpgradePlan) -> str:
    """The consolidated protocols' changes and steps; empty for a plan without them."""
    protocols = plan.protocols
    if protocols is None:
        return ""
    old, new = plan.diff.old.release.vsn, plan.diff.new.release.vsn
    heading = (
        f'<h3 id="protocols">Consolidated protocols <code>{text(protocols.old_directory)}</code> '
        f"{ARROW} <code>{text(protocols.new_directory)}</code> "
        '<span class="muted">(relup steps outside the appups)</span></h3>'
    )
    steps = protocol_steps(plan)
    parts = [
        '<section class="application">',
        heading,
        f"<p>{_PLACEMENT}</p>",
        _changes(plan.diff.consolidated),
        '<div class="pair">',
        steps_table(f"Upgrade {old} {ARROW} {new}", (*protocols.up_check, *protocols.up), steps),
        steps_table(
            f"Downgrade {new} {ARROW} {old}", (*protocols.down_check, *protocols.down), steps
        ),
        "</div>",
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _changes(consolidation: ConsolidationDiff | None) -> str:
    if consolidation is None:
        return ""

    def named(kind: str, vsn_only: bool = False) -> list[str]:
        return [
            change.module
            for change in consolidation.modules
            if change.kind == kind and change.vsn_only == vsn_only
        ]

    rows = (
        ("Protocols changed", named("changed")),
        ("Protocols added", named("added")),
        ("Protocols removed", named("removed")),
        ("Only -vsn changed", named("changed", vsn_only=True)),
    )
    entries = [f"<dt>{label}</dt><dd>{codes(names)}</dd>" for label, names in rows if names]
    if not entries:
        return '<p class="none">No protocol changed: only the code path entry moves.</p>'
    return "\n".join(['<dl class="changes">', *entries, "</dl>"])


def protocols_in_short(plan: UpgradePlan, direction: str) -> str:
    """One "What happens" line for the protocol steps of ``direction``; empty without them."""
    switches = [
        step
        for step in protocol_steps(plan).values()
        if step.kind == "switch" and step.direction == direction
    ]
    return "".join(_short_line(step) for step in switches)


def _short_line(step: ProtocolStep) -> str:
    done = [
        _named("reloads", step.reloads),
        _named("loads", step.adds),
        _named("deletes", step.deletes),
    ]
    what = "; ".join(part for part in done if part) or "no protocol changed"
    return (
        f'<li><a href="#protocols">Consolidated protocols</a> switched to '
        f"{text(step.version)}, after a check that changes nothing; {what}</li>"
    )


def _named(verb: str, names: Sequence[str]) -> str:
    return f"{verb} ({len(names)}): {codes(names)}" if names else ""


def protocols_count(plan: UpgradePlan) -> tuple[str, str] | None:
    """The summary's count card for the protocols, or None without them."""
    consolidation = plan.diff.consolidated
    if plan.protocols is None or consolidation is None:
        return None
    kinds = [change.kind for change in consolidation.modules if not change.vsn_only]
    counts = ", ".join(f"{kinds.count(kind)} {kind}" for kind in ("changed", "added", "removed"))
    return "Consolidated protocols", counts
