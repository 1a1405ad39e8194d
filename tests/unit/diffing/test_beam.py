"""The BEAM reader on small beams assembled here chunk by chunk.

tests/oracle/test_beam_against_erlang.py checks real compiler output against
``beam_lib`` and the loaded module; these cases pin each rule on its own: the
IFF layout, every chunk we read, the MD5's chunk list and FunT rule, gzip,
and the refusal of damaged files.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffing.beam import BeamFile, parse_beam, read_beam
from diffing.errors import InputError, TermDecodeError
from diffing.terms import NIL, Atom, ErlList, Term, erl_string


def uint32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def etf(term: Term) -> bytes:
    """The few ETF shapes these tests need, with the version byte."""
    return b"\x83" + _bare(term)


def _bare(term: Term) -> bytes:
    if isinstance(term, Atom):
        return bytes([119, len(term.name.encode())]) + term.name.encode()
    if isinstance(term, int):
        return bytes([97, term])
    if isinstance(term, tuple):
        return bytes([104, len(term)]) + b"".join(_bare(item) for item in term)
    if isinstance(term, ErlList) and term.tail is None:
        if not term.items:
            return b"j"
        return b"l" + uint32(len(term.items)) + b"".join(map(_bare, term.items)) + b"j"
    raise AssertionError(f"no test encoding for {term!r}")


def chunk(chunk_id: str, data: bytes) -> bytes:
    return chunk_id.encode() + uint32(len(data)) + data + bytes(-len(data) % 4)


def form(chunks: list[tuple[str, bytes]]) -> bytes:
    body = b"BEAM" + b"".join(chunk(chunk_id, data) for chunk_id, data in chunks)
    return b"FOR1" + uint32(len(body)) + body


def atom_table(*names: str) -> bytes:
    return uint32(len(names)) + b"".join(bytes([len(n.encode())]) + n.encode() for n in names)


def rows(*triples: tuple[int, int, int]) -> bytes:
    return uint32(len(triples)) + b"".join(struct.pack(">III", *row) for row in triples)


def _table(table: bytes) -> bytes:
    return uint32(len(table)) + zlib.compress(table)


def literal_table(*encoded: bytes, compress: bool = True) -> bytes:
    table = uint32(len(encoded)) + b"".join(uint32(len(item)) + item for item in encoded)
    return _table(table) if compress else uint32(0) + table


def fun_table(old_uniq: int) -> bytes:
    # One fun: function atom, arity, label, index, free variables, old uniq.
    return uint32(1) + struct.pack(">IIIIII", 2, 1, 9, 0, 0, old_uniq)


def atoms(*names: str) -> ErlList:
    return ErlList(tuple(Atom(name) for name in names))


ATOMS = ("demo", "start", "lists", "reverse", "erlang", "+")
ATU8 = atom_table(*ATOMS)
CODE = b"\x00\x00\x00\x10code bytes!"
IMPT = rows((3, 4, 1), (5, 6, 2))
EXPT = rows((2, 0, 7))
LITT = literal_table(etf((Atom("ok"), 1)), etf(atoms("a", "b")))
META = etf(ErlList(((Atom("enabled_features"), NIL),)))
ATTR = etf(
    ErlList(
        (
            (Atom("vsn"), ErlList((1,))),
            (Atom("behaviour"), atoms("gen_server")),
            (Atom("my"), atoms("a")),
            (Atom("behavior"), atoms("Elixir.Supervisor")),
            (Atom("my"), atoms("b", "c")),
            (Atom("other"), Atom("x")),
            (Atom("my"), Atom("tail")),
        )
    )
)
NO_DEBUG_INFO = etf((Atom("debug_info_v1"), Atom("erl_abstract_code"), (Atom("none"), NIL)))
DEBUG_INFO = etf((Atom("debug_info_v1"), Atom("erl_abstract_code"), (atoms("forms"), NIL)))


def demo_chunks(**changes: bytes | None) -> list[tuple[str, bytes]]:
    """The demo module's chunks in compiler order; a keyword replaces or (None) drops one."""
    chunks = {
        "AtU8": ATU8,
        "Code": CODE,
        "StrT": b"",
        "ImpT": IMPT,
        "ExpT": EXPT,
        "FunT": fun_table(0x12345678),
        "LitT": LITT,
        "Meta": META,
        "LocT": rows(),
        "Attr": ATTR,
        "CInf": etf(ErlList(((Atom("version"), erl_string("8.2.3")),))),
        "Dbgi": NO_DEBUG_INFO,
        "Line": b"line",
    }
    chunks.update(changes)  # type: ignore[arg-type]
    return [(chunk_id, data) for chunk_id, data in chunks.items() if data is not None]


