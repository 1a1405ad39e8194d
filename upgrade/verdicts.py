"""Whether an upgrade can be done hot, per application and as a whole, and why not.

* ``restart_emulator``: ERTS changed, or kernel, stdlib or sasl changed.
  systools plans it as ``restart_new_emulator``: the node restarts on the new
  emulator with the new core applications and the *old* versions of every
  other application, then runs the rest of the relup hot.
* ``restart_application``: something an appup cannot change in a running
  application: its callback module or start phases (they only run at start),
  its included applications, a NIF library or port program in ``priv/``, a
  supervisor that gains or loses children but cannot be addressed, a process
  module that changed behaviour.
* ``hot``: everything else.
"""

from __future__ import annotations

from collections.abc import Iterable

from diffing.changes import AppDiff, KeyChange
from diffing.term_writer import format_term
from upgrade.plan import VERDICT_ORDER, Verdict

CORE_APPLICATIONS = frozenset({"kernel", "stdlib", "sasl"})

_KEY_REASONS = {
    "mod": "its start/2 only runs when the application starts",
    "start_phases": "start phases only run when the application starts",
    "included_applications": "included applications are started by the including "
    "application's own supervision tree",
}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The most disruptive of ``verdicts`` (``hot`` when there are none)."""
    return max(verdicts, key=VERDICT_ORDER.index, default="hot")


def app_restart_reasons(app_diff: AppDiff) -> tuple[str, ...]:
    """Why an upgraded application's ``.app`` keys or ``priv/`` files need a restart."""
    reasons = [_key_reason(change) for change in app_diff.keys if change.key in _KEY_REASONS]
    reasons.extend(
        f"native code {change.path} changed: a loaded NIF library or a running port program "
        "is not replaced by reloading modules"
        for change in app_diff.priv
        if change.kind == "changed" and change.is_native
    )
    return tuple(reasons)


def _key_reason(change: KeyChange) -> str:
    old = "none" if change.old is None else _short(format_term(change.old))
    new = "none" if change.new is None else _short(format_term(change.new))
    return f"{change.key} changed ({old} -> {new}): {_KEY_REASONS[change.key]}"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."


def emulator_restart_causes(
    erts: tuple[str, str] | None, core_changes: Iterable[AppDiff]
) -> tuple[str, ...]:
    causes = [] if erts is None else [f"ERTS changed ({erts[0]} -> {erts[1]})"]
    causes.extend(f"{app.name} changed ({app.old_vsn} -> {app.new_vsn})" for app in core_changes)
    return tuple(causes)


def emulator_restart_message(causes: Iterable[str]) -> str:
    return (
        "; ".join(causes) + ": the upgrade restarts the emulator in two stages "
        "(restart_new_emulator): first the node reboots on the new emulator with the new "
        "kernel, stdlib and sasl and the old versions of every other application, then the "
        "rest of the relup runs hot; the downgrade ends with a full emulator restart. "
        "The new ERTS must be in the release package, and heart or a supervisor of the OS "
        "process must bring the node back"
    )
