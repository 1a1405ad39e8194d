"""``relup rehearse OLD NEW``: prove an upgrade on a throwaway copy before production.

The rehearsal copies OLD into a scratch directory (:mod:`relup.rehearsal_copy`),
builds NEW's upgrade package with :func:`relup.packaging.build_package` into
the copy's ``releases/``, boots the copy alone (:mod:`relup.scratch_node`),
then runs ``relup install`` up to NEW and back down to OLD
(:mod:`relup.install`), checking after each direction that every process the
script does not touch kept its pid (:mod:`relup.process_snapshot`), and
running the user's check, if any, before and after each direction.  OLD and
NEW are only read; the scratch directory is removed afterwards unless kept.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from diffing.errors import UsageError
from diffing.term_writer import format_term
from diffing.terms import Atom, Term, as_text
from relup.install import InstallRequest, Outcome, StepResult, install_release
from relup.node_control import NodeControl, NodeError
from relup.packaging import PackageRequest, PackageSummary, build_package
from relup.prepare import prepare_release
from relup.process_snapshot import pid_changes, take_snapshot
from relup.rehearsal_copy import ReleaseCopy, copy_release
from relup.relup_script import script_facts
from relup.scratch_node import ScratchNode, find_erlang_binary

DEFAULT_TIMEOUT = 120.0
_ATOM_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_@.]*")
_SHOWN_CHANGES = 10


@dataclass(frozen=True, slots=True)
class UserCheck:
    """``MOD:FUN``: a function of arity 0 that returns ``ok`` or ``true`` when all is well."""

    module: str
    function: str

    def describe(self) -> str:
        return f"{format_term(Atom(self.module))}:{format_term(Atom(self.function))}()"


def parse_user_check(text: str) -> UserCheck:
    """``MOD:FUN``; an Elixir module name (``MyApp.Check``) gains its ``Elixir.`` prefix.

    >>> parse_user_check("MyApp.Check:run")
    UserCheck(module='Elixir.MyApp.Check', function='run')
    """
    module, colon, function = text.rpartition(":")
    if not colon or not _ATOM_TEXT.fullmatch(module) or not _ATOM_TEXT.fullmatch(function):
        raise UsageError(f"--check {text!r}: expected MOD:FUN, e.g. shop_check:run")
    if module[0].isupper() and not module.startswith("Elixir."):
        module = f"Elixir.{module}"
    return UserCheck(module, function)


@dataclass(frozen=True, slots=True)
class RehearsalRequest:
    package: PackageRequest
    check: UserCheck | None = None
    timeout: float = DEFAULT_TIMEOUT
    keep: Path | None = None  # a directory to rehearse in and leave behind


@dataclass(frozen=True, slots=True)
class RehearsalReport:
    release: str
    old_vsn: str
    new_vsn: str
    steps: tuple[StepResult, ...]
    scratch: Path | None  # kept scratch directory, if any

    @property
    def succeeded(self) -> bool:
        return all(step.outcome != "failed" for step in self.steps)


def rehearse(request: RehearsalRequest) -> RehearsalReport:
    """Copy OLD, package NEW, boot, upgrade, downgrade, stop; report every step.

    Raises:
        RelupError: OLD or NEW cannot be read, the plan fails, or no Erlang is
            found (before anything boots); failures on the node are steps.
    """
    scratch = _scratch_directory(request.keep)
    try:
        copy = copy_release(request.package.plan_request.old, scratch / "release")
        find_erlang_binary(copy.script.root, "erl")
        prepare_release(copy.script.root)
        package_dir = scratch / "package"
        package_dir.mkdir()
        summary = build_package(request.package, package_dir)
        steps = _Rehearsal(request, copy, summary, scratch).run()
        return RehearsalReport(summary.release_name, copy.vsn, summary.vsn, steps, request.keep)
    finally:
        if request.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


def _scratch_directory(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="relup-rehearse-"))
    if keep.exists() and any(keep.iterdir()):
        raise UsageError(f"--keep {keep}: the directory is not empty")
    keep.mkdir(parents=True, exist_ok=True)
    return keep


@dataclass(frozen=True, slots=True)
class _Stage:
    """One part of the rehearsal on the node; a blocking one that fails skips the rest."""

    name: str
    run: Callable[[NodeControl], bool]
    blocking: bool


class _Rehearsal:
    """The live part of one rehearsal; ``steps`` collects what happened, in order."""

    def __init__(
        self, request: RehearsalRequest, copy: ReleaseCopy, summary: PackageSummary, scratch: Path
    ) -> None:
        self.request = request
        self.copy = copy
        self.summary = summary
        self.scratch = scratch
        self.steps: list[StepResult] = []

    def add(self, name: str, outcome: Outcome, detail: str, lines: tuple[str, ...] = ()) -> bool:
        self.steps.append(StepResult(name, outcome, detail, lines))
        return outcome != "failed"

    def run(self) -> tuple[StepResult, ...]:
        package = self.summary
        self.add("package", "passed", f"{package.output.name}, {len(package.members)} members")
        old = self.copy.vsn
        try:
            with ScratchNode(self.copy.script, self.scratch / "node", self.request.timeout) as node:
                detail = f"{node.node_name} runs {old} (epmd on port {node.epmd.port})"
                self.add("boot", "passed", detail)
                self.run_stages(node.control, self.stages())
            self.add("stop", "passed", "the node stopped")
        except NodeError as error:  # stages report their own; this is the boot failing
            self.add("boot", "failed", str(error))
        return tuple(self.steps)

    def stages(self) -> list[_Stage]:
        old, new = self.copy.vsn, self.summary.vsn
        package = self.summary.output
        stages = [
            _Stage("upgrade", lambda node: self.direction(node, "upgrade", new, package), True),
            _Stage("downgrade", lambda node: self.direction(node, "downgrade", old, None), True),
        ]
        if self.request.check is None:
            return stages
        checks = [f"check on {old}", f"check on {new}", f"check on {old} again"]
        return [
            self.check_stage(checks[0]),
            stages[0],
            self.check_stage(checks[1]),
            stages[1],
            self.check_stage(checks[2]),
        ]

    def check_stage(self, name: str) -> _Stage:
        return _Stage(name, lambda node: self.user_check(node, name), False)

    def run_stages(self, node: NodeControl, stages: list[_Stage]) -> None:
        for index, stage in enumerate(stages):
            try:
                passed = stage.run(node)
            except NodeError as error:
                passed = self.add(stage.name, "failed", str(error))
            if not passed and stage.blocking:
                for later in stages[index + 1 :]:
                    self.add(later.name, "skipped", f"{stage.name} failed")
                return

    def direction(self, node: NodeControl, name: str, vsn: str, package: Path | None) -> bool:
        before = take_snapshot(node)
        install = InstallRequest(self.copy.script.root, vsn, package=package)
        report = install_release(install, node)
        for step in report.steps:
            self.add(f"{name}: {step.name}", step.outcome, step.detail, step.lines)
        if not report.succeeded or report.script is None:
            return False
        facts = script_facts(report.script.instructions)
        kept, changes = pid_changes(before, take_snapshot(node), facts)
        if changes:
            lines = tuple(change.describe() for change in changes[:_SHOWN_CHANGES])
            detail = f"{len(changes)} of {kept} processes the script does not touch lost their pid"
            return self.add(f"{name}: pids kept", "failed", detail, lines)
        return self.add(
            f"{name}: pids kept", "passed", f"{kept} untouched processes kept their pid"
        )

    def user_check(self, node: NodeControl, name: str) -> bool:
        check = self.request.check
        assert check is not None
        reply = node.evaluate(user_check_expression(check))
        outcome, said = judge_user_check(reply)
        return self.add(name, outcome, f"{check.describe()} {said}")


def user_check_expression(check: UserCheck) -> str:
    """Call the check; its value comes back formatted, so pids or funs cannot break the reply."""
    call = check.describe()
    return (
        f"try {call} of ok -> ok; true -> true; "
        'RelupOther -> {returned, lists:flatten(io_lib:format("~0tp", [RelupOther]))} '
        "catch RelupClass:RelupReason -> "
        '{raised, lists:flatten(io_lib:format("~0tp:~0tp", [RelupClass, RelupReason]))} end'
    )


def judge_user_check(reply: Term) -> tuple[Outcome, str]:
    """``passed`` for ``ok``/``true``; ``failed`` with what it returned or raised otherwise."""
    match reply:
        case Atom("ok") | Atom("true"):
            return "passed", f"returned {reply.name}"
        case (Atom("returned"), value):
            return "failed", f"returned {as_text(value)}, not ok or true"
        case (Atom("raised"), value):
            return "failed", f"raised {as_text(value)}"
    return "failed", f"answered {format_term(reply)}"
