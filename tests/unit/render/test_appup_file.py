"""The appup file: relup's marker, the coding line, and one term with a comment per reason."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from diffing.term_reader import parse_first_term
from diffing.term_writer import format_consult_file, format_term
from diffing.terms import Atom, ErlList, erl_list
from property.term_strategies import exact
from render.appup_file import appup_term, render_appup, short_term
from render.relup_file import marker_line
from unit.render.plan_samples import (
    APP_PLANS,
    HIGH_LEVEL_INSTRUCTIONS,
    REASON_TEXTS,
    SHOP_PLAN_APP,
    assert_golden,
)
from upgrade import instructions as ins
from upgrade.plan import AppPlan, PlannedInstruction, Reason
from upgrade.syntax import check_syntax, expand_script

VERSION = "0.1.0"

# Reasons that would break a naive comment: a newline, a term-ending ". ",
# quotes, a fake coding line, Unicode, control characters.
AWKWARD_PLAN = AppPlan(
    name="shop",
    old_vsn="1.0.0",
    new_vsn="1.1.0\nbeta",
    up=(
        PlannedInstruction(
            ins.Update("Elixir.Shop.Cart", extra=erl_list(Atom("é"), b"\xe2\x82\xac")),
            Reason(
                "changed-process-module", "line one\nline two. {oops}.\r\n% '\"\x00 coding: latin-1"
            ),
            ("shop_sup/'Elixir.Shop.Cart'", "prix €"),
        ),
        PlannedInstruction(ins.LoadModule("else"), Reason("changed-library-module", "")),
        PlannedInstruction(
            ins.Apply("io", "format", erl_list(ErlList(tuple(map(ord, "~ts%.\n"))), ErlList())),
            Reason("override-apply", "x" * 150),
        ),
    ),
    down=(),
    verdict="hot",
)


def test_shop_appup_matches_golden(update_golden: bool) -> None:
    assert_golden("shop.appup", render_appup(SHOP_PLAN_APP, VERSION), update_golden)


def test_first_lines_are_marker_then_coding() -> None:
    first, second, *_ = render_appup(SHOP_PLAN_APP, VERSION).split("\n")
    assert (first, second) == (f"%% {marker_line(VERSION)}", "%% coding: utf-8")


def test_appup_term_has_one_entry_each_way_in_short_form() -> None:
    plan = AppPlan("shop", "1.0", "1.1", (SHOP_PLAN_APP.up[0],), (), "hot")
    assert (
        format_term(appup_term(plan)) == '{"1.1",[{"1.0",[{add_module,shop_mailer}]}],[{"1.0",[]}]}'
    )


def test_appup_term_expands_back_to_the_plan_s_instructions() -> None:
    """Short forms are only spelling: systools' expansion gives the planned instructions."""
    term = appup_term(SHOP_PLAN_APP)
    assert isinstance(term, tuple)
    for entries, steps in ((term[1], SHOP_PLAN_APP.up), (term[2], SHOP_PLAN_APP.down)):
        assert isinstance(entries, ErlList)
        script = entries.items[0][1]  # type: ignore[index]
        assert check_syntax(expand_script(script)) == tuple(step.instruction for step in steps)


def test_empty_scripts_are_empty_lists() -> None:
    text = render_appup(AppPlan("shop", "1.0", "1.1", (), (), "hot"), VERSION)
    body = text.split("\n")[2:]
    assert body == [
        '{"1.1",',
        " %% upgrade from 1.0",
        ' [{"1.0",',
        "   []}],",
        " %% downgrade to 1.0",
        ' [{"1.0",',
        "   []}]}.",
        "",
    ]


def test_each_reason_is_a_comment_above_its_instruction() -> None:
    lines = render_appup(SHOP_PLAN_APP, VERSION).split("\n")
    update_line = lines.index("    {update,shop_sup,supervisor},")
    assert lines[update_line - 1] == "    %% shop_sup's child specs changed (suspends shop_sup)"


def test_awkward_reasons_stay_inside_comments() -> None:
    text = render_appup(AWKWARD_PLAN, VERSION)
    assert parse_first_term(text) == appup_term(AWKWARD_PLAN)
    lines = [line.strip().removeprefix("[") for line in text.split("\n")]
    assert (
        "%% line one line two. {oops}. % '\" coding: latin-1 "
        "(suspends shop_sup/'Elixir.Shop.Cart', prix" in lines
    )
    assert all(len(line) <= 100 for line in text.split("\n") if "x" * 150 not in line)


