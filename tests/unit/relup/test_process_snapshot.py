"""``relup.process_snapshot``: the snapshot query on a real VM, and the pid rule."""

from __future__ import annotations

import pytest

from diffing.term_reader import parse_first_term
from diffing.terms import Atom
from relup.node_control import NodeError
from relup.process_snapshot import (
    SNAPSHOT_QUERY,
    PidChange,
    ProcessEntry,
    ProcessSnapshot,
    may_change,
    parse_snapshot,
    pid_changes,
)
from relup.relup_script import ScriptFacts
from unit.relup.erl_eval import evaluate_in_erl

SNAPSHOT = """
#{registered => [{shop_cart, "<0.90.0>", shop, [shop_cart]},
                 {shop_sup, "<0.88.0>", shop, [supervisor, shop_sup]},
                 {logger, "<0.10.0>", none, [logger_olp]}],
  supervised => [{shop, [], "<0.88.0>", [supervisor, shop_sup]},
                 {shop, ["shop_cart"], "<0.90.0>", [shop_cart]},
                 {shop, ["shop_audit"], "undefined", [shop_audit]},
                 {catalog, ["catalog_cache"], "<0.95.0>", [catalog_cache]}]}.
"""

NOTHING: ScriptFacts = ScriptFacts(frozenset(), frozenset(), frozenset(), ())


def _snapshot(text: str = SNAPSHOT) -> ProcessSnapshot:
    return parse_snapshot(parse_first_term(text))


def _with_pids(snapshot: ProcessSnapshot, **pids: str) -> ProcessSnapshot:
    def renamed(entry: ProcessEntry) -> ProcessEntry:
        pid = pids.get(entry.key.replace(" ", "_").replace("/", "").replace("__", "_"), entry.pid)
        return ProcessEntry(entry.key, pid, entry.application, entry.modules)

    return ProcessSnapshot(tuple(renamed(entry) for entry in snapshot.processes))


def test_the_snapshot_names_processes_stably() -> None:
    snapshot = _snapshot()
    assert [entry.key for entry in snapshot.processes] == [
        "registered shop_cart",
        "registered shop_sup",
        "registered logger",
        "shop top supervisor",
        "shop top supervisor / shop_cart",
        "shop top supervisor / shop_audit",
        "catalog top supervisor / catalog_cache",
    ]
    logger = snapshot.by_key()["registered logger"]
    assert (logger.application, logger.modules) == (None, frozenset({"logger_olp"}))
    assert snapshot.by_key()["registered shop_sup"].modules == {"supervisor", "shop_sup"}


def test_an_unchanged_snapshot_loses_no_pid() -> None:
    kept, changes = pid_changes(_snapshot(), _snapshot(), NOTHING)
    assert (kept, changes) == (6, ())  # the child without a process is not counted


def test_a_process_that_got_a_new_pid_or_vanished_is_reported() -> None:
    before = _snapshot()
    after = _snapshot(
        SNAPSHOT.replace('"<0.95.0>"', '"<0.400.0>"').replace(
            '{logger, "<0.10.0>", none, [logger_olp]}', '{other, "<0.11.0>", none, []}'
        )
    )
    kept, changes = pid_changes(before, after, NOTHING)
    assert kept == 6
    assert changes == (
        PidChange("registered logger", "<0.10.0>", None),
        PidChange("catalog top supervisor / catalog_cache", "<0.95.0>", "<0.400.0>"),
    )
    assert changes[0].describe() == "registered logger was <0.10.0> and is gone"
    assert changes[1].describe() == (
        "catalog top supervisor / catalog_cache was <0.95.0> and is now <0.400.0>"
    )


@pytest.mark.parametrize(
    ("facts", "excused"),
    [
        (
            ScriptFacts(frozenset({"shop_cart"}), frozenset(), frozenset(), ()),
            {"registered shop_cart", "shop top supervisor / shop_cart"},
        ),
        (
            ScriptFacts(frozenset(), frozenset({"catalog"}), frozenset(), ()),
            {"catalog top supervisor / catalog_cache"},
        ),
        (
            ScriptFacts(frozenset(), frozenset(), frozenset({("x_sup", Atom("shop_cart"))}), ()),
            {"shop top supervisor / shop_cart"},
        ),
        (
            ScriptFacts(frozenset({"shop_sup"}), frozenset(), frozenset(), ()),
            {"registered shop_sup", "shop top supervisor"},
        ),
    ],
)
def test_what_the_script_touches_may_change(facts: ScriptFacts, excused: set[str]) -> None:
    snapshot = _snapshot()
    assert {entry.key for entry in snapshot.processes if may_change(entry, facts)} == excused
    after = ProcessSnapshot(
        tuple(
            ProcessEntry(entry.key, "<9.9.9>", entry.application, entry.modules)
            for entry in snapshot.processes
        )
    )
    kept, changes = pid_changes(snapshot, after, facts)
    assert kept == 6 - len(excused)
    assert {change.key for change in changes} == {
        entry.key
        for entry in snapshot.processes
        if entry.pid.startswith("<") and entry.key not in excused
    }


def test_a_malformed_snapshot_is_a_node_error() -> None:
    with pytest.raises(NodeError, match="not a map"):
        parse_snapshot(parse_first_term("[]."))
    with pytest.raises(NodeError, match="unexpected registered process"):
        parse_snapshot(parse_first_term("#{registered => [x], supervised => []}."))


@pytest.mark.erlang
def test_the_query_runs_on_a_real_vm_with_sasl_started() -> None:
    term = evaluate_in_erl(SNAPSHOT_QUERY, "{ok, _} = application:ensure_all_started(sasl)")
    snapshot = parse_snapshot(term)
    entries = snapshot.by_key()
    assert entries["registered kernel_sup"].modules == {"supervisor", "kernel"}
    assert entries["registered kernel_sup"].application == "kernel"
    assert entries["sasl top supervisor"].pid == entries["registered sasl_sup"].pid
    assert entries["sasl top supervisor / release_handler"].pid.startswith("<0.")
    assert "release_handler" in entries["sasl top supervisor / release_handler"].modules
    # Taken twice on a quiet VM, nothing moves.
    assert pid_changes(snapshot, snapshot, NOTHING)[1] == ()
