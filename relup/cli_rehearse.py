"""``relup rehearse OLD NEW``: the command line of :mod:`relup.rehearsal`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relup.cli_install import add_timeout_option, format_steps
from relup.cli_options import RELEASE_FORMS_HELP, add_planning_options, plan_request
from relup.errors import EXIT_FAILED, EXIT_OK

DESCRIPTION = """\
Rehearse the upgrade from OLD to NEW on a throwaway copy: copy OLD's release
root to a scratch directory, build NEW's upgrade package into it (as relup
package does), boot it alone (random node name and cookie, an epmd of its own
on a free port), install NEW as relup install does, check that the node runs
NEW and that every process whose modules the relup does not touch kept its pid,
downgrade back to OLD, check again, and stop the node. With --check MOD:FUN,
MOD:FUN() runs on the node before the upgrade, after it and after the
downgrade; it must return ok or true. Prints a table of the steps; exit 1 if
any failed. OLD and NEW are only read. Needs Erlang/OTP (erl).
"""

EXIT_HELP = """\
exit codes:
  0  every step passed
  1  a step failed (see the table), or the plan failed
  2  usage error
  3  an input is missing or malformed, or Erlang is missing
"""


def add_rehearse_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``relup rehearse`` on the ``relup`` command's subparsers."""

    parser = commands.add_parser(
        "rehearse",
        help="upgrade and downgrade a scratch copy of OLD to NEW on a private node, checked",
        description=DESCRIPTION,
        epilog=RELEASE_FORMS_HELP.rstrip() + " OLD must be a release root (ROOT, ROOT@VSN) "
        "or tarball that boots; NEW a release directory.\n\n" + EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        metavar="MOD:FUN",
        help="a function of arity 0 run on the node before and after each direction; it "
        "must return ok or true (an Elixir module may be named as MyApp.Check)",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="rehearse in DIR (new or empty) and leave it there, node log included",
    )
    parser.add_argument(
        "--only-changed",
        action="store_true",
        help="package only the applications OLD lacks in the same version",
    )
    add_timeout_option(parser)
    add_planning_options(parser)
    parser.set_defaults(handler=_run_rehearse)


def _run_rehearse(arguments: argparse.Namespace) -> int:
    from relup.packaging import PackageRequest
    from relup.rehearsal import RehearsalRequest, parse_user_check, rehearse

    check = None if arguments.check is None else parse_user_check(arguments.check)
    request = RehearsalRequest(
        package=PackageRequest(
            plan_request(arguments, arguments.regenerate), only_changed=arguments.only_changed
        ),
        check=check,
        timeout=arguments.timeout,
        keep=arguments.keep,
    )
    report = rehearse(request)
    print(
        f"relup rehearse: {report.release} {report.old_vsn} -> {report.new_vsn} -> {report.old_vsn}"
    )
    sys.stdout.write(format_steps(report.steps))
    if report.scratch is not None:
        print(f"relup: the rehearsal is kept in {report.scratch}", file=sys.stderr)
    failed = [step.name for step in report.steps if step.outcome == "failed"]
    if failed:
        print(f"relup: rehearsal failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"relup: rehearsal passed: {len(report.steps)} steps", file=sys.stderr)
    return EXIT_OK
