"""Hand-written appups in NEW: read as systools reads them, and honoured for their application.

An appup is hand-written when NEW's ``ebin/`` holds one that relup did not
generate (the caller says which ones it generated).  Its entries are matched
against the old version with systools' rules (``appup_versions``), and its
instructions go through systools' own expansion and syntax check, so what the
plan shows is exactly what the relup will be built from.  What cannot be read
or matched is a ``PlanError`` naming the file: systools would refuse it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffing.errors import EXIT_INPUT, TranslationError
from diffing.release import Appup
from diffing.terms import ErlList, as_text
from upgrade import instructions as ins
from upgrade.appup_versions import InvalidVersionPattern, find_entry
from upgrade.plan import PlanError, Verdict
from upgrade.syntax import check_syntax, expand_script


@dataclass(frozen=True, slots=True)
class HandWrittenScripts:
    """The instructions of the entries matching the old version, up and down."""

    appup_vsn: str | None
    up: tuple[ins.Instruction, ...]
    down: tuple[ins.Instruction, ...]


def read_hand_written(appup: Appup, application: str, old_vsn: str) -> HandWrittenScripts:
    """The up-from and down-to instructions of ``appup`` for ``old_vsn``.

    Raises:
        PlanError: the appup is unreadable, malformed, has no entry for
            ``old_vsn``, or holds an instruction systools rejects.
    """
    term = appup.term
    if term is None:
        where = f" (line {appup.problem_line})" if appup.problem_line else ""
        error = PlanError(
            f"{appup.path}: the hand-written appup cannot be read{where}: {appup.problem}"
        )
        error.exit_code = EXIT_INPUT  # a malformed input file, as relup relup says too
        raise error
    if not (
        isinstance(term, tuple)
        and len(term) == 3
        and isinstance(term[1], ErlList)
        and isinstance(term[2], ErlList)
    ):
        raise PlanError(f"{appup.path}: not an appup: expected {{Vsn, UpFrom, DownTo}}")
    return HandWrittenScripts(
        appup_vsn=as_text(term[0]),
        up=_script(appup, application, old_vsn, term[1], "upgrade from"),
        down=_script(appup, application, old_vsn, term[2], "downgrade to"),
    )


def _script(
    appup: Appup, application: str, old_vsn: str, entries: ErlList, what: str
) -> tuple[ins.Instruction, ...]:
    try:
        instructions = find_entry(old_vsn, entries)
    except InvalidVersionPattern as error:
        raise PlanError(f"{appup.path}: {error}") from error
    if instructions is None:
        raise PlanError(
            f"{appup.path}: the hand-written appup of {application} has no entry to {what} "
            f"{old_vsn} (systools: no_relup); add one, or pass --regenerate to let relup plan it"
        )
    try:
        return check_syntax(expand_script(instructions))
    except TranslationError as error:
        raise PlanError(f"{appup.path}: {error.message}") from error


def hand_written_verdict(instructions: tuple[ins.Instruction, ...]) -> Verdict:
    if any(isinstance(i, ins.RestartNewEmulator | ins.RestartEmulator) for i in instructions):
        return "restart_emulator"
    if any(isinstance(i, ins.RestartApplication) for i in instructions):
        return "restart_application"
    return "hot"


def is_hand_written(appup: Appup | None) -> bool:
    """An appup file that is there (readable or not); a missing one is ``enoent``."""
    return appup is not None and (appup.term is not None or appup.problem not in (None, "enoent"))
