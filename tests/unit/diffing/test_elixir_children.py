"""Elixir's shorthand children (``Mod``, ``{Mod, Arg}``) read from a literal table."""

from __future__ import annotations

from diffing.supervisor_specs import supervisor_facts
from diffing.term_reader import parse_first_term
from diffing.terms import Atom, Term


def _literals(text: str) -> tuple[Term, ...]:
    term = parse_first_term(text)
    assert isinstance(term, tuple)
    return term


def test_a_shorthand_list_in_an_elixir_module_gives_conventional_specs() -> None:
    facts = supervisor_facts(
        _literals(
            """{[{strategy, one_for_one}, {name, 'Elixir.App.Sup'}],
                ['Elixir.App.Worker', {'Elixir.App.Cache', [{size, 10}]}]}."""
        ),
        "Elixir.App.Application",
    )
    assert facts.registered_name == "Elixir.App.Sup"
    assert facts.specs_complete
    assert [
        (spec.id, spec.start_module, spec.modules, spec.type, spec.elixir_shorthand)
        for spec in facts.child_specs
    ] == [
        (Atom("Elixir.App.Worker"), "Elixir.App.Worker", ("Elixir.App.Worker",), None, True),
        (Atom("Elixir.App.Cache"), "Elixir.App.Cache", ("Elixir.App.Cache",), None, True),
    ]


def test_map_specs_may_sit_among_shorthand_children() -> None:
    facts = supervisor_facts(
        _literals("""{['Elixir.A', #{id => b, start => {'Elixir.B', start_link, []}}]}."""),
        "Elixir.Sup",
    )
    assert [(spec.id, spec.elixir_shorthand) for spec in facts.child_specs] == [
        (Atom("Elixir.A"), True),
        (Atom("b"), False),
    ]


def test_erlang_modules_never_read_shorthand_lists() -> None:
    facts = supervisor_facts(_literals("{['Elixir.A', 'Elixir.B']}."), "my_sup")
    assert facts.child_specs == ()
    assert not facts.specs_complete


def test_lists_with_anything_else_are_not_children() -> None:
    """Keyword lists, lists of Erlang atoms and mixed lists are other data."""
    facts = supervisor_facts(
        _literals("{[{start, 2}, {stop, 1}], ['Elixir.A', other], ['Elixir.B', {x, 1}]}."),
        "Elixir.Sup",
    )
    assert facts.child_specs == ()
