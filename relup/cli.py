"""The ``relup`` command line: parse arguments, call :mod:`relup.api`, report.

Only this module prints or decides the exit status.  Exit codes, for every
command: 0 success; 1 the plan, translation or check failed (systools would
refuse); 2 usage error (including an existing file relup must not replace);
3 an input is missing, unreadable or malformed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import NoReturn

from diffing.collection import cyclic_collection_paused
from relup import __version__
from relup.cli_graph import add_graph_command
from relup.cli_install import add_install_command
from relup.cli_options import (
    EXIT_CODES_HELP,
    RELEASE_FORMS_HELP,
    add_common_options,
    add_planning_options,
    plan_request,
)
from relup.cli_package import add_package_command
from relup.cli_prepare import add_prepare_command
from relup.cli_rehearse import add_rehearse_command
from relup.errors import EXIT_FAILED, EXIT_OK, RelupError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relup",
        description="Safe, reviewable hot code upgrades for Erlang/OTP and Elixir releases.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"relup {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_relup_command(commands)
    _add_plan_command(commands)
    _add_check_command(commands)
    add_package_command(commands)
    add_graph_command(commands)
    add_install_command(commands)
    add_rehearse_command(commands)
    add_prepare_command(commands)
    return parser


def _add_relup_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "relup",
        help="translate the appups present in NEW into a relup, as systools:make_relup does",
        description="Read the .appup files present in NEW (as systools does) and write the "
        "relup upgrading from OLD (and each --also-from) and downgrading back to them.",
        epilog=RELEASE_FORMS_HELP + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", help="the release to upgrade from")
    parser.add_argument("new", metavar="NEW", help="the release to upgrade to")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the relup ('-' for standard output); default NEW/releases/VSN/relup",
    )
    parser.add_argument(
        "--also-from",
        action="append",
        default=[],
        metavar="OLD2",
        help="another release to upgrade from and downgrade to; repeatable, order kept",
    )
    parser.add_argument(
        "--restart-emulator",
        action="store_true",
        help="end every script with restart_emulator (systools' restart_emulator option)",
    )
    parser.add_argument(
        "--warnings-as-errors", action="store_true", help="fail (exit 1) when systools would warn"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the output file even if relup did not write it",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print no warnings, no progress bar and no 'wrote' line",
    )
    add_common_options(parser)
    parser.set_defaults(handler=_run_relup)


def _run_relup(arguments: argparse.Namespace) -> int:
    from relup.api import default_relup_path, make_relup
    from relup.files import check_replaceable, write_generated_file
    from relup.progress import progress_bar
    from render.relup_file import render_relup
    from upgrade.relup_builder import RelupOptions

    to_stdout = arguments.output == "-"
    output = None if to_stdout or arguments.output is None else Path(arguments.output)
    if output is not None:
        check_replaceable(output, arguments.force)
    with progress_bar(sys.stderr, arguments.quiet) as progress:
        new, relup = make_relup(
            arguments.new,
            arguments.old,
            also_from=arguments.also_from,
            lib_paths=arguments.lib_path,
            options=RelupOptions(restart_emulator=arguments.restart_emulator),
            warnings_as_errors=arguments.warnings_as_errors,
            progress=progress,
        )
        text = render_relup(relup, __version__)
    if not arguments.quiet:
        for warning in relup.warnings:
            print(f"relup: warning: {warning.message}", file=sys.stderr)
    if to_stdout:
        sys.stdout.write(text)
        return EXIT_OK
    target = output if output is not None else default_relup_path(arguments.new, new)
    write_generated_file(target, text, force=arguments.force)
    if not arguments.quiet:
        print(f"relup: wrote {target}", file=sys.stderr)
    return EXIT_OK


def _add_plan_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plan",
        help="diff two releases and plan the upgrade and downgrade, with reasons",
        description="Diff OLD and NEW (beams, .app files, sys.config, priv/), generate the "
        "appups of every upgraded application (hand-written ones in NEW win), translate them "
        "into a relup, and explain every instruction.",
        epilog=RELEASE_FORMS_HELP.rstrip() + " Also a bare version (1.0.0) inside a rebar3 or "
        "mix project.\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "yaml"),
        default="text",
        help="how to print the plan (default: text)",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the generated appups into NEW's lib/APP-VSN/ebin/ and the relup into "
        "NEW/releases/VSN/relup (hand-written files are never replaced)",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="also write a self-contained HTML review page to FILE: summary, warnings, "
        "steps up and down with reasons, diagrams (needs graphviz's dot)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --write or --html, replace files relup did not write",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar (drawn on a terminal for long runs) and no 'wrote' lines",
    )
    add_planning_options(parser)
    parser.set_defaults(handler=_run_plan)


def _add_check_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="check the appups in NEW against the diff (exit 1 when they fall short)",
        description="Check that the appups in NEW cover the diff between OLD and NEW: "
        "changed modules covered, no instructions for unchanged modules, DepMods inside the "
        "script, versions matched, supervisor children started and stopped.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_planning_options(parser)
    parser.set_defaults(handler=_run_check)


def _run_plan(arguments: argparse.Namespace) -> int:
    from relup.files import check_replaceable
    from relup.progress import progress_bar
    from relup.reading import read_release_pair

    if arguments.html is not None:
        check_replaceable(arguments.html, arguments.force)
    request = plan_request(arguments, arguments.regenerate)
    # JSON alone: the relup is translated while the rest of the plan is written.
    json_alone = arguments.format == "json" and not arguments.write and arguments.html is None
    with progress_bar(sys.stderr, arguments.quiet) as progress:  # erased before output
        codes = read_release_pair(request, progress, meanwhile=_import_planning)
        from relup.planning import plan_before_translation, plan_release_upgrade

        if json_alone:
            plan, translate = plan_before_translation(request, progress, codes)
        else:
            plan, translate = plan_release_upgrade(request, progress, codes), None
    from relup.planning import plan_files, write_files
    from render.plan_data import render_plan_json, render_plan_yaml
    from render.plan_text import render_plan_text

    _KEPT_TO_EXIT[:] = [codes, plan]  # freed by the exit, not one object at a time (see run)
    if json_alone:
        sys.stdout.write(render_plan_json(plan, translate))
        return EXIT_OK
    files = plan_files(plan, arguments.force) if arguments.write else []
    if arguments.html is not None:
        # Built before anything is printed or written: without dot, nothing is.
        from relup.review_page import render_review_page

        files.append((arguments.html, render_review_page(plan, __version__)))
    renderers = {"text": render_plan_text, "json": render_plan_json, "yaml": render_plan_yaml}
    sys.stdout.write(renderers[arguments.format](plan))
    write_files(files, arguments.force)
    if not arguments.quiet:
        for path, _ in files:
            print(f"relup: wrote {path}", file=sys.stderr)
    return EXIT_OK


def _import_planning() -> None:
    """Import the planner and the plan's writers: run while the workers read the beams,
    it costs nothing there (0.1 s before they start, at 20,000 modules)."""
    for module in ("relup.planning", "render.plan_data", "render.plan_text"):
        importlib.import_module(module)


def _run_check(arguments: argparse.Namespace) -> int:
    from relup.planning import check_release_appups

    request = plan_request(arguments, regenerate=False)
    findings = check_release_appups(request)
    for finding in findings:
        print(finding, file=sys.stdout)
    problems = [finding for finding in findings if finding.severity == "problem"]
    if problems:
        print(f"relup: {len(problems)} problem(s) with the appups in NEW", file=sys.stderr)
        return EXIT_FAILED
    print("relup: the appups in NEW cover the diff", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        # A plan's objects live to the end and form no cycles (diffing.collection);
        # forked workers inherit the pause.
        with cyclic_collection_paused():
            status: int = arguments.handler(arguments)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (relup plan | head): not an error; keep Python's
        # final flush from complaining about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except RelupError as error:
        if arguments.traceback:
            traceback.print_exc()
        print(f"relup: error: {error}", file=sys.stderr)
        return error.exit_code
    return status


# What a command made, kept until the process ends: see run().  Replaced by
# each command, so that calling main() again (tests do) keeps one command's.
_KEPT_TO_EXIT: list[object] = []


def run() -> NoReturn:
    """The ``relup`` command: :func:`main`, then an exit that skips tearing the interpreter down.

    A big plan leaves millions of objects alive to the end; freeing them one
    by one, when the command's function returns and again at exit, took 0.08 s
    of a 20,000-module plan's 1.8 s, so the command leaves them in
    ``_KEPT_TO_EXIT``.  By now every file is written and closed, every child
    process reaped; only the standard streams are flushed.
    """
    gc.disable()  # for good, not only during main(): collecting now would scan what is kept
    status = main()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a reader that went away: main() said what it had to
            stream.flush()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
