"""``relup prepare ROOT``: the command line of :mod:`relup.prepare`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relup.errors import EXIT_OK

PREPARE_EPILOG = """\
Run it once on a freshly built release, before its first boot (a mix release
step can do it; see docs/elixir.md). It writes releases/RELEASES, which
release_handler reads when it starts and mix does not write. Running it again,
or on a relx release, changes nothing.

exit codes:
  0  written, or nothing to do
  3  ROOT is not a release root, or cannot be made upgradable (the message says why)
"""


def add_prepare_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "prepare",
        help="make a freshly built release (mix release) upgradable before its first boot",
        description="Write ROOT/releases/RELEASES for the release ROOT boots, as "
        "release_handler:create_RELEASES does, after checking that the release can "
        "install upgrades (sasl started, ERTS and every application in the tree).",
        epilog=PREPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("root", metavar="ROOT", type=Path, help="the release root")
    parser.add_argument(
        "--traceback", action="store_true", help="show a Python traceback on errors"
    )
    parser.set_defaults(handler=_run_prepare)


def _run_prepare(arguments: argparse.Namespace) -> int:
    from relup.prepare import prepare_release

    result = prepare_release(arguments.root)
    release = f"{result.release_name} {result.vsn}"
    if result.written is None:
        print(
            f"relup: nothing to do: {arguments.root}/releases/RELEASES already lists {release}",
            file=sys.stderr,
        )
    else:
        print(f"relup: wrote {result.written} ({release} permanent)", file=sys.stderr)
    return EXIT_OK
