"""The external term format decoder, on encodings written out by hand from the spec.

tests/oracle/test_beam_against_erlang.py checks the same decoder against what
``term_to_binary`` really writes; here each tag, each refusal and each limit
gets its own small case.
"""

from __future__ import annotations

import contextlib
import math
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffing.errors import TermDecodeError
from diffing.etf import (
    MAX_DEPTH,
    bare_prefix,
    decode_bare_term,
    decode_term,
    peek_atom,
)
from diffing.terms import NIL, Atom, ErlList, OpaqueTerm, Term
from unit.diffing.etf_samples import (
    ERRORS,
    OPAQUE,
    VALID,
    compressed,
    small_atom,
    uint32,
)


@pytest.mark.parametrize(("name", "data", "expected"), VALID, ids=[case[0] for case in VALID])
def test_decodes_each_tag(name: str, data: bytes, expected: Term) -> None:
    decoded = decode_term(data)
    assert decoded == expected
    assert type(decoded) is type(expected)


@pytest.mark.parametrize(("name", "bare", "kind"), OPAQUE, ids=[case[0] for case in OPAQUE])
def test_pids_ports_references_and_funs_keep_their_encoding(
    name: str, bare: bytes, kind: str
) -> None:
    assert decode_term(b"\x83" + bare) == OpaqueTerm(kind, bare)
    # The term's length was taken right: what follows it still decodes.
    assert decode_term(b"\x83h\x02" + bare + b"a\x07") == (OpaqueTerm(kind, bare), 7)


def test_compressed_terms_inflate() -> None:
    bare = b"l" + uint32(3) + b"a\x01a\x02" + small_atom("x") + b"j"
    assert decode_term(compressed(bare)) == ErlList((1, 2, Atom("x")))


def test_bare_terms_have_no_version_byte() -> None:
    assert decode_bare_term(b"h\x01a\x05") == (5,)


def test_bytes_after_the_term_are_ignored_as_binary_to_term_does() -> None:
    assert decode_term(b"\x83a\x01\xff\xff") == 1


def test_float_minus_zero_stays_negative() -> None:
    value = decode_term(b"\x83F" + struct.pack(">d", -0.0))
    assert isinstance(value, float) and math.copysign(1.0, value) == -1.0


@pytest.mark.parametrize(("name", "data", "message"), ERRORS, ids=[case[0] for case in ERRORS])
def test_refuses_bad_encodings(name: str, data: bytes, message: str) -> None:
    with pytest.raises(TermDecodeError, match=message):
        decode_term(data)


def test_errors_name_the_file_and_the_context() -> None:
    with pytest.raises(TermDecodeError) as caught:
        decode_term(b"\x83h\x01\xff", path=Path("ebin/m.beam"), context="Attr chunk")
    assert str(caught.value) == "ebin/m.beam: Attr chunk: unknown term tag 255 at byte 3"


def test_errors_inside_compressed_terms_say_so() -> None:
    with pytest.raises(TermDecodeError, match=r"term \(inflated\): unknown term tag 255 at byte 2"):
        decode_term(compressed(b"h\x01\xff"), context="term")


def test_compressed_size_limit_is_a_parameter() -> None:
    data = compressed(b"m" + uint32(1000) + bytes(1000))
    assert decode_term(data) == bytes(1000)
    with pytest.raises(TermDecodeError, match="claims 1005 bytes, over the 1000 allowed"):
        decode_term(data, max_decompressed=1000)


def _whole_encodings() -> list[bytes]:
    whole = [data for _, data, _ in VALID]
    whole += [b"\x83" + bare for _, bare, _ in OPAQUE]
    whole.append(compressed(b"l" + uint32(2) + b"a\x01a\x02j"))
    return whole


@pytest.mark.parametrize("data", _whole_encodings())
def test_every_truncation_is_refused(data: bytes) -> None:
    for end in range(len(data)):
        with pytest.raises(TermDecodeError, match=r"truncated|inflates to|cannot fit"):
            decode_term(data[:end])


def _nested_lists(depth: int) -> bytes:
    return b"\x83" + (b"l" + uint32(1)) * depth + b"j" * (depth + 1)


def test_nesting_up_to_the_limit_decodes_without_recursion() -> None:
    term = decode_term(_nested_lists(MAX_DEPTH))
    depth = 0
    while isinstance(term, ErlList) and term.items:
        term = term.items[0]
        depth += 1
    assert (depth, term) == (MAX_DEPTH, NIL)


def test_nesting_past_the_limit_is_refused() -> None:
    with pytest.raises(TermDecodeError, match=f"nested deeper than {MAX_DEPTH}"):
        decode_term(_nested_lists(MAX_DEPTH + 1))


def test_a_map_key_too_deep_for_python_is_a_decode_error() -> None:
    key = (b"l" + uint32(1)) * 900 + b"j" * 901
    with pytest.raises(TermDecodeError, match="map key nested too deeply"):
        decode_term(b"\x83t" + uint32(1) + key + b"a\x01")


DEBUG_INFO = (
    b"h\x03"
    + small_atom("debug_info_v1")
    + small_atom("erl_abstract_code")
    + b"h\x02"
    + small_atom("none")
    + b"j"
)


def test_peek_atom_reads_only_the_path() -> None:
    assert peek_atom(DEBUG_INFO, (1,)) == Atom("debug_info_v1")
    assert peek_atom(DEBUG_INFO, (3, 1)) == Atom("none")
    # A prefix is enough as long as the path fits in it.
    assert peek_atom(DEBUG_INFO[:-1], (3, 1)) == Atom("none")


def test_peek_atom_is_none_when_the_term_has_another_shape() -> None:
    assert peek_atom(DEBUG_INFO, (4,)) is None
    assert peek_atom(DEBUG_INFO, (3, 2)) is None
    assert peek_atom(DEBUG_INFO, (1, 1)) is None
    assert peek_atom(b"a\x01", (1,)) is None


def test_peek_atom_past_the_prefix_is_a_decode_error() -> None:
    with pytest.raises(TermDecodeError, match="truncated"):
        peek_atom(DEBUG_INFO[:20], (3, 1))


def test_bare_prefix_inflates_only_the_start() -> None:
    big = DEBUG_INFO[:-1] + b"l" + uint32(5000) + b"a\x01" * 5000 + b"jj"
    assert bare_prefix(compressed(big), 64) == big[:64]
    assert bare_prefix(b"\x83" + big, 64) == big[:64]
    with pytest.raises(TermDecodeError, match="expected version byte"):
        bare_prefix(big, 64)


@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_term_decode_error(data: bytes) -> None:
    for candidate in (data, b"\x83" + data, compressed(data)):
        with contextlib.suppress(TermDecodeError):
            decode_term(candidate)


@given(st.sampled_from(_whole_encodings()), st.data())
def test_damaged_encodings_decode_or_raise_term_decode_error(
    data: bytes, draw: st.DataObject
) -> None:
    damaged = bytearray(data)
    for _ in range(draw.draw(st.integers(1, 4))):
        damaged[draw.draw(st.integers(0, len(damaged) - 1))] = draw.draw(st.integers(0, 255))
    with contextlib.suppress(TermDecodeError):
        decode_term(bytes(damaged))
