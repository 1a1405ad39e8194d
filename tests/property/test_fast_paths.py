"""Each fast path (issue 6) gives what the plain path it shortcuts gives, on any input.

The plain paths are the references: the full ETF decoder, the iterative
one-line term writer, ``json.dumps``, networkx's condensation order, pathlib.
A fast path may decline (return None, or hand over), never differ.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffing import beam_atoms, beam_terms, etf, etf_common, term_reader, term_writer
from diffing.beam import beam_code, split_beam
from diffing.beam_common import common_module_facts
from diffing.beam_files import beam_paths
from diffing.code_facts import ModuleFacts
from diffing.code_reader import _facts_of
from diffing.errors import TermDecodeError, TermSyntaxError
from diffing.etf_common import common_attribute_facts, common_term
from diffing.terms import Atom, ErlList, ErlMap, Term, term_order_key
from property.fuzz_targets import OTP_LIB, mutated_bytes, seeds
from property.term_strategies import erlang_terms, exact
from render.json_text import Rendered, indented_json
from upgrade.acyclic import acyclic_order, weak_components


def encode(term: Term) -> bytes:
    """A test-only ``term_to_binary`` (without the version byte) for text-form terms."""
    if isinstance(term, Atom):
        name = term.name.encode("utf-8")
        return bytes([119, len(name)]) + name if len(name) < 256 else b"v" + _u16(len(name)) + name
    if isinstance(term, bool):
        raise TypeError(term)
    if isinstance(term, int):
        return _integer(term)
    if isinstance(term, float):
        return b"F" + struct.pack(">d", term)
    if isinstance(term, bytes):
        return b"m" + _u32(len(term)) + term
    if isinstance(term, tuple):
        return b"h" + bytes([len(term)]) + b"".join(map(encode, term))
    if isinstance(term, ErlMap):
        return (
            b"t"
            + _u32(len(term.entries))
            + b"".join(encode(k) + encode(v) for k, v in term.entries)
        )
    assert isinstance(term, ErlList)
    if not term.items:
        return b"j" if term.tail is None else encode(term.tail)
    codes = term.items
    if term.tail is None and len(codes) < 65536 and all(_is_byte(code) for code in codes):
        return b"k" + _u16(len(codes)) + bytes(code for code in codes if isinstance(code, int))
    tail = b"j" if term.tail is None else encode(term.tail)
    return b"l" + _u32(len(term.items)) + b"".join(map(encode, term.items)) + tail


def _is_byte(term: Term) -> bool:
    return isinstance(term, int) and not isinstance(term, bool) and 0 <= term < 256


def _integer(value: int) -> bytes:
    if 0 <= value < 256:
        return bytes([97, value])
    if -(2**31) <= value < 2**31:
        return b"b" + struct.pack(">i", value)
    magnitude = abs(value).to_bytes((abs(value).bit_length() + 7) // 8, "little")
    return bytes([110, len(magnitude), value < 0]) + magnitude


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def full_decode(data: bytes) -> Term:
    """The full decoder alone, as before the fast path existed."""
    decoder = etf._Decoder(data, None, "test")
    return decoder.term()


def _compact_length(size: int) -> bytes:
    return bytes([size << 4]) if size < 16 else bytes([(size >> 3) & 0xE0 | 0x08, size & 0xFF])


@st.composite
def atom_tables(draw: st.DrawFn) -> tuple[str, bytes]:
    names = draw(st.lists(st.text(max_size=20), min_size=1, max_size=6))
    chunk_id = draw(st.sampled_from(["AtU8", "Atom"]))
    encoding = "utf-8" if chunk_id == "AtU8" else "latin-1"
    encoded = [name.encode(encoding, errors="replace")[:255] for name in names]
    if draw(st.booleans()):
        table = _u32(len(encoded)) + b"".join(bytes([len(e)]) + e for e in encoded)
    else:
        count = (-len(encoded)) & 0xFFFFFFFF
        table = _u32(count) + b"".join(_compact_length(len(e)) + e for e in encoded)
    data = bytearray(table)
    for _ in range(draw(st.integers(0, 2))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return chunk_id, bytes(data[: draw(st.integers(len(data) - 2, len(data)))])


class TestCommonTermDecoder:
    """``binary_to_term``: the fast path must decode exactly as the full decoder, or decline."""

    @given(erlang_terms())
    def test_encoded_terms_decode_alike(self, term: Term) -> None:
        data = encode(term)
        fast = common_term(b"\x83" + data, 1)
        if fast is not None:
            assert exact(fast) == exact(full_decode(data))
        assert exact(etf.decode_term(b"\x83" + data)) == exact(full_decode(data))

    @given(erlang_terms(max_leaves=8), st.integers(min_value=0), st.binary(min_size=1, max_size=3))
    def test_damaged_bytes_never_decode_differently(
        self, term: Term, where: int, garbage: bytes
    ) -> None:
        data = bytearray(encode(term))
        position = where % len(data)
        data[position : position + len(garbage)] = garbage
        fast = common_term(bytes(data), 0)
        if fast is None:
            return
        try:
            reference = full_decode(bytes(data))
        except TermDecodeError:
            pytest.fail("the fast path decoded bytes the full decoder refuses")
        assert exact(fast) == exact(reference)


class TestAtomTables:
    """beam_lib's atom table, both layouts: the one-loop readers give the same atoms, or
    hand over to the span reader, which says what is wrong."""

    @given(atom_tables())
    def test_same_atoms_or_same_error(self, table: tuple[str, bytes]) -> None:
        chunk_id, data = table
        try:
            expected: object = beam_atoms.atom_table({chunk_id: data}, None)
        except TermDecodeError as error:
            expected = str(error)
        original = beam_atoms._atom_names, beam_atoms._compact_atom_names
        beam_atoms._atom_names = beam_atoms._compact_atom_names = lambda *arguments: None
        try:
            reference: object = beam_atoms.atom_table({chunk_id: data}, None)
        except TermDecodeError as error:
            reference = str(error)
        finally:
            beam_atoms._atom_names, beam_atoms._compact_atom_names = original
        assert expected == reference


class TestFlatTermWriter:
    """``io_lib:format("~tp")``-like layout: the recursive one-line writer agrees with the
    iterative one at every budget, so every layout is the same text."""

    @given(erlang_terms(), st.one_of(st.integers(-5, 120), st.just(sys.maxsize)))
    def test_flat_within_agrees(self, term: Term, budget: int) -> None:
        fast = term_writer._flat_within(term, budget)
        assert fast == term_writer._flat_within_iteratively(term, budget)

    @given(erlang_terms(), st.integers(min_value=1, max_value=100))
    def test_layout_agrees(self, term: Term, width: int) -> None:
        fast = term_writer.format_term(term, width)
        original = term_writer._flat_within

        def iterative(term: Term, budget: int, depth: int = 0) -> str | None:
            return term_writer._flat_within_iteratively(term, budget)

        term_writer._flat_within = iterative  # the writer as it was, for this call only
        try:
            assert fast == term_writer.format_term(term, width)
        finally:
            term_writer._flat_within = original


_ATTRIBUTE_KEYS = st.sampled_from(["vsn", "behaviour", "behavior", "author", "dialyzer"]).map(Atom)
_ATTRIBUTES = st.lists(
    st.one_of(
        st.tuples(_ATTRIBUTE_KEYS, erlang_terms(max_leaves=4)),
        st.tuples(_ATTRIBUTE_KEYS, st.lists(_ATTRIBUTE_KEYS, max_size=3).map(tuple).map(ErlList)),
        st.tuples(erlang_terms(max_leaves=2), erlang_terms(max_leaves=2)),
        st.tuples(_ATTRIBUTE_KEYS),
    ),
    max_size=5,
).map(lambda entries: ErlList(tuple(entries)))


class TestAttributeFacts:
    """beam_lib:chunks(F, [attributes]) merges entries per key; vsn and behaviours read
    without merging are those of the merged list, and errors are the same."""

    @given(_ATTRIBUTES)
    def test_same_facts_as_the_merged_list(self, attributes: ErlList) -> None:
        data = b"\x83" + encode(attributes)
        try:
            merged = beam_terms.attributes(data, None)
        except TermDecodeError as error:
            with pytest.raises(TermDecodeError) as quick:
                beam_terms.attribute_facts(data, None)
            assert str(quick.value) == str(error)
            return
        facts = beam_terms.attribute_facts(data, None)
        expected = (True, beam_terms.vsn(merged), beam_terms.behaviours(merged))
        assert (facts[0], exact(facts[1]) if facts[1] is not None else None, facts[2]) == (
            expected[0],
            exact(expected[1]) if expected[1] is not None else None,
            expected[2],
        )


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=25,
)


class TestIndentedJson:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte."""

    @given(_JSON)
    def test_same_text_as_json_dumps(self, data: object) -> None:
        assert indented_json(data) == json.dumps(data, indent=2, ensure_ascii=False)

    @given(_JSON, st.integers(min_value=1, max_value=3))
    def test_a_level_is_the_text_of_a_value_that_deep(self, data: object, level: int) -> None:
        nested: object = data
        for _ in range(level):
            nested = [nested]
        whole = json.dumps(nested, indent=2, ensure_ascii=False)
        opening = "".join("[\n" + "  " * depth for depth in range(1, level + 1))
        closing = "".join("\n" + "  " * depth + "]" for depth in reversed(range(level)))
        assert whole == opening + indented_json(data, level=level) + closing


