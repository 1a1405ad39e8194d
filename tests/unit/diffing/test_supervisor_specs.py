"""Child specs and registered names read from a supervisor's literal table."""

from __future__ import annotations

from diffing.supervisor_specs import supervisor_facts
from diffing.term_reader import parse_first_term
from diffing.terms import Atom, Term


def _literals(text: str) -> tuple[Term, ...]:
    term = parse_first_term(text)
    assert isinstance(term, tuple)
    return term


def test_map_specs_default_type_and_modules() -> None:
    facts = supervisor_facts(
        _literals(
            """{{local, top_sup},
                [#{id => a, start => {a, start_link, []}},
                 #{id => b, start => {b_sup, start_link, []}, type => supervisor,
                   modules => [b_sup, b_helper]}]}."""
        )
    )
    assert facts.registered_name == "top_sup"
    assert facts.specs_complete
    first, second = facts.child_specs
    assert (first.id, first.type, first.modules) == (Atom("a"), "worker", ("a",))
    assert (second.type, second.modules) == ("supervisor", ("b_sup", "b_helper"))


def test_tuple_specs_and_dynamic_modules() -> None:
    facts = supervisor_facts(
        _literals(
            """{{worker1, {w, start_link, []}, permanent, 5000, worker, [w]},
                {events, {gen_event, start_link, [{local, ev}]}, permanent, 5000, worker,
                 dynamic}}."""
        )
    )
    assert [(spec.id, spec.modules) for spec in facts.child_specs] == [
        (Atom("worker1"), ("w",)),
        (Atom("events"), "dynamic"),
    ]
    # Without a {local, Module}, the first {local, _} met is taken, even one
    # from a child's start arguments: the planner's warning names it.
    assert facts.registered_name == "ev"


def test_the_module_s_own_name_wins() -> None:
    literals = _literals("{{local, ev}, {local, my_sup}}.")
    assert supervisor_facts(literals, "my_sup").registered_name == "my_sup"


def test_no_literal_specs_is_incomplete() -> None:
    facts = supervisor_facts(_literals("{one_for_one, [strategy]}."))
    assert facts.child_specs == ()
    assert not facts.specs_complete
    assert facts.registered_name is None


def test_a_supervisor_without_children_is_complete() -> None:
    facts = supervisor_facts((parse_first_term("{ok, {#{strategy => one_for_one}, []}}."),))
    assert facts.specs_complete and facts.child_specs == ()