def demo(**changes: bytes | None) -> bytes:
    return form(demo_chunks(**changes))


def test_reads_the_facts_of_a_module() -> None:
    beam = parse_beam(demo(), Path("ebin/demo.beam"))
    assert beam == BeamFile(
        module="demo",
        md5=beam.md5,
        exports=frozenset({("start", 0)}),
        imported_modules=("erlang", "lists"),
        attributes=ErlList(
            (
                (Atom("behavior"), atoms("Elixir.Supervisor")),
                (Atom("behaviour"), atoms("gen_server")),
                (Atom("my"), ErlList(tuple(atoms("a", "b", "c")), Atom("tail"))),
                (Atom("other"), Atom("x")),
                (Atom("vsn"), ErlList((1,))),
            )
        ),
        vsn=ErlList((1,)),
        behaviours=("Elixir.Supervisor", "gen_server"),
        compile_info=ErlList(((Atom("version"), erl_string("8.2.3")),)),
        literals=None,
        has_debug_info=False,
        has_docs=False,
        chunk_ids=tuple(chunk_id for chunk_id, _ in demo_chunks()),
        gzipped=False,
        path=Path("ebin/demo.beam"),
    )


def test_md5_is_over_the_md5_chunks_in_their_order_with_fun_uniq_zeroed() -> None:
    expected = hashlib.md5(ATU8 + CODE + IMPT + EXPT + fun_table(0) + LITT + META).digest()
    assert parse_beam(demo()).md5 == expected
    # The same chunks in another file order give the same hash.
    shuffled = form(list(reversed(demo_chunks())))
    assert parse_beam(shuffled).md5 == expected


def test_md5_ignores_the_other_chunks_and_the_fun_uniq() -> None:
    md5 = parse_beam(demo()).md5
    assert parse_beam(demo(Attr=None, CInf=None, Dbgi=None, Line=None, LocT=None)).md5 == md5
    assert parse_beam(demo(FunT=fun_table(0xFFFFFFFF))).md5 == md5


@pytest.mark.parametrize(
    "changes",
    [
        {"Code": CODE + b"\x00"},
        {"Meta": None},
        {"LitT": None},
        {"FunT": fun_table(0)[:-5] + b"\x01" + bytes(4)},  # the fun's free-variable count
        {"StrT": b"s"},
    ],
)
def test_md5_covers_every_md5_chunk(changes: dict[str, bytes | None]) -> None:
    assert parse_beam(demo(**changes)).md5 != parse_beam(demo()).md5


def test_gzipped_beams_read_the_same() -> None:
    plain = parse_beam(demo())
    zipped = parse_beam(gzip.compress(demo()))
    assert zipped.gzipped is True
    assert zipped.md5 == plain.md5
    assert zipped.attributes == plain.attributes


def test_literals_are_decoded_only_when_asked() -> None:
    assert parse_beam(demo()).literals is None
    expected = ((Atom("ok"), 1), atoms("a", "b"))
    assert parse_beam(demo(), literals=True).literals == expected
    raw_table = literal_table(etf((Atom("ok"), 1)), etf(atoms("a", "b")), compress=False)
    assert parse_beam(demo(LitT=raw_table), literals=True).literals == expected
    assert parse_beam(demo(LitT=None), literals=True).literals == ()


def test_literals_may_come_without_the_version_byte() -> None:
    table = literal_table(etf((Atom("ok"), 1))[1:])
    assert parse_beam(demo(LitT=table), literals=True).literals == ((Atom("ok"), 1),)