class TestRenderedJson:
    """Text written beforehand and placed as a value reads as the value written in place."""

    @given(_JSON, _JSON, st.integers(min_value=0, max_value=3))
    def test_placed_text_is_the_value_in_place(
        self, data: object, value: object, level: int
    ) -> None:
        placed = Rendered(indented_json(value))
        for holder, written in (({"a": data, "b": placed}, {"a": data, "b": value}),
                                ([placed, data], [value, data])):  # fmt: skip
            assert indented_json(holder, level) == indented_json(written, level)

    def test_the_standard_encoder_places_it_too(self) -> None:
        # A float makes the whole text json.dumps's, which is given the value back.
        holder = {"x": 1.5, "y": Rendered(indented_json({"k": ["v", 2]}))}
        assert indented_json(holder, 1) == indented_json({"x": 1.5, "y": {"k": ["v", 2]}}, 1)


_GRAPHS = st.integers(min_value=1, max_value=9).flatmap(
    lambda size: st.tuples(
        st.just(size),
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=size * 2),
    )
)


def _both_forms(
    graph: tuple[int, list[tuple[int, int]]],
) -> tuple[int, dict[int, set[int]], nx.DiGraph[int]]:
    """The graph as successor sets (what upgrade.acyclic takes) and as networkx's."""
    size, edges = graph
    successors: dict[int, set[int]] = {node: set() for node in range(size)}
    for source, target in edges:
        successors[source].add(target)
    reference: nx.DiGraph[int] = nx.DiGraph()
    reference.add_nodes_from(range(size))
    reference.add_edges_from(edges)
    return size, successors, reference


