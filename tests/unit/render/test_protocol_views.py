"""A mix release's consolidated-protocol steps in the diagrams and on the review page.

The plan is the bundled counter example, planned and translated for real
(``counter_samples``); its relup holds the protocol check and switch as
``Elixir.Code:eval_string/1`` applies.  The views must say what those do, in
both directions, from the plan's ``protocols`` field, and show the protocols
that change in the load order.
"""

from __future__ import annotations

import re

import pytest

from render import graph_style as gs
from render.graph_facts import relup_script
from render.graph_steps import PREPARE
from render.plan_graphs import DIRECTIONS, view_graph
from render.plan_html import render_plan_html
from render.plan_words import ProtocolStep, describe_instruction, protocol_steps
from unit.render.counter_samples import (
    CHARS,
    DESCRIBE,
    counter_plan,
    protocol_change,
    with_protocol_changes,
)
from unit.render.graph_samples import dot_shape, label_text, store_plan
from unit.render.html_checks import read_html
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, UpgradePlan

PLAN = counter_plan()
KIND, GONE = "Elixir.Counter.Kind", "Elixir.Counter.Gone"
# Counter.Kind new in 0.2.0, Counter.Gone only in 0.1.0, Inspect changed in -vsn only.
MIXED = with_protocol_changes(
    PLAN,
    protocol_change(GONE, "removed"),
    protocol_change(KIND, "added"),
    protocol_change("Elixir.Inspect", "changed", vsn_only=True),
    protocol_change(CHARS, "changed"),
)


def _planned(plan: UpgradePlan) -> dict[str, PlannedInstruction]:
    """The plan's protocol steps by place: up_check, up, down_check, down."""
    protocols = plan.protocols
    assert protocols is not None
    places = ("up_check", "up", "down_check", "down")
    found = {}
    for place in places:
        (step,) = getattr(protocols, place)
        found[place] = step
    return found


# -- recognising the steps ------------------------------------------------------------------


def test_the_steps_are_the_instructions_of_the_plan_s_protocols_field() -> None:
    planned = _planned(PLAN)
    steps = protocol_steps(PLAN)
    assert set(steps) == {step.instruction for step in planned.values()}
    assert steps[planned["up"].instruction] == ProtocolStep(
        "switch", "up", "0.2.0", "releases/0.2.0/consolidated", (DESCRIBE, CHARS), (), (),
        planned["up"],
    )  # fmt: skip
    down_check = steps[planned["down_check"].instruction]
    assert (down_check.kind, down_check.direction, down_check.version) == ("check", "down", "0.1.0")
    assert (down_check.directory, down_check.loads) == (
        "releases/0.1.0/consolidated",
        (DESCRIBE, CHARS),
    )


def test_a_relx_plan_has_no_protocol_steps() -> None:
    assert protocol_steps(store_plan()) == {}


def _program_lists(step: PlannedInstruction) -> dict[str, set[str]]:
    """The module lists an eval_string program loops over, by what the loop does."""
    match step.instruction:
        case ins.Apply("Elixir.Code", "eval_string", arguments):
            program = arguments.items[0].decode()  # type: ignore[union-attr]
    lists: dict[str, set[str]] = {}
    for names, body in re.findall(r"for m <- \[(.*?)\] do\n(.*?)\nend", program, re.DOTALL):
        what = "delete" if ":code.delete" in body else "load" if "load_abs" in body else "check"
        lists[what] = set(re.findall(r':"([^"]+)"', names))
    return lists


@pytest.mark.parametrize("plan", [PLAN, MIXED], ids=["counter", "mixed"])
def test_the_words_name_exactly_what_the_programs_load_and_delete(plan: UpgradePlan) -> None:
    """upgrade.protocols writes the programs and the lists the words are made of: they agree."""
    for step in protocol_steps(plan).values():
        lists = _program_lists(step.step)
        if step.kind == "check":
            assert lists == {"check": set(step.loads)}
        else:
            expected = {"load": set(step.loads), "delete": set(step.deletes)}
            assert lists == {what: names for what, names in expected.items() if names}


# -- in words (the review page) --------------------------------------------------------------


def test_each_protocol_step_is_said_in_words_both_ways() -> None:
    planned, steps = _planned(PLAN), protocol_steps(PLAN)
    said = {place: str(describe_instruction(s.instruction, steps)) for place, s in planned.items()}
    assert said == {
        "up_check": "Check the consolidated protocols of 0.2.0: releases/0.2.0/consolidated "
        "holds Elixir.Counter.Describe, Elixir.String.Chars; changes nothing, a failure stops "
        "the install",
        "up": "Switch the consolidated protocols to 0.2.0: the code path entry consolidated "
        "names releases/0.2.0/consolidated; reload Elixir.Counter.Describe, Elixir.String.Chars",
        "down_check": "Check the consolidated protocols of 0.1.0: releases/0.1.0/consolidated "
        "holds Elixir.Counter.Describe, Elixir.String.Chars; changes nothing, a failure stops "
        "the install",
        "down": "Switch the consolidated protocols to 0.1.0: the code path entry consolidated "
        "names releases/0.1.0/consolidated; reload Elixir.Counter.Describe, Elixir.String.Chars",
    }


