"""The BEAM reader and the ETF decoder against real Erlang/OTP.

One ``erl`` run (the module fixture) compiles a set of modules (a
gen_server, a supervisor with literal child specs, funs, ``-vsn``, calls to
other modules, big literals, no debug info), makes ``beam_lib:strip``ped
(gzipped, as OTP writes them), unzipped-stripped and gzipped copies, loads
each variant, and writes what Erlang says about every file:
``beam_lib:md5``, ``Mod:module_info(md5)`` and ``module_info(exports)``,
``beam_lib:chunks`` exports, imports and attributes, the decoded literal
table, and the same ``beam_lib`` facts for a sample of the installed OTP's
beams, and its verdict (``binary_to_term``) on the unit tests' hand-written
encodings.  The tests compare our reader and decoder with all of it, read
every installed OTP beam, and fuzz real beams.  The ETF property sends
generated terms to Erlang (one run per batch) and decodes what
``term_to_binary/1,2`` gives back.
"""

from __future__ import annotations

import glob
import os
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from diffing.beam import BeamFile, parse_beam, read_beam
from diffing.erlang_install import find_erlang_root
from diffing.errors import TermDecodeError
from diffing.etf import decode_term
from diffing.term_reader import read_terms_file
from diffing.term_writer import format_consult_file
from diffing.terms import Atom, BitString, ErlList, ErlMap, OpaqueTerm, Term, erl_string
from property.term_strategies import erlang_terms, exact
from unit.diffing import etf_samples

pytestmark = pytest.mark.erlang

ERL_TIMEOUT = 300


def _installed_otp_beams() -> list[str]:
    root = find_erlang_root()
    return [] if root is None else sorted(glob.glob(str(root / "lib" / "*" / "ebin" / "*.beam")))


OTP_BEAMS = _installed_otp_beams()
OTP_SAMPLE_SIZE = 300
VARIANTS = ("plain", "stripped_gz", "stripped", "gzipped")
# The unit tests' hand-written encodings (the fake NEW_FUN_EXT body aside: we
# keep a fun's body opaque, Erlang checks it), with whether we accept them.
HANDMADE: list[tuple[bytes, bool]] = [
    *((data, True) for _, data, _ in etf_samples.VALID),
    *((b"\x83" + bare, True) for name, bare, _ in etf_samples.OPAQUE if name != "NEW_FUN_EXT"),
    *((data, False) for _, data, _ in etf_samples.ERRORS),
]

_BIG_LIST = ", ".join(f'{{item, {n}, <<"v{n}">>}}' for n in range(3000))
_BIG_MAP = ", ".join(f"k{n} => {n * 7}" for n in range(40))
_DEEP = "[" * 300 + "deep" + "]" * 300

SOURCES = {
    "rb_server": """
-module(rb_server).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, #{count => 0, name => <<"server">>}}.
handle_call(get, _From, State) -> {reply, maps:get(count, State), State}.
handle_cast(bump, #{count := N} = State) -> {noreply, State#{count := N + 1}}.
code_change("1.0", State, _Extra) -> {ok, State#{upgraded => true}};
code_change(_Old, State, _Extra) -> {ok, State}.
""",
    "rb_sup": """
-module(rb_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).
start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).
init([]) ->
    Flags = #{strategy => one_for_one, intensity => 5, period => 10},
    Children = [#{id => rb_server, start => {rb_server, start_link, []},
                  restart => permanent, shutdown => 5000, type => worker,
                  modules => [rb_server]},
                {rb_old_style, {rb_server, start_link, []}, transient, brutal_kill,
                 worker, dynamic}],
    {ok, {Flags, Children}}.
""",
    "rb_funs": """
-module(rb_funs).
-export([adders/1, mapper/0, apply_all/2]).
adders(N) -> [fun(X) -> X + N end, fun(X) -> X * N end, fun lists:reverse/1].
mapper() -> {fun lists:map/2, fun erlang:'+'/2, fun ?MODULE:apply_all/2}.
apply_all(Funs, X) -> [F(X) || F <- Funs].
""",
    "rb_vsn": """
-module(rb_vsn).
-vsn("2.1.0").
-behavior(application).
-behaviour('Elixir.GenServer').
-my_attr(first).
-my_attr([second, third]).
-other({tuple, "text"}).
-export([start/2, stop/1]).
start(_Type, _Args) -> rb_sup:start_link().
stop(_State) -> ok.
""",
    "rb_caller": """
-module(rb_caller).
-export([run/1]).
run(X) ->
    Y = lists:reverse(maps:keys(X)),
    _ = rb_server:start_link(),
    _ = 'Elixir.Some.Module':call(Y),
    ets:new(t, [public]),
    {string:length("abc"), erlang:phash2(Y), self()}.
""",
    "rb_big": f"""
-module(rb_big).
-export([all/0]).
all() -> [[{_BIG_LIST}],
          #{{{_BIG_MAP}}},
          <<"{"x" * 70000}">>,
          <<1:3>>, <<5:13>>,
          123456789012345678901234567890123456789,
          -98765432109876543210,
          3.141592653589793, -0.0, 1.0e300,
          'ünïcödé', '日本語', 'with space',
          "a string", [1, 2 | improper], {_DEEP},
          {{nested, {{tuple, [#{{inner => {{1, 2.5}}}}]}}}}].
""",
    "rb_nodebug": """
-module(rb_nodebug).
-export([f/0]).
f() -> {no, debug, info}.
""",
}

