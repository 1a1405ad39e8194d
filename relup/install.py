"""``relup install ROOT VSN``: upgrade or downgrade a running release in place, checked.

The steps, each reported, the first failure ending the run:

1. *node*: the node behind ``bin/NAME`` runs from ROOT and its release handler
   (sasl) is up;
2. *version*: it runs the expected version (not VSN itself, nor a half-finished
   installation);
3. *drift*: the loaded modules are the beams on disk (:mod:`relup.drift`);
4. *unpack*: a release the node does not know yet is unpacked from
   ``releases/NAME-VSN.tar.gz`` (copied there from ``--package``);
5. *relup*: the script ``release_handler`` will run exists (up entry of VSN's
   relup, else down entry of the running version's);
6. *check_install_release*, *install_release* (paths updated, as relx does);
7. *verify script*: what the script's ``apply`` steps should have done
   (children restarted or deleted, applications started or stopped) is so on
   the node, since OTP ignores their results;
8. *make_permanent* (and relx's ``bin/NAME-VSN`` copied over ``bin/NAME``, so
   a restart boots VSN), only once the script is verified;
9. *verify version*: the node reports VSN permanent and running.

A release unpacked by this run is removed again when a check before the
installation fails, so the node is left as it was found.  A script that does
not verify leaves VSN installed but not permanent: a restart boots the
permanent release again, and installing that release goes back at once (the
version check allows it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from diffing.errors import UsageError
from diffing.term_writer import format_term
from diffing.terms import Atom, Term, as_text, erl_string
from relup.drift import find_drift
from relup.node_control import NodeControl
from relup.node_state import (
    NodeReleases,
    read_applications,
    read_child_states,
    read_loaded_modules,
    read_node_releases,
)
from relup.relup_script import (
    ApplicationExpectation,
    ChildExpectation,
    Direction,
    Expectation,
    RelupScript,
    script_facts,
    select_script,
)

Outcome = Literal["passed", "warned", "failed", "skipped"]
_SHOWN_DRIFT = 20


@dataclass(frozen=True, slots=True)
class StepResult:
    """One reported step: ``detail`` is one line, ``lines`` lists findings under it."""

    name: str
    outcome: Outcome
    detail: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InstallRequest:
    root: Path
    vsn: str
    package: Path | None = None
    allow_drift: bool = False
    expected_from: str | None = None


@dataclass(frozen=True, slots=True)
class InstallReport:
    release: str
    to_vsn: str
    from_vsn: str | None
    script: RelupScript | None
    steps: tuple[StepResult, ...]

    @property
    def succeeded(self) -> bool:
        return all(step.outcome != "failed" for step in self.steps)

    @property
    def direction(self) -> Direction | None:
        return None if self.script is None else self.script.direction


def check_package_argument(request: InstallRequest, release_name: str) -> None:
    """Refuse a ``--package`` that would replace another file in ``releases/``."""
    if request.package is None:
        return
    if not request.package.is_file():
        raise UsageError(f"{request.package}: no such package file")
    target = request.root / "releases" / f"{release_name}-{request.vsn}.tar.gz"
    if target.exists() and not _same_content(target, request.package):
        raise UsageError(f"{target} exists and differs from {request.package}; remove it first")


def install_release(request: InstallRequest, node: NodeControl) -> InstallReport:
    """Run the steps of ``relup install`` against the node ``node`` reaches.

    Raises:
        NodeError: the node cannot be reached or answers something unexpected.
    """
    run = _Run(request, node)
    run.execute()
    return InstallReport(node.release.name, request.vsn, run.from_vsn, run.script, tuple(run.steps))


class _Run:
    """The state of one installation while its steps run (local to install_release)."""

    def __init__(self, request: InstallRequest, node: NodeControl) -> None:
        self.request = request
        self.node = node
        self.steps: list[StepResult] = []
        self.from_vsn: str | None = None
        self.script: RelupScript | None = None
        self.unpacked_here = False
        self.releases: NodeReleases | None = None

    def add(self, name: str, outcome: Outcome, detail: str, lines: tuple[str, ...] = ()) -> bool:
        self.steps.append(StepResult(name, outcome, detail, lines))
        return outcome != "failed"

    def node_releases(self) -> NodeReleases:
        assert self.releases is not None  # read first thing in execute
        return self.releases

    def evaluate(self, expression: str) -> Term:
        return self.node.evaluate(expression)

    def execute(self) -> None:
        """Run the steps in order until one fails."""
        self.releases = read_node_releases(self.node)
        steps = (
            self.check_node,
            self.check_version,
            self.check_drift,
            self.unpack,
            self.find_script,
            self.check_install,
            self.install,
            self.verify_script,
            self.make_permanent,
            self.verify_version,
        )
        for step in steps:
            if not step():
                return

    # -- pre-flight

    def check_node(self) -> bool:
        releases = self.node_releases()
        root = self.request.root.resolve()
        if releases.root.resolve() != root:
            return self.add("node", "failed", f"the node runs from {releases.root}, not {root}")
        if not releases.handler_running:
            return self.add(
                "node", "failed", "release_handler is not running: add sasl to the release"
            )
        return self.add("node", "passed", f"runs from {root}; releases: {releases.describe()}")

    def check_version(self) -> bool:
        releases = self.node_releases()
        running = releases.running
        target = self.request.vsn
        if running is None:
            return self.add("version", "failed", "the node reports no current or permanent release")
        self.from_vsn = running.vsn
        problem = version_problem(releases, running.vsn, target, self.request.expected_from)
        if problem is not None:
            return self.add("version", "failed", problem)
        known = releases.entry(target)
        state = "not yet unpacked" if known is None else known.status
        return self.add("version", "passed", f"running {running.vsn}; {target} is {state}")

    def check_drift(self) -> bool:
        releases = self.node_releases()
        running = releases.running
        assert running is not None  # check_version passed
        # mix puts the release's consolidated protocols first on the code path.
        directories = [releases.releases_dir / running.vsn / "consolidated"]
        directories += [releases.root / "lib" / name / "ebin" for name in running.applications]
        report = find_drift(read_loaded_modules(self.node), directories)
        if not report.drift:
            detail = f"{report.checked} loaded modules match their beams on disk"
            return self.add("drift", "passed", detail)
        lines = tuple(drift.describe() for drift in report.drift[:_SHOWN_DRIFT])
        if len(report.drift) > _SHOWN_DRIFT:
            lines += (f"... and {len(report.drift) - _SHOWN_DRIFT} more",)
        outcome: Outcome = "warned" if self.request.allow_drift else "failed"
        detail = f"{len(report.drift)} of {report.checked} loaded modules differ from disk"
        if not self.request.allow_drift:
            detail += " (--allow-drift to install anyway)"
        return self.add("drift", outcome, detail, lines)

    # -- unpacking and the script

    def unpack(self) -> bool:
        releases = self.node_releases()
        known = releases.entry(self.request.vsn)
        if known is not None:
            return self.add("unpack", "skipped", f"{self.request.vsn} is already {known.status}")
        name = f"{self.node.release.name}-{self.request.vsn}"
        package = releases.releases_dir / f"{name}.tar.gz"
        copied = self.request.package is not None and not package.exists()
        if copied:
            assert self.request.package is not None
            shutil.copyfile(self.request.package, package)
        if not package.is_file():
            return self.add("unpack", "failed", f"no package {package} (give one with --package)")
        reply = self.evaluate(f"release_handler:unpack_release({format_term(erl_string(name))})")
        match reply:
            case (Atom("ok"), vsn) if as_text(vsn) == self.request.vsn:
                self.unpacked_here = True
                return self.add("unpack", "passed", f"unpacked {package}")
        if copied:
            package.unlink(missing_ok=True)  # leave releases/ as it was found
        return self.add("unpack", "failed", f"unpack_release returned {format_term(reply)}")

    def find_script(self) -> bool:
        releases = self.node_releases()
        assert self.from_vsn is not None
        script = select_script(releases.releases_dir, self.from_vsn, self.request.vsn)
        if script is None:
            detail = (
                f"no relup takes {self.from_vsn} to {self.request.vsn}: neither "
                f"releases/{self.request.vsn}/relup nor releases/{self.from_vsn}/relup has an entry"
            )
            return self.add("relup", "failed", detail + self.undo_unpack())
        self.script = script
        detail = (
            f"{script.direction} {script.from_vsn} -> {script.to_vsn} with {script.relup_file} "
            f"({len(script.instructions)} instructions)"
        )
        return self.add("relup", "passed", detail)

    def check_install(self) -> bool:
        reply = self.evaluate(f"release_handler:check_install_release({self.quoted_vsn()})")
        if isinstance(reply, tuple) and reply[:1] == (Atom("ok"),):
            return self.add("check_install_release", "passed", "ok")
        detail = f"returned {format_term(reply)}" + self.undo_unpack()
        return self.add("check_install_release", "failed", detail)

    def undo_unpack(self) -> str:
        if not self.unpacked_here:
            return ""
        reply = self.evaluate(f"release_handler:remove_release({self.quoted_vsn()})")
        if reply == Atom("ok"):
            return f"; removed the unpacked {self.request.vsn} again"
        return f"; removing the unpacked {self.request.vsn} returned {format_term(reply)}"

    # -- installing

    def install(self) -> bool:
        reply = self.evaluate(
            f"release_handler:install_release({self.quoted_vsn()}, [{{update_paths, true}}])"
        )
        match reply:
            case (Atom("ok"), _, _):
                return self.add("install_release", "passed", f"{self.request.vsn} installed")
            case (Atom("continue_after_restart"), _, _):
                detail = "the node restarts to finish (new emulator); run relup install again"
                return self.add("install_release", "failed", detail)
        return self.add("install_release", "failed", f"returned {format_term(reply)}")

    def make_permanent(self) -> bool:
        reply = self.evaluate(f"release_handler:make_permanent({self.quoted_vsn()})")
        if reply != Atom("ok"):
            return self.add("make_permanent", "failed", f"returned {format_term(reply)}")
        return self.add("make_permanent", "passed", "ok" + self.switch_script())

    def switch_script(self) -> str:
        # relx bakes the version into bin/NAME; its installer copies bin/NAME-VSN
        # over it so that the next start boots VSN.  mix reads start_erl.data.
        if self.node.release.builder != "relx":
            return ""
        script = self.node.release.script
        versioned = script.with_name(f"{script.name}-{self.request.vsn}")
        if not versioned.is_file():
            return f"; no {versioned.name} to copy over {script.name}"
        temporary = script.with_name(f".{script.name}.relup-tmp")
        shutil.copy2(versioned, temporary)
        temporary.replace(script)
        return f"; copied bin/{versioned.name} over bin/{script.name}"

    # -- verifying

    def verify_version(self) -> bool:
        releases = read_node_releases(self.node)
        running = releases.running
        entry = releases.entry(self.request.vsn)
        if running is None or running.vsn != self.request.vsn or entry is None:
            return self.add("verify version", "failed", f"the node reports {releases.describe()}")
        if entry.status != "permanent":
            return self.add("verify version", "failed", f"{self.request.vsn} is {entry.status}")
        return self.add("verify version", "passed", f"{self.request.vsn} runs, permanent")

    def verify_script(self) -> bool:
        assert self.script is not None
        expectations = script_facts(self.script.instructions).expectations
        if not expectations:
            return self.add("verify script", "passed", "the script has no apply steps to check")
        unmet = unmet_expectations(self.node, expectations)
        if unmet:
            detail = f"{len(unmet)} of {len(expectations)} apply steps did not take effect"
            return self.add(
                "verify script", "failed", detail + self.left_unfinished(), tuple(unmet)
            )
        shown = "; ".join(expectation.describe() for expectation in expectations)
        return self.add("verify script", "passed", shown)

    def left_unfinished(self) -> str:
        """What a failure after install_release leaves: VSN current, not permanent."""
        permanent = self.node_releases().entry_with_status("permanent")
        if permanent is None or permanent.vsn == self.request.vsn:
            return ""
        return (
            f"; {self.request.vsn} is not made permanent: a restart boots {permanent.vsn}, "
            f"installing {permanent.vsn} goes back now"
        )

    def quoted_vsn(self) -> str:
        return format_term(erl_string(self.request.vsn))


def unmet_expectations(node: NodeControl, expectations: tuple[Expectation, ...]) -> list[str]:
    """Each expectation not met on the node, said in a line."""
    children = [item for item in expectations if isinstance(item, ChildExpectation)]
    applications = [item for item in expectations if isinstance(item, ApplicationExpectation)]
    unmet = []
    if children:
        states = read_child_states(node, children)
        for expected, (child_id, state) in zip(children, states, strict=True):
            problem = child_problem(expected, child_id, state)
            if problem is not None:
                unmet.append(problem)
    if applications:
        running = set(read_applications(node))
        for application in applications:
            is_running = application.application in running
            if is_running != (application.state == "started"):
                actual = "running" if is_running else "not running"
                unmet.append(f"expected {application.describe()}, but it is {actual}")
    return unmet


def child_problem(expected: ChildExpectation, child_id: Term, state: str) -> str | None:
    """Why ``expected`` does not hold, given what the supervisor says of the child, or None."""
    if state == expected.state:
        return None
    if state == "not_running":
        return f"expected {expected.describe()}, but {expected.supervisor} is not running"
    if child_id == Atom("unresolved"):
        return f"expected {expected.describe()}, but its child spec cannot be resolved"
    shown = f" (id {format_term(child_id)})" if expected.elixir_spec else ""
    return f"expected {expected.describe()}, but it is {state}{shown}"


def version_problem(
    releases: NodeReleases, running: str, target: str, expected_from: str | None
) -> str | None:
    permanent = releases.entry_with_status("permanent")
    # Going back to the permanent release undoes an unfinished installation.
    if permanent is not None and permanent.vsn != running and target != permanent.vsn:
        return (
            f"{running} is installed but not permanent ({permanent.vsn} is): finish or undo "
            "that installation first"
        )
    if target == running:
        return f"{target} is already running"
    if expected_from is not None and expected_from != running:
        return f"the node runs {running}, not {expected_from} (--from)"
    return None


def _same_content(left: Path, right: Path) -> bool:
    if left.resolve() == right.resolve():
        return True
    return left.stat().st_size == right.stat().st_size and left.read_bytes() == right.read_bytes()