def test_an_eval_that_is_not_one_of_the_plan_s_steps_stays_a_call() -> None:
    up = _planned(PLAN)["up"].instruction
    assert describe_instruction(up).action.startswith("Call Elixir.Code:eval_string(")
    assert describe_instruction(up, protocol_steps(store_plan())).action.startswith("Call ")


def test_added_and_removed_protocols_are_loaded_and_deleted_mirrored() -> None:
    planned, steps = _planned(MIXED), protocol_steps(MIXED)
    up = describe_instruction(planned["up"].instruction, steps).detail
    down = describe_instruction(planned["down"].instruction, steps).detail
    assert up.endswith(f"reload {CHARS}; load {KIND} (new in 0.2.0); delete {GONE} (not in 0.2.0)")
    assert down.endswith(
        f"reload {CHARS}; load {GONE} (new in 0.1.0); delete {KIND} (not in 0.1.0)"
    )
    check = describe_instruction(planned["up_check"].instruction, steps).detail
    assert check.startswith(f"releases/0.2.0/consolidated holds {KIND}, {CHARS};")


def test_without_changed_protocols_only_the_path_moves() -> None:
    plan = with_protocol_changes(PLAN)
    planned, steps = _planned(plan), protocol_steps(plan)
    switch = describe_instruction(planned["down"].instruction, steps)
    assert switch.detail.endswith("releases/0.1.0/consolidated; no protocol changed")
    check = describe_instruction(planned["up_check"].instruction, steps)
    assert check.detail.startswith("releases/0.2.0/consolidated is there;")


# -- timeline ---------------------------------------------------------------------------------


def _label(attributes: str) -> str:
    # The tooltip holds the Erlang term, whose binary ends in ">>": cut it off first.
    return label_text(attributes.split(" tooltip=")[0])


def _step_labels(plan: UpgradePlan, direction: str) -> dict[int, tuple[str, str]]:
    """Step number -> (label text, node attributes) of the timeline."""
    shape = dot_shape(view_graph(plan, "timeline", direction).source)  # type: ignore[arg-type]
    prefix = f"timeline{direction.capitalize()}"
    labels = {}
    for name, attributes in shape.nodes:
        found = re.fullmatch(re.escape(gs.node_id(prefix, "step")) + r"_s_(\d+)", name)
        if found:
            labels[int(found[1])] = (_label(attributes), attributes)
    return labels


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_timeline_says_the_check_and_the_switch_where_the_relup_runs_them(
    direction: str,
) -> None:
    script = relup_script(PLAN, direction)  # type: ignore[arg-type]
    assert script is not None
    target = "0.2.0" if direction == "up" else "0.1.0"
    labels = _step_labels(PLAN, direction)
    point = script.index(ins.POINT_OF_NO_RETURN) + 1
    check, check_style = labels[point - 1]
    assert check.startswith(f"{point - 1}. check consolidated protocols of {target} are readable")
    assert check.endswith("changes nothing")
    assert f'fillcolor="{PREPARE.fill}"' in check_style
    switch_number = len(script) if direction == "up" else point + 1
    switch, switch_style = labels[switch_number]
    assert switch == (
        f"{switch_number}. switch consolidated protocols to {target} the code path entry "
        f"consolidated names releases/{target}/consolidated reload "
        "'Elixir.Counter.Describe', 'Elixir.String.Chars'"
    )
    assert f'fillcolor="{gs.LOADED.fill}"' in switch_style
    assert not any("eval_string" in text for text, _ in labels.values())


def test_the_check_sits_in_the_preparation_box() -> None:
    source = view_graph(PLAN, "timeline", "up").source
    preparation = source[source.index("Preparation: nothing changes yet") :]
    preparation = preparation[: preparation.index("\t}")]
    assert "check consolidated protocols of 0.2.0" in preparation
    assert "switch consolidated protocols" not in preparation


# -- load order -------------------------------------------------------------------------------


def _order(plan: UpgradePlan, direction: str) -> tuple[str, dict[str, int]]:
    source = view_graph(plan, "order", direction).source  # type: ignore[arg-type]
    numbers = {}
    for name, attributes in dot_shape(source).nodes:
        found = re.match(r"(\d+)\. ", _label(attributes)) if "label=<<B>" in attributes else None
        if found:
            numbers[name] = int(found[1])
    return source, numbers