# compile, copy variants, load, and write every fact as a consultable term.
_ERLANG_SCRIPT = r"""
Out = os:getenv("OUT_DIR"),
Facts = fun(File) ->
    {ok, {Mod, Md5}} = beam_lib:md5(File),
    {ok, {Mod, [{exports, Exps}, {imports, Imps}]}} = beam_lib:chunks(File, [exports, imports]),
    Attrs = case beam_lib:chunks(File, [attributes]) of
        {ok, {Mod, [{attributes, A}]}} -> A;
        {error, beam_lib, {missing_chunk, _, _}} -> none
    end,
    {beam, File, Mod, Md5, Exps, lists:usort([M || {M, _, _} <- Imps]), Attrs}
end,
Plain = fun P([H | T]) -> P(H) andalso P(T);
            P(T) when is_tuple(T) -> lists:all(P, tuple_to_list(T));
            P(T) when is_map(T) -> P(maps:to_list(T));
            P(T) -> is_number(T) orelse is_atom(T) orelse is_binary(T) orelse T =:= []
        end,
Literals = fun(File) ->
    case beam_lib:chunks(File, ["LitT"], [allow_missing_chunks]) of
        {ok, {_, [{"LitT", missing_chunk}]}} -> [];
        {ok, {_, [{"LitT", <<_:32, Z/binary>>}]}} ->
            <<N:32, Table/binary>> = zlib:uncompress(Z),
            Split = fun S(0, <<>>) -> [];
                        S(K, <<Sz:32, L:Sz/binary, R/binary>>) -> [L | S(K - 1, R)] end,
            [case Plain(binary_to_term(L)) of
                 true -> {plain, binary_to_term(L)};
                 false -> {opaque, L}
             end || L <- Split(N, Table)]
    end
end,
Write = fun(Name, Bin) ->
    Path = filename:join([Out, Name]),
    ok = filelib:ensure_dir(Path), ok = file:write_file(Path, Bin), Path end,
CompileOne = fun(Source) ->
    Base = filename:basename(Source, ".erl"),
    Options = case Base of "rb_nodebug" -> []; _ -> [debug_info] end,
    {ok, Mod, Bin} = compile:file(Source, [binary, report_errors | Options]),
    Plain0 = Write("plain/" ++ Base ++ ".beam", Bin),
    {ok, {Mod, StrippedGz}} = beam_lib:strip(Bin),
    Variants = [{plain, Plain0},
                {stripped_gz, Write("stripped_gz/" ++ Base ++ ".beam", StrippedGz)},
                {stripped, Write("stripped/" ++ Base ++ ".beam", zlib:gunzip(StrippedGz))},
                {gzipped, Write("gzipped/" ++ Base ++ ".beam", zlib:gzip(Bin))}],
    Loaded = [begin
                  code:purge(Mod),
                  {ok, Data} = file:read_file(Path),
                  {module, Mod} = code:load_binary(Mod, Path, Data),
                  {loaded, Path, Mod:module_info(md5), Mod:module_info(exports)}
              end || {_, Path} <- Variants],
    [{literals, Plain0, Literals(Plain0)} | Loaded] ++ [Facts(Path) || {_, Path} <- Variants]
end,
Unframe = fun U(<<Size:32, B:Size/binary, R/binary>>) -> [B | U(R)]; U(<<>>) -> [] end,
Judge = fun(B) ->
    try binary_to_term(B) of
        T -> case Plain(T) of true -> {accepted, T}; false -> accepted_opaque end
    catch error:badarg -> refused
    end
end,
{ok, Handmade} = file:read_file(os:getenv("HANDMADE")),
Judged = [{handmade, Judge(B)} || B <- Unframe(Handmade)],
Sources = lists:sort(filelib:wildcard(filename:join(os:getenv("SRC_DIR"), "*.erl"))),
{ok, SampleText} = file:read_file(os:getenv("OTP_SAMPLE")),
Sample = [binary_to_list(L) || L <- binary:split(SampleText, <<"\n">>, [global]), L =/= <<>>],
All = lists:append([CompileOne(S) || S <- Sources]) ++ [Facts(F) || F <- Sample] ++ Judged,
Text = ["%% coding: utf-8\n" | [io_lib:format("~w.~n", [T]) || T <- All]],
ok = file:write_file(os:getenv("FACTS_OUT"), unicode:characters_to_binary(Text)),
halt(0).
"""

