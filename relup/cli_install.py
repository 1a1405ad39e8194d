"""``relup install ROOT VSN``: the command line of :mod:`relup.install`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from relup.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:  # imported lazily at run time
    from relup.install import StepResult

DESCRIPTION = """\
Upgrade (or downgrade) the release running from ROOT to VSN, through the
release's own bin/NAME (relx: eval; mix: rpc), as its configured node name and
cookie allow. Checks first: the node runs from ROOT with sasl's release_handler,
it runs the expected version, its loaded modules are the beams on disk (drift),
and release_handler:check_install_release passes. Then it unpacks VSN if the
node does not know it yet (releases/NAME-VSN.tar.gz, or --package FILE copied
there), installs it, verifies that every supervisor child and application the
relup's apply steps start, stop or delete is so (OTP ignores what those steps
return), then makes it permanent (relx: bin/NAME-VSN is copied over bin/NAME)
and verifies that the node runs VSN, permanent. A failed check leaves VSN
installed but not permanent: a restart boots the permanent release, and
installing that release goes back now. Downgrade: name an older VSN the node
still knows (status old). Every step is printed; exit 1 at the first that fails.
"""

EXIT_HELP = """\
exit codes:
  0  installed and verified
  1  a step failed (printed), or the node cannot be reached
  2  usage error
  3  ROOT is not a release root, or Erlang is missing
"""


def add_install_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``relup install`` on the ``relup`` command's subparsers."""
    parser = commands.add_parser(
        "install",
        help="upgrade or downgrade a running release in place, with checks before and after",
        description=DESCRIPTION,
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("root", metavar="ROOT", type=Path, help="the running release's root")
    parser.add_argument("vsn", metavar="VSN", help="the version to install")
    parser.add_argument(
        "--package",
        metavar="FILE",
        type=Path,
        help="the upgrade package (relup package); copied to releases/NAME-VSN.tar.gz",
    )
    parser.add_argument(
        "--from",
        dest="expected_from",
        metavar="VSN",
        help="fail unless the node runs this version",
    )
    parser.add_argument(
        "--allow-drift",
        action="store_true",
        help="install even if loaded modules differ from the beams on disk (listed as a warning)",
    )
    add_timeout_option(parser)
    parser.add_argument(
        "--traceback", action="store_true", help="show a Python traceback on errors"
    )
    parser.set_defaults(handler=_run_install)


def add_timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long one call on the node may take (default 120)",
    )


def _run_install(arguments: argparse.Namespace) -> int:
    from relup.install import InstallRequest, check_package_argument, install_release
    from relup.node_control import NodeControl, find_release_script

    release = find_release_script(arguments.root)
    request = InstallRequest(
        root=arguments.root,
        vsn=arguments.vsn,
        package=arguments.package,
        allow_drift=arguments.allow_drift,
        expected_from=arguments.expected_from,
    )
    check_package_argument(request, release.name)
    report = install_release(request, NodeControl(release, timeout=arguments.timeout))
    direction = f" ({report.direction})" if report.direction else ""
    print(f"relup install: {report.release} {report.from_vsn or '?'} -> {report.to_vsn}{direction}")
    sys.stdout.write(format_steps(report.steps))
    if not report.succeeded:
        failed = next(step.name for step in report.steps if step.outcome == "failed")
        print(f"relup: install of {report.to_vsn} failed at {failed}", file=sys.stderr)
        return EXIT_FAILED
    print(f"relup: {report.release} {report.to_vsn} installed and verified", file=sys.stderr)
    return EXIT_OK


def format_steps(steps: Sequence[StepResult]) -> str:
    """A table: step, result, detail; a step's findings indented under its detail."""
    width = max((len(step.name) for step in steps), default=4)
    rows = [f"{'STEP':<{width}}  RESULT   DETAIL"]
    for step in steps:
        rows.append(f"{step.name:<{width}}  {step.outcome:<7}  {step.detail}")
        rows += [f"{'':<{width}}             {line}" for line in step.lines]
    return "\n".join(rows) + "\n"
