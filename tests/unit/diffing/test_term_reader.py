"""Unit tests for the Erlang term reader: one token kind or error case per test."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from diffing.errors import InputError, TermSyntaxError
from diffing.etf import external_fun
from diffing.term_reader import (
    MAX_NESTING,
    parse_first_term,
    parse_terms,
    read_first_term_file,
    read_terms_file,
)
from diffing.term_tokens import RESERVED_WORDS, source_encoding
from diffing.terms import NIL, Atom, ErlList, ErlMap, OpaqueTerm, Term, erl_string


def one(text: str) -> Term:
    (term,) = parse_terms(text)
    return term


# Atoms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ok.", "ok"),
        ("load_module.", "load_module"),
        ("node@host.", "node@host"),
        ("a1B2_c.", "a1B2_c"),
        ("ßtraße.", "ßtraße"),
        ("aÀ@9.", "aÀ@9"),
        ("'hello world'.", "hello world"),
        ("'Upper'.", "Upper"),
        ("''.", ""),
        ("'end'.", "end"),
        ("'日本'.", "日本"),
        ("maybe.", "maybe"),
        ("else.", "else"),
    ],
)
def test_atoms(text: str, name: str) -> None:
    assert one(text) == Atom(name)


@pytest.mark.parametrize("word", sorted(RESERVED_WORDS))
def test_reserved_word_is_not_an_atom(word: str) -> None:
    # fun alone starts an external fun (fun M:F/A), which it is not either.
    with pytest.raises(TermSyntaxError, match="fun M:F/A" if word == "fun" else "reserved word"):
        parse_terms(f"{word}.")


def test_reserved_words_are_erl_scans_fixed_set() -> None:
    assert len(RESERVED_WORDS) == 27
    assert {"end", "case", "of", "fun", "when", "cond", "let", "xor"} <= RESERVED_WORDS


def test_atom_longer_than_255_characters_is_an_error() -> None:
    assert one("'" + "a" * 255 + "'.") == Atom("a" * 255)
    with pytest.raises(TermSyntaxError, match="atom too long"):
        parse_terms("'" + "a" * 256 + "'.")
    with pytest.raises(TermSyntaxError, match="atom too long"):
        parse_terms("a" * 256 + ".")


# Numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.", 0),
        ("42.", 42),
        ("-5.", -5),
        ("+5.", 5),
        ("- 5.", -5),
        ("1_000.", 1000),
        ("16#ff.", 255),
        ("16#FF_ff.", 65535),
        ("2#101.", 5),
        ("36#zz.", 1295),
        ("-16#10.", -16),
        ("123456789012345678901234567890.", 123456789012345678901234567890),
        ("1.0.", 1.0),
        ("1.5e-3.", 0.0015),
        ("2.0E10.", 2.0e10),
        ("1.5e+3.", 1500.0),
        ("-0.25.", -0.25),
        ("1_0.5_5.", 10.55),
        ("$a.", 97),
        ("-$a.", -97),
        ("$ .", 32),
        ("$\n.", 10),
        ("$é.", 233),
    ],
)
def test_numbers_and_characters(text: str, value: float) -> None:
    term = one(text)
    assert term == value
    assert type(term) is type(value)


def test_integer_then_end_dot() -> None:
    assert parse_terms("1.\n2. ") == (1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.0e.", "invalid float '1.0e'"),
        ("1.0e999.", "float out of range"),
        ("37#1.", "invalid integer base 37"),
        ("1#1.", "invalid integer base 1"),
        ("2#102.", "invalid base-2 integer"),
        ("16#.", "invalid base-16 integer"),
        ("- a.", "expected a number after unary '-'"),
        ("- - 1.", "expected a number after unary '-'"),
    ],
)
def test_bad_numbers(text: str, message: str) -> None:
    with pytest.raises(TermSyntaxError, match=message):
        parse_terms(text)


# Escapes (strings, quoted atoms, characters) -----------------------------


@pytest.mark.parametrize(
    ("escape", "code"),
    [
        ("\\b", 8),
        ("\\d", 127),
        ("\\e", 27),
        ("\\f", 12),
        ("\\n", 10),
        ("\\r", 13),
        ("\\s", 32),
        ("\\t", 9),
        ("\\v", 11),
        ("\\'", 39),
        ('\\"', 34),
        ("\\\\", 92),
        ("\\7", 7),
        ("\\101", 65),
        ("\\377", 255),
        ("\\400", 256),
        ("\\x41", 65),
        ("\\xfF", 255),
        ("\\x{1F600}", 0x1F600),
        ("\\x{41}", 65),
        ("\\^A", 1),
        ("\\^a", 1),
        ("\\^[", 27),
        ("\\^?", 31),
        ("\\z", ord("z")),
        ("\\8", ord("8")),
        ("\\\n", 10),
    ],
)
def test_each_escape(escape: str, code: int) -> None:
    assert one(f'"{escape}".') == ErlList((code,))
    assert one(f"'{escape}'.") == Atom(chr(code))
    assert one(f"${escape}.") == code


def test_octal_escape_takes_at_most_three_digits() -> None:
    assert one('"\\1234".') == erl_string("S4")


def test_control_escape_takes_a_quote() -> None:
    assert one("'\\^''.") == Atom("\x07")
    assert one('"\\^"".') == ErlList((2,))


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('"ab\\x{110000}".', 4, "invalid \\x{...} escape"),
        ('"ab\\x{D800}".', 4, "invalid \\x{...} escape"),
        ('"ab\\x{}".', 4, "invalid \\x{...} escape"),
        ('"ab\\xg1".', 4, "invalid \\x escape"),
        ("$\\x4.", 2, "invalid \\x escape"),
        ("$", 1, "incomplete character literal"),
        ("$\\", 1, "incomplete character literal"),
        ('<<"ok", "\\x{}">>.', 10, "invalid \\x{...} escape"),
        ("<<1, 1.0e>>.", 6, "invalid float '1.0e'"),
        ("<<1:2#3>>.", 5, "invalid base-2 integer"),
        ("[-37#1].", 3, "invalid integer base 37"),
    ],
)
def test_bad_escapes_point_at_the_escape(text: str, column: int, message: str) -> None:
    with pytest.raises(TermSyntaxError) as caught:
        parse_terms(text)
    assert (caught.value.line, caught.value.column) == (1, column)
    assert message in caught.value.message


# Strings and binaries ----------------------------------------------------


def test_strings_are_lists_of_code_points() -> None:
    assert one('"abc".') == ErlList((97, 98, 99))
    assert one('"".') == NIL
    assert one('"日本😀".') == ErlList((0x65E5, 0x672C, 0x1F600))
    assert one('"multi\nline".') == erl_string("multi\nline")


def test_adjacent_strings_concatenate() -> None:
    assert one('"ab" "cd".') == erl_string("abcd")
    assert one('{"ab"\n  %% comment\n  "cd", "e"}.') == (erl_string("abcd"), erl_string("e"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("<<>>.", b""),
        ('<<"abc">>.', b"abc"),
        ("<<1,2,255>>.", b"\x01\x02\xff"),
        ('<<"a", 1, "b">>.', b"a\x01b"),
        ("<<$a, -1, 256>>.", b"a\xff\x00"),
        ('<<"é"/utf8>>.', "é".encode()),
        ("<<16#263A/utf8>>.", "☺".encode()),
        ('<<"ab" "c">>.', b"abc"),
        ("<<1:16>>.", b"\x00\x01"),
        ("<<1:16/little>>.", b"\x01\x00"),
        ("<<1:2/unit:8>>.", b"\x00\x01"),
        ('<<"ab":16>>.', b"\x00a\x00b"),
        ("<<-2:16/signed-big>>.", b"\xff\xfe"),
        ("<<1.5/float>>.", b"\x3f\xf8\x00\x00\x00\x00\x00\x00"),
        ("<<1.5:32/float>>.", b"\x3f\xc0\x00\x00"),
        ('<<"é"/utf16>>.', b"\x00\xe9"),
    ],
)
def test_binaries(text: str, value: bytes) -> None:
    assert one(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<<1.5>>.", "a float needs the /float type"),
        ("<<1/unit>>.", "expected ':' after 'unit'"),
        ("<<a>>.", "expected a string or number in binary"),
        ("<<1 2>>.", "expected ',' or '>>' in binary"),
        ("<<1:4>>.", "not whole bytes"),
        ("<<1/bogus>>.", "unsupported type bogus"),
        ("<<1:8/utf8>>.", "utf8 needs a code point and no size"),
    ],
)
def test_bad_binaries(text: str, message: str) -> None:
    with pytest.raises(TermSyntaxError, match=message):
        parse_terms(text)


# Containers --------------------------------------------------------------


def test_lists_tuples_and_maps() -> None:
    assert one("[].") == NIL
    assert one("{}.") == ()
    assert one("#{}.") == ErlMap()
    assert one("[a, b].") == ErlList((Atom("a"), Atom("b")))
    assert one("{a, [1], {}}.") == (Atom("a"), ErlList((1,)), ())
    assert one("#{k => v, 1 => [x]}.") == ErlMap(
        ((Atom("k"), Atom("v")), (1, ErlList((Atom("x"),))))
    )
    assert one("# {a => 1}.") == ErlMap(((Atom("a"), 1),))


def test_terms_in_parentheses_are_the_terms() -> None:
    assert one("[(a), ((b)), -(1), (-2), {(c)}, #{(k) => (v)}, [x|(y)]].") == ErlList(
        (
            Atom("a"),
            Atom("b"),
            -1,
            -2,
            (Atom("c"),),
            ErlMap(((Atom("k"), Atom("v")),)),
            ErlList((Atom("x"),), Atom("y")),
        )
    )
    assert one('<<(1), -(2), ("ab"), (3):(16)>>.') == b"\x01\xfeab\x00\x03"


def test_external_funs_are_the_funs_term_to_binary_encodes() -> None:
    # term_to_binary(fun lists:map/2) in OTP 25, after the version byte.
    assert one("fun lists:map/2.") == OpaqueTerm("fun", b"qd\x00\x05listsd\x00\x03mapa\x02")
    assert one("[fun 'a b':c/0, fun m:f/16#ff].") == ErlList(
        (external_fun("a b", "c", 0), external_fun("m", "f", 255))
    )


def test_improper_lists() -> None:
    assert one("[a|b].") == ErlList((Atom("a"),), Atom("b"))
    assert one("[a, b | c].") == ErlList((Atom("a"), Atom("b")), Atom("c"))
    assert one("[1|[2]].") == ErlList((1, 2))
    assert one("[1|[]].") == ErlList((1,))


def test_later_map_key_wins() -> None:
    assert one("#{a => 1, a => 2}.") == ErlMap(((Atom("a"), 2),))


def test_comments_and_several_terms() -> None:
    text = "%% header\n{a, 1}. % trailing\n\n[b]. %% last\n"
    assert parse_terms(text) == ((Atom("a"), 1), ErlList((Atom("b"),)))


def test_end_dot_may_be_followed_by_comment_or_end_of_input() -> None:
    assert parse_terms("a.%c\nb.") == (Atom("a"), Atom("b"))
    assert parse_terms("a.") == (Atom("a"),)


def test_empty_text_has_no_terms() -> None:
    assert parse_terms("") == ()
    assert parse_terms("  %% nothing\n") == ()


def test_repeated_literals_share_one_object() -> None:
    term = one("{brutal_purge, brutal_purge}.")
    assert isinstance(term, tuple)
    first, second = term
    assert first is second


# parse_first_term --------------------------------------------------------


def test_first_term_ignores_anything_after_its_dot() -> None:
    assert parse_first_term('{release, "1"}. "unterminated $$ \x00 garbage') == (
        Atom("release"),
        erl_string("1"),
    )


def test_first_term_of_empty_text_is_an_error() -> None:
    with pytest.raises(TermSyntaxError, match="no term found"):
        parse_first_term("%% only a comment\n")


# Syntax errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("{a, b", 1, 6, "unexpected end of input, expected ',' or '}' in tuple"),
        ("[a b].", 1, 4, "expected ',', '|' or ']' in list, found atom 'b'"),
        ("{a, b]].", 1, 6, "expected ',' or '}' in tuple, found ']'"),
        ("[a | b, c].", 1, 7, "expected ']' after the tail of a list, found ','"),
        ("[a,].", 1, 4, "expected a term, found ']'"),
        ("{a, X}.", 1, 5, "variable 'X' is not allowed in a term"),
        ("{a, _}.", 1, 5, "variable '_' is not allowed in a term"),
        ("\n  end.", 2, 3, "'end' is a reserved word"),
        ('{a,\n "abc', 2, 2, "unterminated string"),
        ("'abc", 1, 1, "unterminated quoted atom"),
        ("#{a := 1}.", 1, 5, "expected '=>' after a map key (':=' only updates maps)"),
        ("#{a}.", 1, 4, "expected '=>' after a map key, found '}'"),
        ("#rec{a = 1}.", 1, 2, "expected '{' after '#'"),
        ("fun() -> ok end.", 1, 4, "expected the module of fun M:F/A, an atom, found '('"),
        ("fun f/1.", 1, 6, "expected ':' in fun M:F/A (a local fun is no term), found '/'"),
        ("fun m:f/256.", 1, 9, "fun arity 256 is over 255"),
        ("fun m:F/1.", 1, 7, "expected the function of fun M:F/A, an atom, found variable 'F'"),
        ("(a, b).", 1, 3, "expected ')' after the term in parentheses, found ','"),
        ("().", 1, 2, "expected a term in parentheses, found ')'"),
        ("-(-(1)).", 1, 3, "expected a number after unary '-', found '-'"),
        ("<<(1:8)>>.", 1, 5, "expected ')', found ':'"),
        ("a + 1.", 1, 3, "expected '.' after the term, found '+'"),
        ("f(x).", 1, 2, "expected '.' after the term, found '('"),
        ("{a}", 1, 4, "unexpected end of input, missing '.'"),
        ("{a}.b.", 1, 4, "found '.' (an end-dot needs white space after it)"),
        ("a\tb.", 1, 3, "found atom 'b'"),
        ("π.", 1, 1, "expected a term, found 'π'"),
    ],
)
def test_syntax_error_positions(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(TermSyntaxError) as caught:
        parse_terms(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert message in error.message


def test_error_text_has_path_line_column_and_caret() -> None:
    with pytest.raises(TermSyntaxError) as caught:
        parse_terms("{ok,\n  [a b]}.\n", Path("rel/foo.rel"))
    assert str(caught.value) == (
        "rel/foo.rel:2:6: expected ',', '|' or ']' in list, found atom 'b'\n"
        "      [a b]}.\n"
        "         ^"
    )


def test_error_without_path_says_text() -> None:
    with pytest.raises(TermSyntaxError) as caught:
        parse_terms("[a b].")
    assert str(caught.value).startswith("<text>:1:4: ")


def test_nesting_beyond_the_cap_is_a_clean_error() -> None:
    deep_ok = "[" * MAX_NESTING + "]" * MAX_NESTING + "."
    assert isinstance(one(deep_ok), ErlList)
    with pytest.raises(TermSyntaxError, match="nested deeper than"):
        parse_terms("[" * 10_000 + "]" * 10_000 + ".")
    with pytest.raises(TermSyntaxError, match="nested deeper than"):
        parse_terms("{" * (MAX_NESTING + 1) + "a" + "}" * (MAX_NESTING + 1) + ".")


def test_big_input_reads_in_linear_time() -> None:
    instruction = '{load_module, mod_{n}, brutal_purge, brutal_purge, [dep, "s{n}", <<"b">>]}'
    body = ",\n    ".join(instruction.replace("{n}", str(n)) for n in range(20_000))
    text = '{"2.0", [{"1.0", [], [\n    ' + body + "]}], []}.\n"
    assert len(text) > 1_000_000
    started = time.perf_counter()
    term = one(text)
    elapsed = time.perf_counter() - started
    assert isinstance(term, tuple)
    version, upgrades, _downgrades = term
    assert version == erl_string("2.0")
    assert isinstance(upgrades, ErlList)
    (upgrade,) = upgrades.items
    assert isinstance(upgrade, tuple)
    assert isinstance(upgrade[2], ErlList)
    assert len(upgrade[2]) == 20_000
    assert elapsed < 3.0, f"1 MB took {elapsed:.2f} s"


# Files ---------------------------------------------------------------------


def test_read_terms_file_defaults_to_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sys.config"
    path.write_text('[{app, "é"}].\n{other}.\n', encoding="utf-8")
    assert read_terms_file(path) == (
        ErlList(((Atom("app"), ErlList((233,))),)),
        (Atom("other"),),
    )


def test_latin1_coding_comment_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "old.app"
    path.write_bytes(b'%% -*- coding: latin-1 -*-\n{application, x, [{d, "\xe9"}]}.\n')
    assert read_first_term_file(path) == (
        Atom("application"),
        Atom("x"),
        ErlList(((Atom("d"), ErlList((0xE9,))),)),
    )


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        (b"%% coding: latin-1\n", "latin-1"),
        (b"\n%% coding=LATIN-1\n", "latin-1"),
        (b"%% coding: utf-8\n", "utf-8"),
        (b"%% coding: latin1\n", "utf-8"),
        (b"\n\n%% coding: latin-1\n", "utf-8"),
        (b"{a}. % coding: latin-1\n", "latin-1"),
        (b"coding: latin-1\n", "utf-8"),
    ],
)
def test_source_encoding_follows_epp(header: bytes, encoding: str) -> None:
    assert source_encoding(header + b"ok.\n") == encoding


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.rel"
    with pytest.raises(InputError) as caught:
        read_terms_file(path)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"
    assert not isinstance(caught.value, TermSyntaxError)


def test_invalid_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.app"
    path.write_bytes(b'{a, "\xe9"}.\n')
    with pytest.raises(InputError, match=r"bad\.app: not valid utf-8 text at byte 5"):
        read_first_term_file(path)


def test_binary_garbage_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.rel"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError) as caught:
        read_first_term_file(path)
    assert str(path) in str(caught.value)