def test_empty_reason_gets_no_comment() -> None:
    lines = render_appup(AWKWARD_PLAN, VERSION).split("\n")
    position = lines.index("    {load_module,'else'},")
    assert not lines[position - 1].lstrip().startswith("%%")


@given(APP_PLANS)
def test_rendered_appup_reads_back_as_appup_term(plan: AppPlan) -> None:
    """Whatever the reasons say, the file is the appup term and nothing else."""
    assert exact(parse_first_term(render_appup(plan, VERSION))) == exact(appup_term(plan))


@given(REASON_TEXTS, st.lists(REASON_TEXTS, max_size=2))
@example("\n0", [])
@example("a.\r\nb", ["c\n]"])
def test_any_reason_stays_in_its_comment(text: str, suspends: list[str]) -> None:
    """A reason or a suspended process name never leaks out of its ``%%`` comment."""
    step = PlannedInstruction(ins.LoadModule("m"), Reason("rule", text), tuple(suspends))
    plan = AppPlan("app", "1", "2", (step,), (step,), "hot")
    assert parse_first_term(render_appup(plan, VERSION)) == appup_term(plan)


# -- short forms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        (ins.Update("m"), "{update,m}"),
        (ins.Update("m", dep_mods=("a",)), "{update,m,[a]}"),
        (ins.Update("m", extra=ErlList()), "{update,m,{advanced,[]}}"),
        (ins.Update("m", extra=Atom("x"), dep_mods=("a",)), "{update,m,{advanced,x},[a]}"),
        (ins.Update("m", module_type="static", extra=ErlList()), "{update,m,supervisor}"),
        (
            ins.Update("m", module_type="static", extra=ErlList(), dep_mods=("a",)),
            "{update,m,static,default,{advanced,[]},brutal_purge,brutal_purge,[a]}",
        ),
        (ins.Update("m", pre_purge="soft_purge"), "{update,m,soft,soft_purge,brutal_purge,[]}"),
        (ins.Update("m", timeout=5000), "{update,m,5000,soft,brutal_purge,brutal_purge,[]}"),
        (ins.LoadModule("m"), "{load_module,m}"),
        (ins.LoadModule("m", dep_mods=("a", "b")), "{load_module,m,[a,b]}"),
        (
            ins.LoadModule("m", post_purge="soft_purge"),
            "{load_module,m,brutal_purge,soft_purge,[]}",
        ),
        (ins.AddModule("m"), "{add_module,m}"),
        (ins.DeleteModule("m", ("a",)), "{delete_module,m,[a]}"),
        (ins.AddApplication("app"), "{add_application,app}"),
        (ins.AddApplication("app", "temporary"), "{add_application,app,temporary}"),
        (ins.Load("m"), "{load,{m,brutal_purge,brutal_purge}}"),
    ],
)
def test_short_forms(instruction: ins.Instruction, expected: str) -> None:
    assert format_term(short_term(instruction)) == expected


@given(HIGH_LEVEL_INSTRUCTIONS)
def test_short_form_expands_back_to_the_instruction(instruction: ins.Instruction) -> None:
    """systools_rc:expand_script then check_syntax turn the short form into the same instruction."""
    expanded = expand_script(ErlList((short_term(instruction),)))
    assert check_syntax(expanded) == (instruction,)


# -- real Erlang ------------------------------------------------------------------------


@pytest.mark.erlang
@pytest.mark.parametrize("plan", [SHOP_PLAN_APP, AWKWARD_PLAN], ids=["shop", "awkward"])
def test_file_consult_reads_the_term_our_reader_reads(plan: AppPlan, tmp_path: Path) -> None:
    """file:consult on the rendered file gives the term our reader gives (written plainly)."""
    rendered = tmp_path / "shop.appup"
    rendered.write_bytes(render_appup(plan, VERSION).encode("utf-8"))
    ours = tmp_path / "ours.term"
    ours.write_bytes(
        format_consult_file(
            [parse_first_term(rendered.read_text("utf-8"))], ["coding: utf-8"]
        ).encode("utf-8")
    )
    program = (
        f'{{ok, [Rendered]}} = file:consult("{rendered}"), '
        f'{{ok, [Ours]}} = file:consult("{ours}"), '
        'io:format("~p ~p", [Rendered =:= Ours, element(1, Rendered)]), halt().'
    )
    erl = shutil.which("erl")
    assert erl is not None
    result = subprocess.run(
        [erl, "-noshell", "-eval", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"true {format_term(appup_term(plan)[0])}"