def _protocol_id(direction: str, name: str) -> str:
    return gs.node_id(f"order{direction.capitalize()}", "protocol", name)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_order_view_boxes_the_changed_protocols_where_the_relup_loads_them(
    direction: str,
) -> None:
    source, numbers = _order(PLAN, direction)
    prefix = f"order{direction.capitalize()}"
    box = source[source.index(f"subgraph {gs.cluster_id(prefix, 'consolidated', 'protocols')}") :]
    box = box[: box.index("\t}")]
    assert "consolidated protocols" in box
    protocols = [_protocol_id(direction, name) for name in (DESCRIBE, CHARS)]
    assert all(f"{identifier} [" in box for identifier in protocols)
    protocol_numbers = sorted(numbers[identifier] for identifier in protocols)
    # Going up the switch comes after every application; going down, before them.
    expected = [len(numbers) - 1, len(numbers)] if direction == "up" else [1, 2]
    assert protocol_numbers == expected
    assert "reloaded from releases/" in _label(dot_shape(box).node(protocols[0]))


@pytest.mark.parametrize(
    ("direction", "kind_style", "gone_style"),
    [("up", gs.ADDED, gs.REMOVED), ("down", gs.REMOVED, gs.ADDED)],
)
def test_protocols_added_and_removed_take_the_colour_of_what_happens_to_them(
    direction: str, kind_style: gs.Style, gone_style: gs.Style
) -> None:
    shape = dot_shape(view_graph(MIXED, "order", direction).source)  # type: ignore[arg-type]
    assert f'fillcolor="{kind_style.fill}"' in shape.node(_protocol_id(direction, KIND))
    assert f'fillcolor="{gone_style.fill}"' in shape.node(_protocol_id(direction, GONE))
    assert f'fillcolor="{gs.LOADED.fill}"' in shape.node(_protocol_id(direction, CHARS))
    declared = {name for name, _ in shape.nodes}
    assert _protocol_id(direction, "Elixir.Inspect") not in declared  # -vsn only: nothing loads


def test_a_relx_plan_draws_no_protocol_box() -> None:
    for direction in DIRECTIONS:
        source = view_graph(store_plan(), "order", direction).source
        assert "consolidated" not in source


# -- the review page --------------------------------------------------------------------------


def test_the_page_says_the_protocol_steps_in_words_and_shows_their_program() -> None:
    page = render_plan_html(PLAN, {})
    reading = read_html(page)
    assert reading.problems == []
    text = reading.text
    assert "Call Elixir.Code:eval_string" not in text
    for words in (
        "Check the consolidated protocols of 0.2.0",
        "Switch the consolidated protocols to 0.2.0",
        "Check the consolidated protocols of 0.1.0",
        "Switch the consolidated protocols to 0.1.0",
    ):
        # Once in the protocols' own tables, once in the relup's scripts.
        assert text.count(words) == 2, words
    assert "\u00a0\u00a0:code.purge(m)" in text  # the program, indented as written
    assert "protocols" in reading.ids


def test_the_protocols_section_lists_what_changed_and_both_directions() -> None:
    page = render_plan_html(MIXED, {})
    section = page[page.index('<h3 id="protocols">') :]
    section = section[: section.index("</section>")]
    text = read_html(section).text
    assert "releases/0.1.0/consolidated → releases/0.2.0/consolidated" in text
    assert f"Protocols changed{CHARS}" in text
    assert f"Protocols added{KIND}" in text and f"Protocols removed{GONE}" in text
    assert "Only -vsn changedElixir.Inspect" in text
    assert "Upgrade 0.1.0 → 0.2.0" in text and "Downgrade 0.2.0 → 0.1.0" in text
    assert "[consolidated-protocols-check]" in text and "[consolidated-protocols-changed]" in text


def test_what_happens_names_the_protocols_switched_each_way() -> None:
    text = read_html(render_plan_html(MIXED, {})).text
    assert (
        "Consolidated protocols switched to 0.2.0, after a check that changes nothing; "
        f"reloads (1): {CHARS}; loads (1): {KIND}; deletes (1): {GONE}"
    ) in text
    assert (
        "Consolidated protocols switched to 0.1.0, after a check that changes nothing; "
        f"reloads (1): {CHARS}; loads (1): {GONE}; deletes (1): {KIND}"
    ) in text
    assert "Consolidated protocols1 changed, 1 added, 1 removed" in text


def test_a_relx_page_has_no_protocols() -> None:
    page = render_plan_html(store_plan(), {})
    assert "onsolidated" not in page and 'href="#protocols"' not in page
