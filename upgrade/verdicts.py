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

Elixir's own applications (elixir, logger, iex, eex, ex_unit, mix) ship no
appups, and when their version changes they are not generated either: the
verdict is ``restart_emulator``, their appup ``[restart_emulator]``.  Why: the
release's own beams were compiled by that Elixir (macros expanded, calls into
its runtime), and so were its consolidated protocols, so old and new Elixir
code must not run side by side; Elixir's processes (Logger's, the code
server's) have no code_change for their state; and the relup's protocol
steps themselves run on Elixir.  systools runs the hot steps and then
restarts the node on the new release.
"""

from __future__ import annotations

from collections.abc import Iterable

from diffing.changes import AppDiff, KeyChange
from diffing.term_writer import format_term
from upgrade import instructions as ins
from upgrade.plan import VERDICT_ORDER, AppPlan, PlannedInstruction, PlanWarning, Reason, Verdict

CORE_APPLICATIONS = frozenset({"kernel", "stdlib", "sasl"})
ELIXIR_APPLICATIONS = frozenset({"elixir", "logger", "iex", "eex", "ex_unit", "mix"})

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


def elixir_restart_plan(app: AppDiff) -> tuple[AppPlan, tuple[PlanWarning, ...]]:
    """``[restart_emulator]`` both ways for a changed Elixir application, and its warning."""
    reason = (
        f"{app.name} changed ({app.old_vsn} -> {app.new_vsn}): Elixir's applications ship no "
        "appups and code compiled by one Elixir must not run beside another, so the node "
        "restarts on the new release"
    )
    step = PlannedInstruction(ins.RESTART_EMULATOR, Reason("elixir-application-changed", reason))
    assert app.old_vsn is not None and app.new_vsn is not None
    plan = AppPlan(
        app.name, app.old_vsn, app.new_vsn, (step,), (step,), "restart_emulator", (reason,)
    )
    warning = PlanWarning(
        "elixir-restart",
        app.name,
        f"{reason}: the relup runs its hot steps, then restart_emulator reboots the node, "
        "which heart or an OS supervisor must start again (it then boots the new release)",
    )
    return plan, (warning,)
