"""``relup graph OLD NEW -o FILE``: the plan's diagrams as DOT, SVG, PNG or PDF.

The format comes from FILE's extension (``.dot``/``.gv``, ``.svg``, ``.png``,
``.pdf``); ``-o -`` prints DOT.  DOT needs nothing but relup; the image
formats run graphviz's ``dot``, whose absence is reported before any release
is read.  The planning options are ``relup plan``'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relup.cli_options import add_planning_options, plan_request

EPILOG = """\
views:
  tree      the supervision tree of NEW, marked with what the upgrade does to each process
  order     the modules loaded and deleted, numbered in relup order, with DepMods and cycles
  timeline  the relup's steps, the point of no return and the suspend windows
  all       the three side by side in one graph (the default)

exit codes:
  0  success
  1  the plan failed (systools would refuse); try --fallback restart
  2  usage error: unknown extension, or an existing file relup must not replace (use --force)
  3  an input is missing, unreadable or malformed, or graphviz's dot is missing or failed
"""


def add_graph_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:

    parser = commands.add_parser(
        "graph",
        help="draw the plan: supervision tree, load order and timeline (DOT, SVG, PNG, PDF)",
        description="Plan the upgrade from OLD to NEW as 'relup plan' does and draw it for "
        "review. FILE's extension picks the format: .dot or .gv (DOT text, no graphviz "
        "needed), .svg, .png or .pdf (rendered by graphviz's dot); '-' prints DOT.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="where to write ('-': DOT on stdout)"
    )
    parser.add_argument(
        "--view",
        choices=("tree", "order", "timeline", "all"),
        default="all",
        help="which diagram (default: all three in one graph)",
    )
    parser.add_argument(
        "--direction",
        choices=("up", "down"),
        default="up",
        help="draw the upgrade (up, the default) or the downgrade (down)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace FILE even if relup did not write it"
    )
    add_planning_options(parser)
    parser.set_defaults(handler=run_graph)


def run_graph(arguments: argparse.Namespace) -> int:
    from relup import __version__
    from relup.errors import EXIT_OK
    from relup.files import write_file_bytes
    from relup.graph_output import (
        check_graph_replaceable,
        find_dot,
        graph_file_bytes,
        graph_format,
        marked_source,
    )
    from relup.planning import plan_release_upgrade
    from render.plan_graphs import view_graph

    to_stdout = arguments.output == "-"
    output = Path(arguments.output)
    output_format = "dot" if to_stdout else graph_format(output)
    if not to_stdout:
        check_graph_replaceable(output, output_format, arguments.force)
    if output_format != "dot":
        find_dot(output_format)  # before the releases are read: fail fast
    plan = plan_release_upgrade(plan_request(arguments, arguments.regenerate))
    source = marked_source(view_graph(plan, arguments.view, arguments.direction), __version__)
    if to_stdout:
        sys.stdout.write(source)
        return EXIT_OK
    write_file_bytes(output, graph_file_bytes(source, output_format, __version__))
    print(f"relup: wrote {output}", file=sys.stderr)
    return EXIT_OK
