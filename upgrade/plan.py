"""An upgrade plan: per application, the appup instructions up and down, each with its reason.

Produced by ``upgrade.planner.plan_upgrade`` from a ``ReleaseDiff``; rendered
by ``render`` as appups, a relup, a human plan and JSON/YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diffing.changes import ReleaseDiff
from diffing.errors import EXIT_FAILED, RelupError
from diffing.release import AppName, ModuleName
from upgrade import instructions as ins
from upgrade.relup_builder import Relup

Verdict = Literal["hot", "restart_application", "restart_emulator"]
AppupSource = Literal["generated", "hand-written"]
VERDICT_ORDER: tuple[Verdict, ...] = ("hot", "restart_application", "restart_emulator")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an instruction is there: the rule that produced it and the change behind it."""

    rule: str  # stable rule id, e.g. "changed-process-module"; listed in docs/planning.md
    text: str


@dataclass(frozen=True, slots=True)
class PlannedInstruction:
    """One appup instruction with its reason, and the processes it suspends.

    ``suspends`` names the supervised children (``Supervisor/ChildId``) whose
    child spec lists the module, i.e. what release_handler will suspend.
    """

    instruction: ins.Instruction
    reason: Reason
    suspends: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanWarning:
    code: str  # stable, listed in docs/warnings.md
    application: AppName | None
    message: str


@dataclass(frozen=True, slots=True)
class AppPlan:
    """The appup of one upgraded application, generated or hand-written."""

    name: AppName
    old_vsn: str
    new_vsn: str
    up: tuple[PlannedInstruction, ...]
    down: tuple[PlannedInstruction, ...]
    verdict: Verdict
    verdict_reasons: tuple[str, ...] = ()
    source: AppupSource = "generated"


@dataclass(frozen=True, slots=True)
class ProtocolModules:
    """The consolidated protocols one direction's switch loads and deletes.

    ``loads`` is what the switch loads from the target directory (and the
    check finds there), in the diff's order: the ``reloads`` (changed between
    the releases; a ``-vsn``-only change loads nothing) and the ``adds`` (only
    in the target release).  ``deletes`` are only in the running release.
    """

    loads: tuple[ModuleName, ...]
    adds: tuple[ModuleName, ...]
    deletes: tuple[ModuleName, ...]

    @property
    def reloads(self) -> tuple[ModuleName, ...]:
        return tuple(module for module in self.loads if module not in self.adds)


@dataclass(frozen=True, slots=True)
class ProtocolPlan:
    """Loading a mix release's consolidated protocols: release-wide, outside every appup.

    The relup gets, per direction, the ``*_check`` steps just before
    ``point_of_no_return`` (they change nothing: a failure stops the install
    while the node is untouched) and the ``up`` steps at the very end of the
    upgrade, the ``down`` steps first in the downgrade, right after
    ``point_of_no_return`` (see docs/elixir.md).
    """

    old_directory: str  # relative to the release root: releases/0.1.0/consolidated
    new_directory: str
    up_check: tuple[PlannedInstruction, ...]
    up: tuple[PlannedInstruction, ...]
    down_check: tuple[PlannedInstruction, ...]
    down: tuple[PlannedInstruction, ...]
    up_modules: ProtocolModules  # what ``up`` loads from new_directory and deletes
    down_modules: ProtocolModules  # what ``down`` loads from old_directory and deletes


@dataclass(frozen=True, slots=True)
class UpgradePlan:
    diff: ReleaseDiff
    applications: tuple[AppPlan, ...]  # upgraded applications, in the new release's order
    added_applications: tuple[AppName, ...]
    removed_applications: tuple[AppName, ...]
    verdict: Verdict
    verdict_reasons: tuple[str, ...]
    warnings: tuple[PlanWarning, ...]
    relup: Relup | None = None  # the translated relup, when translation succeeded
    protocols: ProtocolPlan | None = None  # a mix release's consolidated protocols


class PlanError(RelupError):
    """The upgrade cannot be planned as asked: what cannot be done hot, or a broken appup.

    ``reasons`` lists each problem (``app: why``); the message names them all and
    says what to do about them.
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        self.message = message
        self.reasons = reasons
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.reasons:
            return self.message
        return f"{self.message}: " + "; ".join(self.reasons)
