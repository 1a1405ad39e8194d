"""Decode Erlang's external term format, the bytes ``term_to_binary/1,2`` writes.

Terms come back as :mod:`diffing.terms` values:

* integers (``SMALL_INTEGER``, ``INTEGER``, ``SMALL_BIG``, ``LARGE_BIG``) as
  ``int``; floats (``NEW_FLOAT`` and the old 31-byte text ``FLOAT``) as
  ``float``, refusing NaN and infinities as ``binary_to_term`` does;
* atoms in all four spellings as :class:`Atom` (at most 255 characters);
* tuples, lists (proper and improper; ``STRING_EXT`` is an :class:`ErlList`
  of byte values), binaries as ``bytes``, maps as :class:`ErlMap`;
* ``BIT_BINARY`` as :class:`BitString`: ``data`` holds every byte, the last
  one with its unused low bits cleared, and ``trailing_bits`` (1..7) says how
  many of that byte's high bits count (eight make a plain binary);
* pids, ports, references and funs (``NEW_FUN``, ``EXPORT``) as
  :class:`OpaqueTerm` of kind ``pid``/``port``/``reference``/``fun`` holding
  the term's own encoding, tag byte included.

``decode_term`` wants the version byte 131 first and takes the zlib form
(tag 80) too; ``decode_bare_term`` reads a term without the version byte.
Both try :func:`diffing.etf_common.common_term` first, a faster decoder for
the usual small shapes that leaves anything else (errors included) to the
full decoder here.
Bytes after the term are ignored, as ``binary_to_term/1`` ignores them.

The decoder is iterative (open containers sit on an explicit stack), so deep
nesting costs no Python recursion; it still stops at :data:`MAX_DEPTH`
because later stages walk terms recursively.  Element counts are checked
against the bytes left before anything is built and decompression stops at
:data:`MAX_DECOMPRESSED`, so hostile input costs time and memory in
proportion to its size.  Bad input only raises
:class:`~diffing.errors.TermDecodeError`, naming the file, the context (for
example ``LitT chunk: literal 3``) and the byte offset.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from diffing.errors import TermDecodeError
from diffing.etf_common import MAX_ATOM_CHARACTERS, common_term
from diffing.terms import NIL, Atom, BitString, ErlList, ErlMap, OpaqueTerm, Term

VERSION_BYTE = 131
COMPRESSED_TAG = 80
MAX_DEPTH = 1000
MAX_DECOMPRESSED = 64 * 1024 * 1024

_ATOM_ENCODINGS = {100: "latin-1", 115: "latin-1", 118: "utf-8", 119: "utf-8"}
_SHORT_ATOM_TAGS = frozenset({115, 119})
_TUPLE_TAGS = frozenset({104, 105})
_INTEGER_TAGS = frozenset({97, 98, 110, 111})
# The old float form: the text of C's "%.20e", padded with NUL bytes to 31.
_FLOAT_TEXT = re.compile(rb"[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?")
_UINT16 = struct.Struct(">H")
_UINT32 = struct.Struct(">I")
_INT32 = struct.Struct(">i")
_DOUBLE = struct.Struct(">d")
_VERSION = bytes([VERSION_BYTE])
_COMPRESSED = bytes([COMPRESSED_TAG])


def decode_term(
    data: bytes,
    *,
    path: Path | None = None,
    context: str = "external term",
    max_decompressed: int = MAX_DECOMPRESSED,
) -> Term:
    """Decode ``term_to_binary`` output (version byte 131, plain or compressed).

    Args:
        data: the encoded term; anything after it is ignored.
        path: the file the bytes come from, for error messages.
        context: where in that file, for error messages (e.g. ``"Attr chunk"``).
        max_decompressed: refuse compressed terms that claim to be larger.

    Returns:
        The decoded term.

    >>> decode_term(bytes([131, 104, 2, 119, 2, 111, 107, 97, 7]))
    (Atom('ok'), 7)
    """
    if data[:1] == _VERSION and data[1:2] != _COMPRESSED:
        common = common_term(data, 1)
        if common is not None:
            return common
    decoder = _versioned(data, path, context)
    if data[1:2] != _COMPRESSED:
        return decoder.term()
    decoder.position = 2
    size = decoder.unpack(_UINT32)
    if size > max_decompressed:
        decoder.fail(f"compressed term claims {size} bytes, over the {max_decompressed} allowed", 2)
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(data[6:], size + 1)
    except zlib.error as error:
        decoder.fail(f"bad compressed data ({error})", 6)
    if len(inflated) != size:
        decoder.fail(f"compressed term inflates to {len(inflated)} bytes, not {size}", 6)
    if not inflater.eof:
        decoder.fail("compressed data truncated", len(data))
    return _Decoder(inflated, path, f"{context} (inflated)").term()


def decode_bare_term(data: bytes, *, path: Path | None = None, context: str = "term") -> Term:
    """Decode a term written without the version byte (its first byte is a tag)."""
    common = common_term(data, 0)
    if common is not None:
        return common
    return _Decoder(data, path, context).term()


def bare_prefix(
    data: bytes, size: int, *, path: Path | None = None, context: str = "external term"
) -> bytes:
    """Up to ``size`` bytes of the term's encoding after the version byte,
    inflating only that much of a compressed term (for :func:`peek_atom`)."""
    decoder = _versioned(data, path, context)
    if data[1:2] != bytes([COMPRESSED_TAG]):
        return data[1 : 1 + size]
    try:
        return zlib.decompressobj().decompress(data[6:], size)
    except zlib.error as error:
        decoder.fail(f"bad compressed data ({error})", 6)


def peek_atom(
    bare: bytes,
    indices: tuple[int, ...],
    *,
    path: Path | None = None,
    context: str = "term",
) -> Atom | None:
    """The atom at 1-based ``indices`` in nested tuples of ``bare``, read lazily.

    ``peek_atom(bare, (3, 1))`` is ``element(1, element(3, Term))`` when that
    is an atom, else None (also when the term is not shaped that way).  Only
    the elements before the path are decoded, so a prefix of a huge term from
    :func:`bare_prefix` is enough; running off its end is a TermDecodeError.
    """
    decoder = _Decoder(bare, path, context)
    for index in indices:
        tag = decoder.byte()
        if tag not in _TUPLE_TAGS:
            return None
        arity = decoder.byte() if tag == 104 else decoder.unpack(_UINT32)
        if not 1 <= index <= arity:
            return None
        for _ in range(index - 1):
            decoder.term()
    start = decoder.position
    if decoder.byte() not in _ATOM_ENCODINGS:
        return None
    return decoder.atom(start)


def _versioned(data: bytes, path: Path | None, context: str) -> _Decoder:
    decoder = _Decoder(data, path, context)
    if decoder.byte() != VERSION_BYTE:
        decoder.fail(f"expected version byte {VERSION_BYTE}", 0)
    return decoder


@dataclass(slots=True)
class _Frame:
    """A container being filled: ``needed`` children, then built by ``kind``."""

    kind: str
    needed: int
    offset: int
    items: list[Term] = field(default_factory=list)


class _Decoder:
    """Bounds-checked reads of ``data`` from ``position``, and the term loop."""

    def __init__(self, data: bytes, path: Path | None, context: str) -> None:
        self.data = data
        self.position = 0
        self.path = path
        self.context = context
        self.atoms: dict[tuple[int, bytes], Atom] = {}

    def fail(self, message: str, offset: int) -> NoReturn:
        raise TermDecodeError(self.path, f"{self.context}: {message} at byte {offset}")

    def take(self, count: int) -> bytes:
        start = self.position
        end = start + count
        if end > len(self.data):
            self.fail("truncated", len(self.data))
        self.position = end
        return self.data[start:end]

    def byte(self) -> int:
        position = self.position
        if position >= len(self.data):
            self.fail("truncated", len(self.data))
        self.position = position + 1
        return self.data[position]

    def unpack(self, layout: struct.Struct) -> int:
        start = self.position
        if start + layout.size > len(self.data):
            self.fail("truncated", len(self.data))
        self.position = start + layout.size
        value: int = layout.unpack_from(self.data, start)[0]
        return value

    def term(self) -> Term:
        """Decode one term at ``position``."""
        stack: list[_Frame] = []
        scalars = _SCALARS
        try:
            while True:
                start = self.position
                tag = self.byte()
                scalar = scalars.get(tag)
                if scalar is not None:
                    value = scalar(self, start)
                else:
                    frame = self._open(tag, start, len(stack))
                    if frame.needed:
                        stack.append(frame)
                        continue
                    value = _build(frame, self)
                while stack:
                    frame = stack[-1]
                    frame.items.append(value)
                    if len(frame.items) < frame.needed:
                        break
                    stack.pop()
                    value = _build(frame, self)
                else:
                    return value
        except RecursionError:
            # terms.py hashes and orders map keys recursively; a key nested
            # past Python's recursion limit is refused here, not passed on.
            self.fail("map key nested too deeply", self.position)

    def _open(self, tag: int, start: int, depth: int) -> _Frame:
        if tag == 104:
            frame = _Frame("tuple", self._count(self.byte(), 1, start), start)
        elif tag == 105:
            frame = _Frame("tuple", self._count(self.unpack(_UINT32), 1, start), start)
        elif tag == 108:
            frame = _Frame("list", self._count(self.unpack(_UINT32), 1, start) + 1, start)
        elif tag == 116:
            frame = _Frame("map", 2 * self._count(self.unpack(_UINT32), 2, start), start)
        elif tag == 82:
            self.fail("atom cache references (distribution only) are not supported", start)
        else:
            self.fail(f"unknown term tag {tag}", start)
        if frame.needed and depth >= MAX_DEPTH:
            self.fail(f"terms nested deeper than {MAX_DEPTH}", start)
        return frame

    def _count(self, count: int, bytes_each: int, offset: int) -> int:
        left = len(self.data) - self.position
        if count * bytes_each > left:
            self.fail(f"{count} elements cannot fit in the {left} bytes left", offset)
        return count

    def atom(self, start: int) -> Atom:
        """The atom whose tag byte is at ``start`` (already read)."""
        tag = self.data[start]
        size = self.byte() if tag in _SHORT_ATOM_TAGS else self.unpack(_UINT16)
        raw = self.take(size)
        known = self.atoms.get((tag, raw))
        if known is None:
            try:
                name = raw.decode(_ATOM_ENCODINGS[tag])
            except UnicodeDecodeError:
                self.fail("atom text is not valid UTF-8", start)
            if len(name) > MAX_ATOM_CHARACTERS:
                self.fail(f"atom longer than {MAX_ATOM_CHARACTERS} characters", start)
            known = self.atoms[(tag, raw)] = Atom(name)
        return known

    def node_atom(self) -> Atom:
        start = self.position
        if self.byte() not in _ATOM_ENCODINGS:
            self.fail("expected an atom", start)
        return self.atom(start)

    def finite(self, value: float, start: int) -> float:
        if not math.isfinite(value):
            self.fail("float is not finite", start)
        return value

    def opaque(self, kind: str, start: int, fixed_size: int) -> OpaqueTerm:
        self.node_atom()
        self.take(fixed_size)
        return OpaqueTerm(kind, self.data[start : self.position])


def _big(decoder: _Decoder, size: int) -> int:
    sign = decoder.byte()
    magnitude = int.from_bytes(decoder.take(size), "little")
    return -magnitude if sign else magnitude


def _old_float(decoder: _Decoder, start: int) -> float:
    text = decoder.take(31).split(b"\x00", 1)[0]
    if _FLOAT_TEXT.fullmatch(text) is None:
        decoder.fail(f"bad float text {text!r}", start)
    return decoder.finite(float(text), start)


def _bit_binary(decoder: _Decoder, start: int) -> Term:
    size = decoder.unpack(_UINT32)
    bits = decoder.byte()
    data = decoder.take(size)
    if size == 0 or not 1 <= bits <= 8:
        decoder.fail(f"bad bitstring: {size} bytes, {bits} bits in the last", start)
    if bits == 8:
        return data
    last = data[-1] & (0xFF << (8 - bits)) & 0xFF
    return BitString(data[:-1] + bytes([last]), bits)


def _new_reference(decoder: _Decoder, start: int, creation_size: int) -> OpaqueTerm:
    # binary_to_term takes 0 to 5 id words in NEWER_REFERENCE, 1 to 5 in NEW_REFERENCE.
    words = decoder.unpack(_UINT16)
    if not (0 if creation_size == 4 else 1) <= words <= 5:
        decoder.fail(f"reference with {words} id words", start)
    decoder.node_atom()
    decoder.take(creation_size + 4 * words)
    return OpaqueTerm("reference", decoder.data[start : decoder.position])


def _new_fun(decoder: _Decoder, start: int) -> OpaqueTerm:
    # Size counts itself and all that follows, so the fun (its environment
    # included) is kept whole without being decoded.
    size = decoder.unpack(_UINT32)
    if size < 4:
        decoder.fail(f"fun size {size} is too small", start)
    decoder.take(size - 4)
    return OpaqueTerm("fun", decoder.data[start : decoder.position])


def _export(decoder: _Decoder, start: int) -> OpaqueTerm:
    decoder.node_atom()
    decoder.node_atom()
    arity_at = decoder.position
    tag = decoder.byte()
    arity = _SCALARS[tag](decoder, arity_at) if tag in _INTEGER_TAGS else None
    if not isinstance(arity, int) or arity < 0:
        decoder.fail("expected a non-negative integer arity", arity_at)
    return OpaqueTerm("fun", decoder.data[start : decoder.position])


def external_fun(module: str, function: str, arity: int) -> OpaqueTerm:
    """``fun Module:Function/Arity`` as OTP 25's ``term_to_binary`` encodes it (latin-1
    atoms as ``ATOM_EXT``, others in UTF-8), so it equals one met in a literal table.

    >>> external_fun("lists", "map", 2).encoding
    b'qd\\x00\\x05listsd\\x00\\x03mapa\\x02'
    """
    if not 0 <= arity <= 255:
        raise ValueError(f"fun arity {arity} is not 0..255")
    return OpaqueTerm(
        "fun", b"q" + _atom_bytes(module) + _atom_bytes(function) + bytes([97, arity])
    )


def _atom_bytes(name: str) -> bytes:
    try:
        latin = name.encode("latin-1")
    except UnicodeEncodeError:
        utf8 = name.encode("utf-8")
        if len(utf8) < 256:
            return b"w" + bytes([len(utf8)]) + utf8
        return b"v" + len(utf8).to_bytes(2, "big") + utf8
    return b"d" + len(latin).to_bytes(2, "big") + latin


def external_fun_parts(term: OpaqueTerm) -> tuple[str, str, int] | None:
    """The module, function and arity of an external fun (``EXPORT_EXT``), else None
    (a local fun, a pid, a port or a reference has no text form)."""
    if term.kind != "fun" or term.encoding[:1] != b"q":
        return None
    decoder = _Decoder(term.encoding, None, "fun")
    decoder.position = 1
    try:
        module, function = decoder.node_atom(), decoder.node_atom()
        arity_at = decoder.position
        tag = decoder.byte()
        arity = _SCALARS[tag](decoder, arity_at) if tag in _INTEGER_TAGS else None
    except TermDecodeError:
        return None
    if not isinstance(arity, int):
        return None
    return module.name, function.name, arity


_SCALARS: dict[int, Callable[[_Decoder, int], Term]] = {
    97: lambda decoder, _: decoder.byte(),
    98: lambda decoder, _: decoder.unpack(_INT32),
    110: lambda decoder, _: _big(decoder, decoder.byte()),
    111: lambda decoder, _: _big(decoder, decoder.unpack(_UINT32)),
    70: lambda decoder, start: decoder.finite(_DOUBLE.unpack(decoder.take(8))[0], start),
    99: _old_float,
    106: lambda decoder, _: NIL,
    107: lambda decoder, _: ErlList(tuple(decoder.take(decoder.unpack(_UINT16)))),
    109: lambda decoder, _: decoder.take(decoder.unpack(_UINT32)),
    77: _bit_binary,
    103: lambda decoder, start: decoder.opaque("pid", start, 9),
    88: lambda decoder, start: decoder.opaque("pid", start, 12),
    102: lambda decoder, start: decoder.opaque("port", start, 5),
    89: lambda decoder, start: decoder.opaque("port", start, 8),
    120: lambda decoder, start: decoder.opaque("port", start, 12),
    101: lambda decoder, start: decoder.opaque("reference", start, 5),
    114: lambda decoder, start: _new_reference(decoder, start, 1),
    90: lambda decoder, start: _new_reference(decoder, start, 4),
    112: _new_fun,
    113: _export,
    **{tag: _Decoder.atom for tag in _ATOM_ENCODINGS},
}


def _build(frame: _Frame, decoder: _Decoder) -> Term:
    items = frame.items
    if frame.kind == "tuple":
        return tuple(items)
    if frame.kind == "list":
        if len(items) == 1:
            # A zero-length LIST_EXT is just its tail, as in binary_to_term.
            return items[0]
        tail = items.pop()
        if isinstance(tail, ErlList):
            # Join a list tail here: cheaper than ErlList's own normalising.
            return ErlList((*items, *tail.items), tail.tail)
        return ErlList(tuple(items), tail)
    pairs = tuple(zip(items[0::2], items[1::2], strict=True))
    result = ErlMap(pairs)
    if len(result.entries) != len(pairs):
        decoder.fail("map has equal keys (duplicates, or keys like 1 and 1.0)", frame.offset)
    return result
