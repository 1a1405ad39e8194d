"""The term codec against real Erlang, in both directions.

* What we write, ``file:consult`` reads: generated terms go through our
  writer into a file, Erlang consults it and prints every term back with
  ``~w``, and our reader must find the very terms we started from.
* What Erlang writes, we read: tricky terms built by Erlang expressions are
  printed with ``~tp``, ``~p`` and ``~w``; our reader must give the term the
  expression denotes, for all three spellings.

Each direction is a single ``erl`` run per batch, to keep the suite fast.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from diffing.errors import TermSyntaxError
from diffing.term_reader import parse_first_term, read_terms_file
from diffing.term_writer import format_consult_file
from diffing.terms import NIL, Atom, ErlList, ErlMap, Term, erl_string
from property.term_strategies import erlang_terms, exact

pytestmark = pytest.mark.erlang

ERL_TIMEOUT = 60

# Reads TERMS_IN with file:consult and writes each term with ~w to TERMS_OUT.
_ECHO_WITH_W = """
case file:consult(os:getenv("TERMS_IN")) of
    {ok, Terms} ->
        Text = [io_lib:format("~w.~n", [Term]) || Term <- Terms],
        ok = file:write_file(os:getenv("TERMS_OUT"), unicode:characters_to_binary(Text)),
        halt(0);
    Error ->
        io:format(standard_error, "consult failed: ~tp~n", [Error]),
        halt(1)
end.
"""

# Evaluates each line of EXPRESSIONS_IN and writes the values with ~tp, ~p and ~w.
_PRINT_EXPRESSIONS = """
{ok, Source} = file:read_file(os:getenv("EXPRESSIONS_IN")),
Lines = [Line || Line <- string:split(unicode:characters_to_list(Source), "\\n", all),
                 Line =/= ""],
Evaluate = fun(Line) ->
    {ok, Tokens, _} = erl_scan:string(Line),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, Value, _} = erl_eval:exprs(Exprs, []),
    Value
end,
Values = [Evaluate(Line) || Line <- Lines],
Write = fun(Format, Variable) ->
    Text = ["%% coding: utf-8\\n" | [io_lib:format(Format, [Value]) || Value <- Values]],
    ok = file:write_file(os:getenv(Variable), unicode:characters_to_binary(Text))
