"""Unit tests for the Erlang term writer: spelling of each kind of term, and layout."""

from __future__ import annotations

import pytest

from diffing.etf import external_fun
from diffing.term_reader import parse_terms
from diffing.term_writer import format_consult_file, format_term
from diffing.terms import NIL, Atom, BitString, ErlList, ErlMap, OpaqueTerm, Term, erl_string


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ok", "ok"),
        ("node@host", "node@host"),
        ("a1_B", "a1_B"),
        ("é", "é"),
        ("ßa", "ßa"),
        ("Mod", "'Mod'"),
        ("_x", "'_x'"),
        ("1a", "'1a'"),
        ("", "''"),
        ("a b", "'a b'"),
        ("a-b", "'a-b'"),
        ("a.b", "'a.b'"),
        ("end", "'end'"),
        ("case", "'case'"),
        ("maybe", "'maybe'"),
        ("else", "'else'"),
        ("日本", "'日本'"),
        ("it's", "'it\\'s'"),
        ('say "hi"', "'say \"hi\"'"),
        ("back\\slash", "'back\\\\slash'"),
        ("new\nline", "'new\\nline'"),
        ("\x00", "'\\x{0}'"),
        ("\x7f", "'\\d'"),
        ("\x85", "'\\x{85}'"),
    ],
)
def test_atom_quoting(name: str, text: str) -> None:
    assert format_term(Atom(name)) == text


@pytest.mark.parametrize(
    ("term", "text"),
    [
        (0, "0"),
        (-5, "-5"),
        (2**70, "1180591620717411303424"),
        (1.0, "1.0"),
        (-0.5, "-0.5"),
        (0.1, "0.1"),
        (1e16, "1.0e16"),
        (1.5e-7, "1.5e-7"),
        (1.7976931348623157e308, "1.7976931348623157e308"),
        (5e-324, "5.0e-324"),
        (123456789.0, "123456789.0"),
    ],
)
def test_numbers(term: Term, text: str) -> None:
    assert format_term(term) == text


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_floats_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="no Erlang text form"):
        format_term(value)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        (NIL, "[]"),
        (erl_string("abc"), '"abc"'),
        (erl_string("tab\tnew\nline"), '"tab\\tnew\\nline"'),
        (erl_string('q"uote\\'), '"q\\"uote\\\\"'),
        (erl_string("it's"), '"it\'s"'),
        (erl_string("日本 ☺"), '"日本 ☺"'),
        (erl_string("\x1b[0m"), '"\\e[0m"'),
        (ErlList((1, 2, 3)), "[1,2,3]"),
        (ErlList((97, 0x7F)), "[97,127]"),
        (ErlList((97, 0x85)), "[97,133]"),
        (ErlList((97, -1)), "[97,-1]"),
        (ErlList((97, Atom("b"))), "[97,b]"),
        (ErlList((Atom("a"),), Atom("b")), "[a|b]"),
        (ErlList((1, 2), 3), "[1,2|3]"),
        (ErlList((97,), erl_string("b")), '"ab"'),
    ],
)
def test_lists_and_strings(term: Term, text: str) -> None:
    assert format_term(term) == text


@pytest.mark.parametrize(
    ("term", "text"),
    [
        (b"", "<<>>"),
        (b"abc", '<<"abc">>'),
        (b'a"b\n', '<<"a\\"b\\n">>'),
        (b"\xe9t\xe9", '<<"été">>'),
        ("été".encode(), '<<"été"/utf8>>'),
        ("日本".encode(), '<<"日本"/utf8>>'),
        (b"\x00\x01\xff", "<<0,1,255>>"),
        (b"a\x00", "<<97,0>>"),
    ],
)
def test_binaries(term: bytes, text: str) -> None:
    assert format_term(term) == text


def test_tuples_and_maps() -> None:
    assert format_term(()) == "{}"
    assert format_term((Atom("a"), 1, erl_string("x"))) == '{a,1,"x"}'
    assert format_term(ErlMap()) == "#{}"
    assert format_term(ErlMap(((Atom("b"), 2), (Atom("a"), NIL)))) == "#{a => [],b => 2}"


@pytest.mark.parametrize(
    "term",
    [True, None, "text", BitString(b"\x01", 4), OpaqueTerm("pid", b""), OpaqueTerm("fun", b"p")],
)
def test_values_without_text_form_are_refused(term: object) -> None:
    with pytest.raises(TypeError):
        format_term(term)  # type: ignore[arg-type]