def test_stripped_attributes_leave_no_vsn_and_no_behaviours() -> None:
    beam = parse_beam(demo(Attr=None))
    assert (beam.attributes, beam.vsn, beam.behaviours) == (None, None, ())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Dbgi": None}, False),
        ({"Dbgi": b""}, False),
        ({"Dbgi": NO_DEBUG_INFO}, False),
        ({"Dbgi": DEBUG_INFO}, True),
        ({"Dbgi": b"\x83P" + uint32(len(DEBUG_INFO) - 1) + zlib.compress(DEBUG_INFO[1:])}, True),
        ({"Dbgi": b"\x00\x08des3_cbc" + b"secret"}, True),
        ({"Dbgi": etf((Atom("debug_info_v1"), Atom("elixir_erl"), (Atom("elixir_v1"),)))}, True),
        ({"Dbgi": None, "Abst": etf(NIL)}, True),
    ],
)
def test_debug_info(changes: dict[str, bytes | None], expected: bool) -> None:
    assert parse_beam(demo(**changes)).has_debug_info is expected


def test_docs_chunk() -> None:
    assert parse_beam(demo(Docs=etf(Atom("docs_v1")))).has_docs is True


def test_latin1_atom_table_of_old_compilers() -> None:
    names = ("démo", *ATOMS[1:])
    table = uint32(6) + b"".join(bytes([len(name)]) + name.encode("latin-1") for name in names)
    beam = parse_beam(form([("Atom", table), *demo_chunks(AtU8=None)]))
    assert beam.module == "démo"


def _compact_length(size: int) -> bytes:
    if size < 16:
        return bytes([size << 4])
    return bytes([((size >> 3) & 0xE0) | 0x08, size & 0xFF])


def test_negative_atom_count_means_compact_lengths() -> None:
    names = ("demo", "s" * 200, "lists", "reverse", "erlang", "é" * 255)
    table = (-len(names)).to_bytes(4, "big", signed=True) + b"".join(
        _compact_length(len(name.encode())) + name.encode() for name in names
    )
    beam = parse_beam(demo(AtU8=table))
    assert beam.module == "demo"
    assert beam.exports == frozenset({("s" * 200, 0)})
    assert beam.imported_modules == ("erlang", "lists")


def _chunk_at(data: bytes, chunk_id: str) -> int:
    return data.index(chunk_id.encode())


BROKEN: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not a BEAM file"),
    ("not a beam", b"\x7fELF" + bytes(40), "not a BEAM file"),
    ("bad form type", demo().replace(b"BEAM", b"BEEF", 1), "not a BEAM file"),
    ("truncated", demo()[:-8], r"form size says \d+ bytes, the file has \d+"),
    ("half a chunk header", b"FOR1" + uint32(8) + b"BEAMAtU8", "chunk header at byte 12"),
    ("missing Code", demo(Code=None), "BEAM file: no Code chunk"),
    ("missing ExpT", demo(ExpT=None), "BEAM file: no ExpT chunk"),
    ("no atom table", demo(AtU8=None), r"no atom table \(AtU8 or Atom chunk\)"),
    ("no atoms", demo(AtU8=uint32(0)), "AtU8 chunk: no atoms"),
    ("atom table short", demo(AtU8=ATU8[:-2]), "AtU8 chunk: truncated at byte 36"),
    ("atom table long", demo(AtU8=ATU8 + b"\x00"), "AtU8 chunk: 39 bytes do not hold exactly 6"),
    ("atom count too high", demo(AtU8=uint32(99) + ATU8[4:]), "AtU8 chunk: truncated at byte 38"),
    ("bad UTF-8 atom", demo(AtU8=uint32(1) + b"\x01\xff"), "AtU8 chunk: an atom is not utf-8"),
    ("ExpT size", demo(ExpT=EXPT + b"\x00"), "ExpT chunk: 17 bytes do not hold exactly 1"),
    ("ImpT size", demo(ImpT=IMPT[:3]), "ImpT chunk: truncated at byte 3"),
    ("ImpT atom", demo(ImpT=rows((3, 9, 1))), "ImpT chunk: atom index 9 out of range at byte 4"),
    ("ExpT atom", demo(ExpT=rows((0, 0, 1))), "ExpT chunk: atom index 0 out of range at byte 4"),
    ("twice", form([*demo_chunks(), ("ImpT", IMPT)]), "ImpT chunk: appears twice"),
    ("Attr ETF", demo(Attr=b"\x83\xff"), "Attr chunk: unknown term tag 255 at byte 1"),
    ("Attr shape", demo(Attr=etf(Atom("x"))), "Attr chunk: not a list"),
    ("Attr entry", demo(Attr=etf(atoms("x"))), "Attr chunk: an attribute is not a tuple"),
    ("Attr values", demo(Attr=etf(ErlList(((Atom("k"), 1), (Atom("k"), 2))))), "are not lists"),
    ("CInf ETF", demo(CInf=b"\x83"), "CInf chunk: truncated at byte 1"),
    ("Dbgi ETF", demo(Dbgi=b"\x84"), "Dbgi chunk: expected version byte"),
    ("bad gzip", gzip.compress(demo())[:-9], "gzip data: truncated"),
    ("not gzip", b"\x1f\x8b" + bytes(30), "gzip data: cannot decompress"),
]

