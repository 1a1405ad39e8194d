"""Options and help texts several ``relup`` commands share.

Kept apart from :mod:`relup.cli` so that each command's module (``cli_*.py``)
imports them at the top, without reaching back into the module that imports
it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily at run time: plan's imports cost start-up time
    from relup.reading import PlanRequest

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  the plan, translation or check failed (systools would refuse)
  2  usage error, or an existing file relup must not replace (use --force)
  3  an input is missing, unreadable or malformed
"""

RELEASE_FORMS_HELP = """\
OLD and NEW may each be: a release root holding one version (ROOT), one version
of a root holding several (ROOT@VSN, tried only when no such path exists), a
release tarball (.tar.gz), or a path to a .rel file.
"""


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``-p/--lib-path`` and ``--traceback``, which every reading command takes."""
    parser.add_argument(
        "-p",
        "--lib-path",
        action="append",
        default=[],
        metavar="DIR",
        help="also search DIR for applications (a lib dir, an app dir or an ebin dir; "
        "'*' wildcards allowed), before the local Erlang installation; repeatable",
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show a Python traceback on errors"
    )


def add_planning_options(parser: argparse.ArgumentParser) -> None:
    """OLD, NEW and the options that shape a plan (plan, check, graph, package, rehearse)."""
    parser.add_argument("old", metavar="OLD", help="the release to upgrade from")
    parser.add_argument("new", metavar="NEW", help="the release to upgrade to")
    parser.add_argument(
        "--root",
        metavar="DIR",
        type=Path,
        help="where to look for bare versions (default: _build/*/rel/* of the current directory)",
    )
    parser.add_argument(
        "--overrides",
        metavar="FILE",
        type=Path,
        help="per-module overrides (default: relup.yaml in the current directory, if any)",
    )
    parser.add_argument(
        "--fallback",
        choices=("fail", "restart"),
        default="fail",
        help="what to do with an application that cannot be upgraded hot: fail (exit 1, "
        "the default) or restart it (restart_application)",
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="generate appups even where NEW holds hand-written ones",
    )
    add_common_options(parser)


def plan_request(arguments: argparse.Namespace, regenerate: bool) -> PlanRequest:
    """The :class:`PlanRequest` the parsed planning options ask for."""
    from relup.project import resolve_release_argument
    from relup.reading import PlanRequest

    return PlanRequest(
        old=resolve_release_argument(arguments.old, arguments.root),
        new=resolve_release_argument(arguments.new, arguments.root),
        lib_paths=arguments.lib_path,
        fallback=arguments.fallback,
        regenerate=regenerate,
        overrides=arguments.overrides,
    )