end,
Write("~tp.~n", "OUT_TP"),
Write("~p.~n", "OUT_P"),
Write("~w.~n", "OUT_W"),
halt(0).
"""


def run_erl(script: str, environment: dict[str, str]) -> None:
    erl = shutil.which("erl")
    assert erl is not None  # the erlang marker skips (or fails) the test otherwise
    result = subprocess.run(
        [erl, "-noshell", "-noinput", "-eval", script],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=ERL_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"erl failed:\n{result.stdout}\n{result.stderr}"


@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(erlang_terms(), min_size=40, max_size=60))
def test_file_consult_reads_back_what_we_write(terms: list[Term]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        written = Path(directory, "terms.config")
        echoed = Path(directory, "echoed.config")
        written.write_text(format_consult_file(terms, ["coding: utf-8"]), encoding="utf-8")
        run_erl(_ECHO_WITH_W, {"TERMS_IN": str(written), "TERMS_OUT": str(echoed)})
        assert [exact(term) for term in read_terms_file(echoed)] == [exact(term) for term in terms]


def _nested_lists(depth: int) -> Term:
    term: Term = NIL
    for _ in range(depth):
        term = ErlList((term,))
    return term


_RELEASE = (
    Atom("release"),
    (erl_string("relup_test"), erl_string("2.0")),
    (Atom("erts"), erl_string("13.1")),
    ErlList(
        (
            (Atom("kernel"), erl_string("8.5")),
            (Atom("stdlib"), erl_string("4.2")),
            (Atom("sasl"), erl_string("4.2")),
            (Atom("myapp"), erl_string("2.0"), Atom("permanent")),
        )
    ),
)

# (Erlang expression, the term it evaluates to)
TRICKY_TERMS: list[tuple[str, Term]] = [
    ("'hello world'", Atom("hello world")),
    ("'Quoted'", Atom("Quoted")),
    ("'end'", Atom("end")),
    ("'maybe'", Atom("maybe")),
    ("''", Atom("")),
    ("node@host", Atom("node@host")),
    ("list_to_atom([16#65E5, 16#672C])", Atom("日本")),
    ("list_to_atom([233, $t, 233])", Atom("été")),
    ('list_to_atom("a\'b\\"c\\\\d")', Atom("a'b\"c\\d")),
    ("list_to_atom([0, 7, 10, 27, 127, 16#85])", Atom("\x00\x07\n\x1b\x7f\x85")),
    ("[]", NIL),
    ('"tab\\there\\nnew"', erl_string("tab\there\nnew")),
    ("lists:seq(32, 126)", erl_string("".join(map(chr, range(32, 127))))),
    ("[16#1F600, $a, 16#65E5]", erl_string("😀a日")),
    ("[0, 1, 2]", ErlList((0, 1, 2))),
    ("[$a, 16#7F]", ErlList((97, 127))),
    ("[$a, 16#85]", ErlList((97, 133))),
    ("lists:seq(1, 300)", ErlList(tuple(range(1, 301)))),
    ('[a, "b" | c]', ErlList((Atom("a"), erl_string("b")), Atom("c"))),
    ("[1, 2 | 3]", ErlList((1, 2), 3)),
    ("<<>>", b""),
    ('<<"abc">>', b"abc"),
    ("<<0, 1, 255>>", b"\x00\x01\xff"),
    ("<<233>>", b"\xe9"),
    ("unicode:characters_to_binary([233, 16#65E5])", "é日".encode()),
    ('binary:copy(<<"ab">>, 200)', b"ab" * 200),
    ("{}", ()),
    ("#{}", ErlMap()),
    (
        '#{a => 1, "k" => [x], {t} => <<"b">>, 2.5 => []}',
        ErlMap(
            (
                (Atom("a"), 1),
                (erl_string("k"), ErlList((Atom("x"),))),
                ((Atom("t"),), b"b"),
                (2.5, NIL),
            )
        ),
    ),
    ("1.0e16", 1e16),
    ("1.0e-300", 1e-300),
    ("-0.5", -0.5),
    ("0.1", 0.1),
    ("math:pi()", math.pi),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("-16#FFFFFFFFFFFFFFFFFF", -0xFFFFFFFFFFFFFFFFFF),
    ("$\\n", 10),
    ("lists:foldl(fun(_, A) -> [A] end, [], lists:seq(1, 60))", _nested_lists(60)),
    (
        '{release, {"relup_test", "2.0"}, {erts, "13.1"}, [{kernel, "8.5"}, '
        '{stdlib, "4.2"}, {sasl, "4.2"}, {myapp, "2.0", permanent}]}',
        _RELEASE,
    ),
    (
        '[{load_module, list_to_atom("mod_" ++ integer_to_list(N)), brutal_purge, '
        "brutal_purge, []} || N <- lists:seq(1, 12)]",
        ErlList(
            tuple(
                (
                    Atom("load_module"),
                    Atom(f"mod_{n}"),
                    Atom("brutal_purge"),
                    Atom("brutal_purge"),
                    NIL,
                )
                for n in range(1, 13)
            )
        ),
    ),
]


@pytest.fixture(scope="module")
def erlang_printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("erlang_printed")
    expressions = directory / "expressions.txt"
    expressions.write_text("".join(f"{source}.\n" for source, _ in TRICKY_TERMS), encoding="utf-8")
    outputs = {name: directory / f"{name}.config" for name in ("OUT_TP", "OUT_P", "OUT_W")}
    run_erl(
        _PRINT_EXPRESSIONS,
        {"EXPRESSIONS_IN": str(expressions), **{name: str(path) for name, path in outputs.items()}},
    )
    return outputs


@pytest.mark.parametrize("spelling", ["OUT_TP", "OUT_P", "OUT_W"])
def test_we_read_what_erlang_prints(erlang_printed: dict[str, Path], spelling: str) -> None:
    terms = read_terms_file(erlang_printed[spelling])
    assert len(terms) == len(TRICKY_TERMS)
    for (source, expected), actual in zip(TRICKY_TERMS, terms, strict=True):
        assert exact(actual) == exact(expected), f"{spelling} of {source}"


def test_tp_output_really_spans_several_lines(erlang_printed: dict[str, Path]) -> None:
    # The point of reading ~tp output is its multi-line layout; make sure it is there.
    text = erlang_printed["OUT_TP"].read_text(encoding="utf-8")
    assert text.count("\n") > len(TRICKY_TERMS) + 20


# Texts erl_parse:parse_term takes or refuses over parentheses and external
# funs (fun M:F/A); each on one line.
PARSE_TERM_TEXTS = (
    "[(a)]", "{(1), -(2)}", "<<(1)>>", "<<(-1):8>>", "<<-(1)>>", '<<("ab")>>', "<<1:(8)>>",
    "((a))", "#{(a) => (b)}", "[a|(b)]", "<<(1)/utf8>>", "-(1)", "(-1)", "({a, [(b)]})",
    "-(-(1))", '<<(<<"x">>)>>', '-("a")', "()", "(a, b)", "[(a]", "((a)", "(a))", "-()",
    "fun lists:map/2", "fun 'a b':c/0", "fun m:f/255", "[fun m:f/01, (fun m:f/16#2)]",
    "fun '\u00e9t\u00e9':'\u20ac'/0", "fun m:f/256", "fun f/1", "fun M:f/1", "fun m:f/-1",
    "fun m:f/(1)", "fun (m):f/1", "fun m:f", "-(fun m:f/1)", "fun fun:f/1",
)  # fmt: skip

# Parses each line of TEXTS_IN with erl_parse:parse_term: the term with ~w, or "error".
_PARSE_TERMS = """
{ok, Source} = file:read_file(os:getenv("TEXTS_IN")),
Lines = [L || L <- string:split(unicode:characters_to_list(Source), "\\n", all), L =/= ""],
Parse = fun(Line) ->
    case erl_scan:string(Line ++ ".") of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, Term} -> io_lib:format("~w.~n", [Term]);
                _ -> "error.\\n"
            end;
        _ -> "error.\\n"
    end
end,
ok = file:write_file(os:getenv("TERMS_OUT"), [Parse(Line) || Line <- Lines]),
halt(0).
"""


def test_texts_read_as_erl_parse_reads_them(tmp_path: Path) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(PARSE_TERM_TEXTS) + "\n", encoding="utf-8")
    answers = tmp_path / "answers.config"
    run_erl(_PARSE_TERMS, {"TEXTS_IN": str(texts), "TERMS_OUT": str(answers)})
    erlang = read_terms_file(answers)
    assert len(erlang) == len(PARSE_TERM_TEXTS)
    for text, answer in zip(PARSE_TERM_TEXTS, erlang, strict=True):
        try:
            ours: object = exact(parse_first_term(text + "."))
        except TermSyntaxError:
            ours = exact(Atom("error"))
        assert ours == exact(answer), text
