"""``relup package OLD NEW -o FILE.tar.gz``: the command line of :mod:`relup.packaging`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relup.cli_options import (
    EXIT_CODES_HELP,
    RELEASE_FORMS_HELP,
    add_planning_options,
    plan_request,
)
from relup.errors import EXIT_OK

DESCRIPTION = """\
Plan the upgrade from OLD to NEW (as relup plan does: hand-written appups in NEW
win, the others are generated) and write the upgrade package that
release_handler:unpack_release and relx's `bin/NAME upgrade VSN` install:
releases/NAME-VSN.rel, NEW's releases/VSN/ with the plan's relup, lib/APP-VSN/
of NEW's applications with the generated appups in their ebin, bin/NAME-VSN
when NEW has one, and erts-VSN/ when the ERTS version changed and NEW bundles
it. OLD and NEW are only read. The tarball is deterministic: two runs on the
same inputs give the same bytes.

Install it by copying it into the running release's releases/ directory as
NAME-VSN.tar.gz, then `bin/NAME upgrade VSN`.
"""


def add_package_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``relup package`` on the ``relup`` command's subparsers."""
    # relup.cli imports this module; its helpers are fetched once it is loaded.

    parser = commands.add_parser(
        "package",
        help="write the upgrade package (.tar.gz) that bin/NAME upgrade installs",
        description=DESCRIPTION,
        epilog=RELEASE_FORMS_HELP + "NEW must be a built release directory (ROOT or ROOT@VSN), "
        "or a bare version\ninside a rebar3 or mix project.\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="FILE",
        help="the package to write (NAME-VSN.tar.gz is what bin/NAME upgrade looks for); "
        "an existing directory receives NAME-VSN.tar.gz",
    )
    parser.add_argument(
        "--only-changed",
        action="store_true",
        help="pack only the applications OLD lacks in the same version (the running "
        "release already has the others)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an output file relup did not write"
    )
    add_planning_options(parser)
    parser.set_defaults(handler=_run_package)


def _run_package(arguments: argparse.Namespace) -> int:
    from relup.packaging import PackageRequest, build_package

    request = PackageRequest(
        plan_request(arguments, arguments.regenerate), only_changed=arguments.only_changed
    )
    summary = build_package(request, arguments.output, arguments.force)
    for warning in summary.plan.warnings:
        where = "" if warning.application is None else f" ({warning.application})"
        print(f"relup: warning: {warning.code}{where}: {warning.message}", file=sys.stderr)
    for note in summary.warnings:
        print(f"relup: warning: {note}", file=sys.stderr)
    erts = "with" if summary.erts_included else "without"
    print(
        f"relup: wrote {summary.output} ({summary.release_name} {summary.vsn}, "
        f"{len(summary.members)} members, {erts} ERTS)",
        file=sys.stderr,
    )
    return EXIT_OK