# These are refused only when the literal table is decoded.
BROKEN_LITERALS: list[tuple[str, bytes, str]] = [
    ("LitT zlib", demo(LitT=uint32(20) + b"not zlib"), "LitT chunk: cannot decompress"),
    ("LitT size", demo(LitT=uint32(5) + LITT[4:]), r"LitT chunk: inflates to \d+ bytes, not 5"),
    ("LitT bomb", demo(LitT=uint32(2**31) + LITT[4:]), "LitT chunk: claims 2147483648 bytes"),
    ("LitT count", demo(LitT=literal_table(etf(1))[:-2]), "LitT chunk: inflates to"),
    ("literal", demo(LitT=literal_table(b"\x83\xff")), "LitT chunk: literal 0: unknown term tag"),
    ("literal size", demo(LitT=literal_table(etf(1))[:-1] + b"\x0f"), "LitT chunk: cannot"),
    ("literal cut", demo(LitT=_table(uint32(1) + uint32(9) + etf(1) * 2)), "literal 0 truncated"),
    ("too many", demo(LitT=literal_table(compress=False)[:4] + uint32(9)), "9 literals cannot"),
]


@pytest.mark.parametrize(("name", "data", "message"), BROKEN, ids=[case[0] for case in BROKEN])
def test_refuses_damaged_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(TermDecodeError, match=message) as caught:
        parse_beam(data, Path("ebin/broken.beam"))
    assert str(caught.value).startswith("ebin/broken.beam: ")


@pytest.mark.parametrize(
    ("name", "data", "message"), BROKEN_LITERALS, ids=[case[0] for case in BROKEN_LITERALS]
)
def test_refuses_damaged_literal_tables(name: str, data: bytes, message: str) -> None:
    parse_beam(data)
    with pytest.raises(TermDecodeError, match=message):
        parse_beam(data, literals=True)


def test_chunk_running_past_the_end() -> None:
    data = bytearray(demo())
    at = _chunk_at(bytes(data), "Line")
    data[at + 4 : at + 8] = uint32(1000)
    with pytest.raises(TermDecodeError, match=rf"Line chunk: size 1000 at byte {at} runs past"):
        parse_beam(bytes(data))


def test_a_last_chunk_without_padding_is_accepted_as_beam_lib_does() -> None:
    data = demo(Line=b"odd")
    body = data[8:-1]
    assert parse_beam(b"FOR1" + uint32(len(body)) + body).chunk_ids[-1] == "Line"


def test_read_beam_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.beam"
    path.write_bytes(demo())
    beam = read_beam(path, literals=True)
    assert (beam.path, beam.module, beam.literals is not None) == (path, "demo", True)


def test_a_missing_file_is_an_input_error_not_a_decode_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read BEAM file") as caught:
        read_beam(tmp_path / "absent.beam")
    assert not isinstance(caught.value, TermDecodeError)


SAMPLES = (demo(), gzip.compress(demo()), demo(Dbgi=DEBUG_INFO, LitT=literal_table(etf(1))))


@given(st.sampled_from(SAMPLES), st.data())
def test_damaged_beams_raise_only_term_decode_error(data: bytes, draw: st.DataObject) -> None:
    damaged = bytearray(data[: draw.draw(st.integers(0, len(data)))])
    for _ in range(draw.draw(st.integers(0, 6)) if damaged else 0):
        damaged[draw.draw(st.integers(0, len(damaged) - 1))] ^= 1 << draw.draw(st.integers(0, 7))
    with contextlib.suppress(TermDecodeError):
        parse_beam(bytes(damaged), literals=True)
