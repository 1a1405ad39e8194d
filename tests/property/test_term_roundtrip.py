"""Round-trip properties of the Erlang term codec."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from diffing.term_reader import parse_first_term, parse_terms
from diffing.term_writer import format_consult_file, format_term
from diffing.terms import Atom, ErlList, Term
from property.term_strategies import erlang_terms, exact


class TestFormatThenParse:
    """For any term, formatting it and parsing it back gives the same term.

    The rule is file:consult's contract with io_lib:format("~tp"): text a
    writer produces must be read back as the identical term (=:=), whatever
    the atoms, strings, binaries, numbers or nesting in it.
    """

    @given(erlang_terms())
    def test_parse_of_format_is_identity(self, term: Term) -> None:
        assert exact(parse_first_term(format_term(term) + ".")) == exact(term)

    @given(erlang_terms(), st.integers(min_value=10, max_value=120))
    def test_identity_holds_at_any_width(self, term: Term, width: int) -> None:
        assert exact(parse_first_term(format_term(term, width) + ".")) == exact(term)

    @given(st.lists(erlang_terms(max_leaves=8), max_size=6))
    def test_consult_file_reads_back_all_terms(self, terms: list[Term]) -> None:
        text = format_consult_file(terms, ["coding: utf-8", "generated"])
        assert tuple(exact(term) for term in parse_terms(text)) == tuple(
            exact(term) for term in terms
        )


class TestFormatIsCanonical:
    """Formatting is a function of the term alone: parse(format(t)) formats to the same text.

    Deterministic output is what makes golden files byte-stable.
    """

    @given(erlang_terms())
    def test_format_is_stable_through_a_round_trip(self, term: Term) -> None:
        text = format_term(term)
        assert format_term(parse_first_term(text + ".")) == text


def test_exact_distinguishes_what_erlang_distinguishes() -> None:
    assert exact(1) != exact(1.0)
    assert exact(0.0) != exact(-0.0)
    assert exact(ErlList((Atom("a"),), Atom("b"))) != exact(ErlList((Atom("a"), Atom("b"))))