def test_external_funs_are_written_as_erlang_reads_them() -> None:
    funs = (external_fun("lists", "map", 2), external_fun("a b", "Elixir.X", 0))
    text = format_term(ErlList(funs))
    assert text == "[fun lists:map/2,fun 'a b':'Elixir.X'/0]"
    assert parse_terms(text + ".") == (ErlList(funs),)


RELUP = (
    erl_string("2.0"),
    ErlList(
        (
            (
                erl_string("1.0"),
                NIL,
                ErlList(
                    (
                        (
                            Atom("load_object_code"),
                            (Atom("myapp"), erl_string("2.0"), ErlList((Atom("myapp_server"),))),
                        ),
                        Atom("point_of_no_return"),
                        (Atom("suspend"), ErlList((Atom("myapp_server"),))),
                        (
                            Atom("load"),
                            (Atom("myapp_server"), Atom("brutal_purge"), Atom("brutal_purge")),
                        ),
                        (Atom("code_change"), Atom("up"), ErlList(((Atom("myapp_server"), NIL),))),
                        (Atom("resume"), ErlList((Atom("myapp_server"),))),
                    )
                ),
            ),
        )
    ),
    ErlList(((erl_string("1.0"), NIL, NIL),)),
)

RELUP_TEXT = """\
{"2.0",
 [{"1.0",
   [],
   [{load_object_code,{myapp,"2.0",[myapp_server]}},
    point_of_no_return,
    {suspend,[myapp_server]},
    {load,{myapp_server,brutal_purge,brutal_purge}},
    {code_change,up,[{myapp_server,[]}]},
    {resume,[myapp_server]}]}],
 [{"1.0",[],[]}]}"""


def test_golden_relup_layout() -> None:
    assert format_term(RELUP) == RELUP_TEXT
    assert parse_terms(RELUP_TEXT + ".") == (RELUP,)


def test_short_terms_stay_on_one_line() -> None:
    assert format_term(RELUP, width=1000) == (
        '{"2.0",[{"1.0",[],[{load_object_code,{myapp,"2.0",[myapp_server]}},'
        "point_of_no_return,{suspend,[myapp_server]},"
        "{load,{myapp_server,brutal_purge,brutal_purge}},"
        '{code_change,up,[{myapp_server,[]}]},{resume,[myapp_server]}]}],[{"1.0",[],[]}]}'
    )


def test_broken_lines_fit_the_width_when_elements_do() -> None:
    term = ErlList(tuple((Atom(f"module_{n}"), n) for n in range(30)))
    text = format_term(term, width=40)
    assert text.splitlines()[:2] == ["[{module_0,0},", " {module_1,1},"]
    assert max(len(line) for line in text.splitlines()) <= 40


def test_golden_improper_list_and_map_layout() -> None:
    long_atom = Atom("a" * 30)
    term = (
        ErlList((long_atom, long_atom), long_atom),
        ErlMap(((Atom("key"), ErlList((long_atom, long_atom, long_atom))), (Atom("k2"), 1))),
    )
    assert format_term(term, width=60) == (
        "{[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,\n"
        "  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|\n"
        "  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa],\n"
        " #{k2 => 1,\n"
        "   key =>\n"
        "       [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,\n"
        "        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,\n"
        "        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]}}"
    )


def test_very_deep_terms_are_written_without_recursion_errors() -> None:
    term: Term = NIL
    for _ in range(1000):
        term = ErlList((term,))
    text = format_term(term)
    assert text == "[" * 1000 + "[]" + "]" * 1000
    deep: Term = Atom("x")
    for number in range(900):
        deep = (Atom(f"level_{number}"), deep)
    assert parse_terms(format_term(deep) + ".") == (deep,)


def test_output_is_deterministic() -> None:
    assert format_term(RELUP) == format_term(RELUP)
    assert format_term(ErlMap(((2, Atom("b")), (1, Atom("a"))))) == "#{1 => a,2 => b}"


def test_consult_file_has_header_and_dotted_terms() -> None:
    text = format_consult_file([(Atom("a"), 1), NIL], ["coding: utf-8", "", "generated"])
    assert text == "%% coding: utf-8\n%%\n%% generated\n{a,1}.\n[].\n"
    assert parse_terms(text) == ((Atom("a"), 1), NIL)


def test_consult_file_without_terms_or_header_is_empty() -> None:
    assert format_consult_file([]) == ""
