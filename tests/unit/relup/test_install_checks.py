"""The pure parts of ``relup install``: reading the node's answers and the pre-flight rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffing.errors import UsageError
from diffing.term_reader import parse_first_term
from diffing.terms import Atom
from relup.cli_install import format_steps
from relup.install import (
    InstallRequest,
    StepResult,
    check_package_argument,
    child_problem,
    version_problem,
)
from relup.node_control import NodeError
from relup.node_state import (
    LoadedModule,
    NodeReleases,
    ReleaseEntry,
    child_states_query,
    parse_child_states,
    parse_loaded_modules,
    parse_node_releases,
)
from relup.relup_script import ChildExpectation
from unit.relup.erl_eval import evaluate_in_erl

# What RELEASES_QUERY answers on a node that was upgraded to 1.1.0 (status current).
ANSWER = """
#{handler => true, releases_dir => "/srv/shop/releases", root => "/srv/shop",
  releases => [{"1.1.0", current, ["kernel-8.5.3", "shop-1.1.0"]},
               {"1.0.0", permanent, ["kernel-8.5.3", "shop-1.0.0"]}]}.
"""


def _releases(*entries: tuple[str, str]) -> NodeReleases:
    rows = tuple(ReleaseEntry(vsn, status, ()) for vsn, status in entries)
    return NodeReleases(Path("/srv/shop"), Path("/srv/shop/releases"), True, rows)


def test_the_releases_answer_becomes_a_value() -> None:
    releases = parse_node_releases(parse_first_term(ANSWER))
    assert releases.root == Path("/srv/shop")
    assert releases.releases_dir == Path("/srv/shop/releases")
    assert releases.handler_running
    assert releases.entries == (
        ReleaseEntry("1.1.0", "current", ("kernel-8.5.3", "shop-1.1.0")),
        ReleaseEntry("1.0.0", "permanent", ("kernel-8.5.3", "shop-1.0.0")),
    )
    assert releases.describe() == "1.1.0 (current), 1.0.0 (permanent)"


def test_an_unexpected_answer_is_a_node_error_quoting_it() -> None:
    with pytest.raises(
        NodeError, match=r"the node answered #\{root => \"/x\"\}, expected a map with"
    ):
        parse_node_releases(parse_first_term('#{root => "/x"}.'))
    with pytest.raises(NodeError, match="expected a release"):
        parse_node_releases(
            parse_first_term('#{handler => true, releases_dir => "", root => "", releases => [x]}.')
        )


@pytest.mark.parametrize(
    ("entries", "running"),
    [
        ((("1.1.0", "current"), ("1.0.0", "permanent")), "1.1.0"),
        ((("1.0.0", "old"), ("1.1.0", "permanent")), "1.1.0"),
        ((("1.2.0", "unpacked"), ("1.1.0", "permanent")), "1.1.0"),
        ((("1.2.0", "unpacked"),), None),
    ],
)
def test_the_running_release_is_the_current_one_else_the_permanent_one(
    entries: tuple[tuple[str, str], ...], running: str | None
) -> None:
    found = _releases(*entries).running
    assert (found.vsn if found else None) == running


@pytest.mark.parametrize(
    ("entries", "running", "target", "expected_from", "problem"),
    [
        ((("1.0.0", "permanent"),), "1.0.0", "1.1.0", None, None),
        ((("1.0.0", "permanent"),), "1.0.0", "1.1.0", "1.0.0", None),
        ((("1.1.0", "permanent"), ("1.0.0", "old")), "1.1.0", "1.0.0", None, None),
        ((("1.0.0", "permanent"),), "1.0.0", "1.0.0", None, "1.0.0 is already running"),
        (
            (("1.0.0", "permanent"),),
            "1.0.0",
            "1.1.0",
            "0.9.0",
            "the node runs 1.0.0, not 0.9.0 (--from)",
        ),
        (
            (("1.1.0", "current"), ("1.0.0", "permanent")),
            "1.1.0",
            "1.2.0",
            None,
            "1.1.0 is installed but not permanent (1.0.0 is)",
        ),
        # Back to the permanent release from an installation left unfinished.
        ((("1.1.0", "current"), ("1.0.0", "permanent")), "1.1.0", "1.0.0", None, None),
    ],
)
def test_version_rules(
    entries: tuple[tuple[str, str], ...],
    running: str,
    target: str,
    expected_from: str | None,
    problem: str | None,
) -> None:
    found = version_problem(_releases(*entries), running, target, expected_from)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)


def test_loaded_modules_keep_paths_only_for_files() -> None:
    answer = parse_first_term(
        '[{shop_cart, "/srv/shop/lib/shop-1.0.0/ebin/shop_cart.beam", "00ff"},'
        ' {erlang, preloaded, "aa"}, {mystery, non_existing, none}].'
    )
    assert parse_loaded_modules(answer) == (
        LoadedModule("shop_cart", "/srv/shop/lib/shop-1.0.0/ebin/shop_cart.beam", "00ff"),
        LoadedModule("erlang", None, "aa"),
        LoadedModule("mystery", None, None),
    )


def test_child_states_answer_and_problems() -> None:
    expectations = [
        ChildExpectation("shop_sup", Atom("shop_cart"), "running"),
        ChildExpectation("shop_sup", Atom("shop_audit"), "running"),
        ChildExpectation("shop_sup", Atom("shop_audit"), "absent"),
        ChildExpectation("gone_sup", Atom("x"), "absent"),
        ChildExpectation("Elixir.Sup", (Atom("Elixir.Ticker"), 0), "running", elixir_spec=True),
        ChildExpectation("Elixir.Sup", Atom("Elixir.Other"), "running", elixir_spec=True),
    ]
    answer = parse_first_term(
        "[{shop_cart, running}, {shop_audit, stopped}, {shop_audit, stopped}, {x, not_running},"
        " {'Elixir.Ticker', absent}, {unresolved, absent}]."
    )
    states = parse_child_states(answer, len(expectations))
    problems = [
        child_problem(expected, *state)
        for expected, state in zip(expectations, states, strict=True)
    ]
    assert problems == [
        None,
        "expected shop_sup's child shop_audit running, but it is stopped",
        "expected shop_sup's child shop_audit absent, but it is stopped",
        "expected gone_sup's child x absent, but gone_sup is not running",
        "expected Elixir.Sup's child from spec {'Elixir.Ticker',0} running, "
        "but it is absent (id 'Elixir.Ticker')",
        "expected Elixir.Sup's child from spec 'Elixir.Other' running, "
        "but its child spec cannot be resolved",
    ]
    with pytest.raises(NodeError, match="expected 6 children"):
        parse_child_states(parse_first_term("[]."), 6)


@pytest.mark.erlang
def test_the_child_states_query_on_a_real_vm() -> None:
    expectations = [
        ChildExpectation("sasl_sup", Atom("release_handler"), "running"),
        ChildExpectation("sasl_sup", Atom("no_such_child"), "absent"),
        ChildExpectation("no_such_sup", Atom("x"), "absent"),
        ChildExpectation("sasl_sup", (Atom("Elixir.Ticker"), 0), "running", elixir_spec=True),
    ]
    answer = evaluate_in_erl(
        child_states_query(expectations), "{ok, _} = application:ensure_all_started(sasl)"
    )
    assert parse_child_states(answer, 4) == (
        (Atom("release_handler"), "running"),
        (Atom("no_such_child"), "absent"),
        (Atom("x"), "not_running"),
        (Atom("unresolved"), "absent"),  # no Elixir in a plain erl
    )


def test_a_package_argument_must_exist_and_not_replace_another_file(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    (root / "releases").mkdir(parents=True)
    package = tmp_path / "shop-1.1.0.tar.gz"
    request = InstallRequest(root, "1.1.0", package=package)
    with pytest.raises(UsageError, match="no such package file"):
        check_package_argument(request, "shop")
    package.write_bytes(b"package")
    check_package_argument(request, "shop")
    (root / "releases" / "shop-1.1.0.tar.gz").write_bytes(b"package")
    check_package_argument(request, "shop")  # the same bytes: nothing replaced
    (root / "releases" / "shop-1.1.0.tar.gz").write_bytes(b"another")
    with pytest.raises(UsageError, match=r"releases/shop-1.1.0.tar.gz exists and differs"):
        check_package_argument(request, "shop")


def test_the_step_table_lines_up_and_indents_findings() -> None:
    table = format_steps(
        (
            StepResult("node", "passed", "runs from /srv/shop"),
            StepResult("drift", "failed", "1 of 3 differ", ("shop_cart: differs",)),
        )
    )
    assert table == (
        "STEP   RESULT   DETAIL\n"
        "node   passed   runs from /srv/shop\n"
        "drift  failed   1 of 3 differ\n"
        "                  shop_cart: differs\n"
    )
