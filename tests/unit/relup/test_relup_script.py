"""``relup.relup_script``: which script release_handler runs, and what its apply steps promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffing.errors import InputError
from diffing.term_reader import parse_terms
from diffing.terms import Atom, Term
from relup.relup_script import (
    ApplicationExpectation,
    ChildExpectation,
    script_facts,
    select_script,
)

RELUP_1_1_0 = """
{"1.1.0",
 [{"1.0.0", [up_descr],
   [{load_object_code,{shop,"1.1.0",[shop_cart,shop_sup]}},
    point_of_no_return,
    {load,{shop_cart,brutal_purge,brutal_purge}},
    {suspend,[shop_cart]},
    {code_change,up,[{shop_cart,[]}]},
    {resume,[shop_cart]},
    {apply,{application,start,[audit_log,permanent]}},
    {apply,{supervisor,restart_child,[shop_sup,shop_audit]}},
    {remove,{shop_legacy,brutal_purge,brutal_purge}},
    {purge,[shop_legacy]},
    {apply,{application,stop,[old_metrics]}}]},
  {"0.9.0", [], [point_of_no_return]}],
 [{"1.0.0", [down_descr],
   [point_of_no_return,
    {apply,{supervisor,terminate_child,[shop_sup,shop_audit]}},
    {apply,{supervisor,delete_child,[shop_sup,shop_audit]}},
    {apply,{application,stop,[audit_log]}},
    {apply,{application,unload,[audit_log]}}]}]}.
"""


def _instructions(text: str) -> tuple[Term, ...]:
    return parse_terms(text)


@pytest.fixture()
def releases(tmp_path: Path) -> Path:
    (tmp_path / "1.1.0").mkdir()
    (tmp_path / "1.1.0" / "relup").write_text(RELUP_1_1_0)
    (tmp_path / "1.0.0").mkdir()
    return tmp_path


def test_an_upgrade_takes_the_up_entry_of_the_target_relup(releases: Path) -> None:
    script = select_script(releases, "1.0.0", "1.1.0")
    assert script is not None
    assert (script.direction, script.from_vsn, script.to_vsn) == ("upgrade", "1.0.0", "1.1.0")
    assert script.relup_file == releases / "1.1.0" / "relup"
    assert script.description == parse_terms("[up_descr].")[0]
    assert len(script.instructions) == 11


def test_a_downgrade_takes_the_down_entry_of_the_running_relup(releases: Path) -> None:
    script = select_script(releases, "1.1.0", "1.0.0")
    assert script is not None
    assert (script.direction, script.from_vsn, script.to_vsn) == ("downgrade", "1.1.0", "1.0.0")
    assert script.relup_file == releases / "1.1.0" / "relup"
    assert len(script.instructions) == 5


def test_versions_match_exactly_and_missing_entries_give_none(releases: Path) -> None:
    assert select_script(releases, "1.0", "1.1.0") is None
    assert select_script(releases, "0.8.0", "1.1.0") is None
    assert select_script(releases, "1.0.0", "2.0.0") is None
    empty = select_script(releases, "0.9.0", "1.1.0")
    assert empty is not None and empty.instructions == (Atom("point_of_no_return"),)


def test_a_relup_for_another_version_is_an_input_error(releases: Path) -> None:
    (releases / "1.1.0" / "relup").write_text('{"9.9.9", [], []}.')
    with pytest.raises(InputError, match=r"1.1.0/relup: not a relup for 1.1.0"):
        select_script(releases, "1.0.0", "1.1.0")


def test_facts_of_an_upgrade_script(releases: Path) -> None:
    script = select_script(releases, "1.0.0", "1.1.0")
    assert script is not None
    facts = script_facts(script.instructions)
    assert facts.changed_modules == {"shop_cart", "shop_sup", "shop_legacy"}
    assert facts.touched_applications == {"audit_log", "old_metrics"}
    assert facts.touched_children == {("shop_sup", Atom("shop_audit"))}
    assert facts.expectations == (
        ChildExpectation("shop_sup", Atom("shop_audit"), "running"),
        ApplicationExpectation("audit_log", "started"),
        ApplicationExpectation("old_metrics", "stopped"),
    )


def test_the_last_call_on_a_child_decides_its_expected_state(releases: Path) -> None:
    script = select_script(releases, "1.1.0", "1.0.0")
    assert script is not None
    facts = script_facts(script.instructions)
    assert facts.expectations == (
        ChildExpectation("shop_sup", Atom("shop_audit"), "absent"),
        ApplicationExpectation("audit_log", "stopped"),
    )
    restarted = script_facts(
        _instructions(
            "{apply,{supervisor,terminate_child,[s,c]}}. {apply,{supervisor,restart_child,[s,c]}}. "
        )
    )
    assert restarted.expectations == (ChildExpectation("s", Atom("c"), "running"),)


def test_start_child_takes_the_id_of_a_map_or_tuple_spec() -> None:
    facts = script_facts(
        _instructions(
            "{apply,{supervisor,start_child,[sup,#{id => worker, start => {m,f,[]}}]}}. "
            "{apply,{supervisor,start_child,[sup,{other,{m,f,[]},permanent,5000,worker,[m]}]}}. "
            "{apply,{supervisor,start_child,[sup,[extra, args]]}}. "
            "{apply,{supervisor,restart_child,[{global,sup},x]}}. "
            "{apply,{supervisor,start_child,[sup,{not_elixir,0}]}}. "
        )
    )
    assert facts.expectations == (
        ChildExpectation("sup", Atom("worker"), "running"),
        ChildExpectation("sup", Atom("other"), "running"),
    )


def test_elixir_supervisor_calls_leave_the_id_of_a_shorthand_spec_to_the_node() -> None:
    facts = script_facts(
        _instructions(
            "{apply,{'Elixir.Supervisor',start_child,['Elixir.Sup',{'Elixir.Ticker',0}]}}. "
            "{apply,{'Elixir.Supervisor',start_child,['Elixir.Sup','Elixir.Plain']}}. "
            "{apply,{'Elixir.Supervisor',start_child,['Elixir.Sup',#{id => x, start => s}]}}. "
            "{apply,{'Elixir.Application',start,[extra]}}. "
        )
    )
    ticker = (Atom("Elixir.Ticker"), 0)
    assert facts.expectations == (
        ChildExpectation("Elixir.Sup", ticker, "running", elixir_spec=True),
        ChildExpectation("Elixir.Sup", Atom("Elixir.Plain"), "running", elixir_spec=True),
        ChildExpectation("Elixir.Sup", Atom("x"), "running"),
        ApplicationExpectation("extra", "started"),
    )
    # For the pid rule, the module stands for the id (use GenServer's default).
    assert facts.touched_children == {
        ("Elixir.Sup", Atom("Elixir.Ticker")),
        ("Elixir.Sup", Atom("Elixir.Plain")),
        ("Elixir.Sup", Atom("x")),
    }


def test_modules_named_by_every_low_level_instruction() -> None:
    facts = script_facts(
        _instructions(
            '{load_object_code,{app,"1",[a,b]}}. {load,{c,soft_purge,soft_purge}}. '
            "{remove,{d,brutal_purge,brutal_purge}}. {purge,[e]}. {suspend,[{f,5000}]}. "
            "{code_change,[{g,extra}]}. {resume,[h]}. {apply,{i,j,[]}}. restart_emulator."
        )
    )
    assert facts.changed_modules == {"a", "b", "c", "d", "e", "f", "g", "h"}
    assert facts.expectations == ()