class TestAcyclicOrder:
    """systools_rc's dependency order: Kahn's algorithm taking the smallest key first is what
    networkx's lexicographical topological sort of the condensation gives when there is no cycle."""

    @given(_GRAPHS)
    def test_same_order_as_networkx_or_declines_on_cycles(
        self, graph: tuple[int, list[tuple[int, int]]]
    ) -> None:
        size, successors, reference = _both_forms(graph)
        order = acyclic_order(range(size), successors, key=lambda node: -node)
        if not nx.is_directed_acyclic_graph(reference):
            assert order is None
            return
        assert order == list(nx.lexicographical_topological_sort(reference, key=lambda n: -n))

    @given(_GRAPHS)
    def test_weak_components_as_networkx(self, graph: tuple[int, list[tuple[int, int]]]) -> None:
        size, successors, reference = _both_forms(graph)
        found = sorted(sorted(component) for component in weak_components(range(size), successors))
        expected = sorted(sorted(c) for c in nx.weakly_connected_components(reference))
        assert found == expected


class TestBeamPaths:
    """The .app's module names joined to the ebin directory exactly as pathlib joins them."""

    @given(
        st.sampled_from([".", "/", "lib/a-1/ebin", "/abs/ebin/", "a//b", "./x"]),
        st.lists(st.text(st.sampled_from("ab./_\\"), max_size=6), max_size=4),
    )
    def test_same_text_as_pathlib(self, directory: str, modules: list[str]) -> None:
        ebin = Path(directory)
        assert beam_paths(ebin, modules) == [str(ebin / f"{module}.beam") for module in modules]


class TestCompilerVsn:
    """The compiler's ``{vsn, [Integer]}`` read straight from its bytes is what the
    general attribute reader makes of it, with either atom encoding of the key, and
    so is every prefix of those bytes (both decline alike; neither raises)."""

    @given(
        st.integers(min_value=-(2**200), max_value=2**200),
        st.sampled_from([b"d\x00\x03vsn", b"w\x03vsn"]),
        st.lists(st.tuples(_ATTRIBUTE_KEYS, erlang_terms(max_leaves=3)), max_size=2),
    )
    def test_same_facts_as_the_general_reader(
        self, value: int, key: bytes, others: list[tuple[Atom, Term]]
    ) -> None:
        vsn_entry = b"h\x02" + key + encode(ErlList((value,)))
        entries = [vsn_entry, *(encode(entry) for entry in others)]
        whole = b"\x83l" + _u32(len(entries)) + b"".join(entries) + b"j"
        for end in range(len(whole) + 1):
            data = whole[:end]
            original = etf_common._compiler_vsn
            etf_common._compiler_vsn = lambda *arguments: None  # the general reader alone
            try:
                reference = common_attribute_facts(data)
            finally:
                etf_common._compiler_vsn = original
            fast = common_attribute_facts(data)
            assert (fast is None) == (reference is None)
            if fast is not None and reference is not None:
                assert exact(fast[0]) == exact(reference[0]) and fast[1] == reference[1]