# Reads TERMS_IN and writes, per term, four length-prefixed term_to_binary results.
_ENCODE_SCRIPT = r"""
{ok, Terms} = file:consult(os:getenv("TERMS_IN")),
Frame = fun(B) -> <<(byte_size(B)):32, B/binary>> end,
Options = [[], [compressed], [{minor_version, 0}], [{minor_version, 2}, {compressed, 9}]],
Encoded = [[Frame(term_to_binary(T, Opts)) || Opts <- Options] || T <- Terms],
ok = file:write_file(os:getenv("BINARIES_OUT"), Encoded),
halt(0).
"""


def run_erl(script: str, environment: dict[str, str]) -> None:
    erl = shutil.which("erl")
    assert erl is not None  # the erlang marker skips (or fails) the test otherwise
    result = subprocess.run(
        [erl, "-noshell", "-noinput", "-eval", script],
        env={**os.environ, **environment, "ERL_CRASH_DUMP_BYTES": "0"},
        capture_output=True,
        text=True,
        timeout=ERL_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"erl failed:\n{result.stdout}\n{result.stderr}"


@dataclass(frozen=True)
class ErlangFacts:
    """What Erlang said, keyed by the beam file's path."""

    beams: dict[Path, tuple[Term, ...]]  # path -> (module, md5, exports, imports, attributes)
    loaded: dict[Path, tuple[Term, Term]]  # path -> (module_info(md5), module_info(exports))
    literals: dict[Path, ErlList]
    directory: Path
    handmade: list[Term]  # Erlang's verdict on each of HANDMADE, in order


def _sample(paths: list[str], size: int) -> list[str]:
    step = max(1, len(paths) // size)
    return paths[::step][:size]


@pytest.fixture(scope="module")
def erlang_facts(tmp_path_factory: pytest.TempPathFactory) -> ErlangFacts:
    directory = tmp_path_factory.mktemp("beams")
    sources = directory / "src"
    sources.mkdir()
    for name, text in SOURCES.items():
        (sources / f"{name}.erl").write_text(text, encoding="utf-8")
    sample = directory / "otp_sample.txt"
    sample.write_text("".join(f"{path}\n" for path in _sample(OTP_BEAMS, OTP_SAMPLE_SIZE)))
    handmade = directory / "handmade.bin"
    handmade.write_bytes(b"".join(len(data).to_bytes(4, "big") + data for data, _ in HANDMADE))
    facts_file = directory / "facts.config"
    run_erl(
        _ERLANG_SCRIPT,
        {
            "SRC_DIR": str(sources),
            "OUT_DIR": str(directory / "out"),
            "OTP_SAMPLE": str(sample),
            "FACTS_OUT": str(facts_file),
            "HANDMADE": str(handmade),
        },
    )
    facts = ErlangFacts({}, {}, {}, directory / "out", [])
    for term in read_terms_file(facts_file):
        match term:
            case (Atom("beam"), ErlList() as path, *rest):
                facts.beams[_path(path)] = tuple(rest)
            case (Atom("loaded"), ErlList() as path, md5, exports):
                facts.loaded[_path(path)] = (md5, exports)
            case (Atom("literals"), ErlList() as path, ErlList() as literals):
                facts.literals[_path(path)] = literals
            case (Atom("handmade"), verdict):
                facts.handmade.append(verdict)
            case _:
                raise AssertionError(f"unexpected fact {term!r}")
    return facts


def _path(term: ErlList) -> Path:
    return Path("".join(chr(code) for code in term.items if isinstance(code, int)))


def _names(term: Term) -> frozenset[tuple[str, int]]:
    assert isinstance(term, ErlList)
    pairs = set()
    for item in term.items:
        assert isinstance(item, tuple) and isinstance(item[0], Atom) and isinstance(item[1], int)
        pairs.add((item[0].name, item[1]))
    return frozenset(pairs)


def _atoms(term: Term) -> tuple[str, ...]:
    assert isinstance(term, ErlList)
    return tuple(sorted(item.name for item in term.items if isinstance(item, Atom)))


def _compiled(facts: ErlangFacts) -> list[Path]:
    return sorted(path for path in facts.beams if facts.directory in path.parents)


def test_every_variant_of_every_module_was_compiled(erlang_facts: ErlangFacts) -> None:
    assert len(_compiled(erlang_facts)) == len(SOURCES) * len(VARIANTS)
    assert len(erlang_facts.loaded) == len(SOURCES) * len(VARIANTS)


def test_erlang_agrees_with_the_hand_written_encodings(erlang_facts: ErlangFacts) -> None:
    assert len(erlang_facts.handmade) == len(HANDMADE)
    for (data, accepted), verdict in zip(HANDMADE, erlang_facts.handmade, strict=True):
        if not accepted:
            assert verdict == Atom("refused"), data
            continue
        ours = decode_term(data)
        match verdict:
            case (Atom("accepted"), term):
                assert exact(ours) == exact(term), data
            case Atom("accepted_opaque"):
                assert _contains_opaque_or_bits(ours), data
            case _:
                raise AssertionError(f"Erlang refuses {data!r}, we decode {ours!r}")


def test_md5_exports_imports_attributes_match_beam_lib(erlang_facts: ErlangFacts) -> None:
    for path in _compiled(erlang_facts):
        module, md5, exports, imports, attributes = erlang_facts.beams[path]
        beam = read_beam(path)
        assert Atom(beam.module) == module, path
        assert beam.md5 == md5, path
        assert beam.exports == _names(exports), path
        assert beam.imported_modules == _atoms(imports), path
        if attributes == Atom("none"):
            assert beam.attributes is None, path
        else:
            assert beam.attributes is not None, path
            assert exact(beam.attributes) == exact(attributes), path


def test_md5_and_exports_match_the_loaded_module(erlang_facts: ErlangFacts) -> None:
    for path, (md5, exports) in erlang_facts.loaded.items():
        beam = read_beam(path)
        assert beam.md5 == md5, path
        assert beam.exports == _names(exports), path


def test_variants_agree_on_md5_and_differ_only_in_what_strip_drops(
    erlang_facts: ErlangFacts,
) -> None:
    for name in SOURCES:
        beams = {
            variant: read_beam(erlang_facts.directory / variant / f"{name}.beam")
            for variant in VARIANTS
        }
        assert len({beam.md5 for beam in beams.values()}) == 1, name
        assert [beams[variant].gzipped for variant in VARIANTS] == [False, True, False, True]
        assert beams["stripped_gz"].attributes is None
        assert beams["stripped"].has_debug_info is False
        assert "Dbgi" not in beams["stripped"].chunk_ids
        assert beams["gzipped"].chunk_ids == beams["plain"].chunk_ids


def _plain(name: str, facts: ErlangFacts) -> BeamFile:
    return read_beam(facts.directory / "plain" / f"{name}.beam", literals=True)


def test_attribute_facts(erlang_facts: ErlangFacts) -> None:
    server = _plain("rb_server", erlang_facts)
    assert server.behaviours == ("gen_server",)
    assert ("code_change", 3) in server.exports
    assert server.has_debug_info is True
    assert isinstance(server.vsn, ErlList) and isinstance(server.vsn.items[0], int)
    application = _plain("rb_vsn", erlang_facts)
    assert application.behaviours == ("Elixir.GenServer", "application")
    # A list attribute value is stored as it is: -vsn("2.1.0") is {vsn, "2.1.0"}.
    assert application.vsn == erl_string("2.1.0")
    assert _plain("rb_nodebug", erlang_facts).has_debug_info is False
    assert _plain("rb_caller", erlang_facts).imported_modules == (
        "Elixir.Some.Module",
        "erlang",
        "ets",
        "lists",
        "maps",
        "rb_server",
        "string",
    )


def test_literals_decode_to_what_erlang_decodes(erlang_facts: ErlangFacts) -> None:
    checked_opaque = 0
    for path, expected in erlang_facts.literals.items():
        ours = read_beam(path, literals=True).literals
        assert ours is not None and len(ours) == len(expected.items), path
        for index, (literal, described) in enumerate(zip(ours, expected.items, strict=True)):
            match described:
                case (Atom("plain"), term):
                    assert exact(literal) == exact(term), f"{path} literal {index}"
                case (Atom("opaque"), bytes() as encoding):
                    checked_opaque += 1
                    if isinstance(literal, OpaqueTerm):
                        assert literal.encoding == encoding[1:], f"{path} literal {index}"
                    else:
                        assert _contains_opaque_or_bits(literal), f"{path} literal {index}"
    assert checked_opaque >= 3  # the two fun literals of rb_funs, rb_big's bitstrings


def _subterms(term: Term) -> Iterator[Term]:
    pending = [term]
    while pending:
        current = pending.pop()
        yield current
        if isinstance(current, tuple):
            pending.extend(current)
        elif isinstance(current, ErlList):
            pending.extend(current.items)
            if current.tail is not None:
                pending.append(current.tail)
        elif isinstance(current, ErlMap):
            pending.extend(part for entry in current.entries for part in entry)


def _contains_opaque_or_bits(term: Term) -> bool:
    return any(isinstance(part, OpaqueTerm | BitString) for part in _subterms(term))


def test_supervisor_child_specs_are_in_the_literals(erlang_facts: ErlangFacts) -> None:
    literals = _plain("rb_sup", erlang_facts).literals
    assert literals is not None
    parts = [part for literal in literals for part in _subterms(literal)]
    map_ids = [part.get(Atom("id")) for part in parts if isinstance(part, ErlMap)]
    assert Atom("rb_server") in map_ids
    old_style = (
        Atom("rb_old_style"),
        (Atom("rb_server"), Atom("start_link"), ErlList()),
        Atom("transient"),
        Atom("brutal_kill"),
        Atom("worker"),
        Atom("dynamic"),
    )
    assert old_style in parts


def test_otp_sample_matches_beam_lib(erlang_facts: ErlangFacts) -> None:
    sample = [path for path in erlang_facts.beams if erlang_facts.directory not in path.parents]
    assert len(sample) >= min(OTP_SAMPLE_SIZE, len(OTP_BEAMS)) > 0
    for path in sample:
        module, md5, exports, imports, attributes = erlang_facts.beams[path]
        beam = read_beam(path)
        assert (Atom(beam.module), beam.md5) == (module, md5), path
        assert beam.exports == _names(exports), path
        assert beam.imported_modules == _atoms(imports), path
        assert beam.attributes is not None, path
        assert exact(beam.attributes) == exact(attributes), path


def test_every_installed_otp_beam_reads_quickly() -> None:
    assert len(OTP_BEAMS) > 500
    files = [(Path(name), Path(name).read_bytes()) for name in OTP_BEAMS]
    started = time.perf_counter()
    beams = [parse_beam(data, path) for path, data in files]
    per_beam = (time.perf_counter() - started) / len(files)
    assert all(len(beam.md5) == 16 for beam in beams)
    # Well under a millisecond here; the bound leaves room for slow CI machines.
    assert per_beam < 0.005, f"{per_beam * 1000:.2f} ms per beam"
    for path, data in files:
        parse_beam(data, path, literals=True)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_damaged_beams_raise_only_term_decode_error(
    erlang_facts: ErlangFacts, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(_compiled(erlang_facts)))
    original = path.read_bytes()
    damaged = bytearray(original)
    if data.draw(st.booleans()):
        del damaged[data.draw(st.integers(0, len(original) - 1)) :]
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1)) if damaged else 0
        if damaged:
            damaged[position] ^= 1 << data.draw(st.integers(0, 7))
    try:
        parse_beam(bytes(damaged), path, literals=True)
    except TermDecodeError as error:
        assert str(path) in str(error)


@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(erlang_terms(), min_size=40, max_size=60))
def test_we_decode_what_term_to_binary_writes(terms: list[Term]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        written = Path(directory, "terms.config")
        binaries = Path(directory, "binaries.bin")
        written.write_text(format_consult_file(terms, ["coding: utf-8"]), encoding="utf-8")
        run_erl(_ENCODE_SCRIPT, {"TERMS_IN": str(written), "BINARIES_OUT": str(binaries)})
        encoded = _unframe(binaries.read_bytes())
    assert len(encoded) == 4 * len(terms)
    for index, data in enumerate(encoded):
        term = terms[index // 4]
        assert exact(decode_term(data)) == exact(term), (term, data)


def _unframe(data: bytes) -> list[bytes]:
    pieces = []
    position = 0
    while position < len(data):
        (size,) = struct.unpack_from(">I", data, position)
        pieces.append(data[position + 4 : position + 4 + size])
        position += 4 + size
    return pieces