def _plain_facts(data: bytes) -> ModuleFacts | TermDecodeError:
    """The facts as the plain read gives them (split, decode, build), or its error."""
    try:
        beam = split_beam(data)
        return _facts_of(beam, beam_code(beam))
    except TermDecodeError as error:
        return error


def _same_facts(fast: ModuleFacts, plain: ModuleFacts) -> bool:
    exact_vsn = exact(fast.vsn) if fast.vsn is not None else None
    return fast == plain and exact_vsn == (exact(plain.vsn) if plain.vsn is not None else None)


class TestCommonModuleFacts:
    """A beam read in one pass gives the facts the plain read gives, or declines; it never
    reads a beam the plain read refuses."""

    @given(mutated_bytes(seeds().beams))
    def test_same_facts_or_declines(self, data: bytes) -> None:
        fast = common_module_facts(data)
        if fast is None:
            return
        plain = _plain_facts(data)
        assert isinstance(plain, ModuleFacts), plain
        assert _same_facts(fast, plain)

    def test_every_cut_short_beam_is_declined(self) -> None:
        # A form size is checked against the bytes, so a beam cut anywhere is the plain
        # read's to refuse; the one-pass read must decline it without raising.
        for data in seeds().beams[:3]:
            cut_short = [common_module_facts(data[:end]) for end in range(len(data))]
            assert cut_short == [None] * len(data)
            assert common_module_facts(data) is not None

    def test_reads_real_beams_as_the_plain_read(self) -> None:
        # The examples' beams and, where Erlang is installed, a sample of OTP's:
        # the fast path must take the usual ones, or it saves nothing.
        beams = list(seeds().beams)
        if OTP_LIB.is_dir():
            beams += [path.read_bytes() for path in sorted(OTP_LIB.glob("stdlib-*/ebin/*.beam"))]
        taken = 0
        for data in beams:
            plain = _plain_facts(data)
            fast = common_module_facts(data)
            assert isinstance(plain, ModuleFacts)
            if fast is None:
                assert plain.supervisor is not None or _has_unusual_attributes(data), plain.name
                continue
            taken += 1
            assert _same_facts(fast, plain)
        assert taken >= len(beams) * 0.9


def _has_unusual_attributes(data: bytes) -> bool:
    """vsn or a behaviour given twice, which beam_lib merges: the fast path declines those."""
    attributes = etf.decode_term(split_beam(data).chunks["Attr"])
    assert isinstance(attributes, ErlList)
    keys = [entry[0] for entry in attributes.items if isinstance(entry, tuple)]
    repeated = {key for key in keys if keys.count(key) > 1}
    return bool(repeated & {Atom("vsn"), Atom("behaviour"), Atom("behavior")})


_TOKEN_SOUP = st.lists(
    st.sampled_from(
        ["a", "b_2", "fun", "end", "'q'", "X", "1", "-", ",", "[", "]", "{", "}", "#{", "=>",
         "|", ".", " ", "%c\n", '"s"', "<<", ">>", "x" * 256, "\u00e9t\u00e9", "ok@host"]
    ),
    max_size=14,
).map("".join)  # fmt: skip


class TestBareAtoms:
    """The term reader knows every bare atom of a text before it starts; reading gives the
    same terms, or the same error, as converting each atom when it is met."""

    @given(st.one_of(erlang_terms(max_leaves=12).map(lambda t: term_writer.format_term(t) + "."),
                     _TOKEN_SOUP))  # fmt: skip
    def test_same_terms_or_same_error(self, text: str) -> None:
        assert _read_terms(text) == _read_terms(text, known_atoms=False)


def _read_terms(text: str, known_atoms: bool = True) -> object:
    original = term_reader._bare_atoms
    if not known_atoms:
        term_reader._bare_atoms = lambda tokens: {}
    try:
        return [exact(term) for term in term_reader.parse_terms(text)]
    except TermSyntaxError as error:
        return str(error)
    finally:
        term_reader._bare_atoms = original


class TestMapsInKeyOrder:
    """A map whose atom keys come unique and in order is kept as given; any map equals the
    one built by keeping each key's last value and sorting the keys in term order."""

    @given(st.lists(st.tuples(st.sampled_from("abcde").map(Atom), erlang_terms(max_leaves=2))))
    def test_entries_as_the_general_rule(self, pairs: list[tuple[Term, Term]]) -> None:
        unique = dict(pairs)
        expected = tuple(sorted(unique.items(), key=lambda entry: term_order_key(entry[0])))
        assert [exact(entry) for entry in ErlMap(tuple(pairs)).entries] == [
            exact(entry) for entry in expected
        ]
        assert ErlMap(tuple(expected)) == ErlMap(tuple(pairs))
