"""Hand-written external term format encodings, shared by the unit and oracle tests.

Each is written out byte by byte from the format's description:
``VALID`` encodings with the term they stand for, ``OPAQUE`` (pids, ports,
references, funs) with their kind, and ``ERRORS`` that must be refused with
the message given (a regular expression).
"""

from __future__ import annotations

import math
import struct
import zlib

from diffing.terms import NIL, Atom, BitString, ErlList, ErlMap, Term, erl_string


def small_atom(name: str) -> bytes:
    encoded = name.encode()
    return bytes([119, len(encoded)]) + encoded


def uint32(value: int) -> bytes:
    return value.to_bytes(4, "big")


NODE = small_atom("node@host")
M_F = small_atom("m") + small_atom("f")

# (name, encoding with the version byte, term)
VALID: list[tuple[str, bytes, Term]] = [
    ("small integer", b"\x83a\x07", 7),
    ("integer", b"\x83b" + struct.pack(">i", -70000), -70000),
    ("small big", b"\x83n\x02\x00\x00\x01", 256),
    ("small big negative", b"\x83n\x01\x01\x05", -5),
    ("small big without digits", b"\x83n\x00\x00", 0),
    ("large big", b"\x83o" + uint32(9) + b"\x00" + bytes(8) + b"\x01", 2**64),
    ("new float", b"\x83F" + struct.pack(">d", -1.5), -1.5),
    ("old float", b"\x83c" + b"1.50000000000000000000e+00".ljust(31, b"\x00"), 1.5),
    ("atom", b"\x83d\x00\x03abc", Atom("abc")),
    ("latin-1 atom", b"\x83d\x00\x01\xe9", Atom("é")),
    ("small atom", b"\x83s\x01x", Atom("x")),
    ("utf-8 atom", b"\x83v\x00\x03" + "日".encode(), Atom("日")),
    ("small utf-8 atom", b"\x83" + small_atom("é"), Atom("é")),
    ("longest atom", b"\x83v" + (510).to_bytes(2, "big") + "é".encode() * 255, Atom("é" * 255)),
    ("true is an atom", b"\x83" + small_atom("true"), Atom("true")),
    ("small tuple", b"\x83h\x02a\x01a\x02", (1, 2)),
    ("empty tuple", b"\x83h\x00", ()),
    ("large tuple", b"\x83i" + uint32(1) + b"a\x01", (1,)),
    ("nil", b"\x83j", NIL),
    ("string", b"\x83k\x00\x02hi", erl_string("hi")),
    ("proper list", b"\x83l" + uint32(2) + b"a\x01a\x02j", ErlList((1, 2))),
    ("improper list", b"\x83l" + uint32(1) + b"a\x01" + small_atom("t"), ErlList((1,), Atom("t"))),
    ("list tail", b"\x83l" + uint32(1) + b"a\x01l" + uint32(1) + b"a\x02j", ErlList((1, 2))),
    ("list of no items is its tail", b"\x83l" + uint32(0) + b"a\x01", 1),
    ("nested", b"\x83h\x02l" + uint32(1) + b"h\x00jj", (ErlList(((),)), NIL)),
    ("binary", b"\x83m" + uint32(2) + b"ab", b"ab"),
    ("bitstring", b"\x83M" + uint32(2) + b"\x03\x01\xff", BitString(b"\x01\xe0", 3)),
    ("bitstring of 8 bits", b"\x83M" + uint32(1) + b"\x08\xff", b"\xff"),
    (
        "map",
        b"\x83t" + uint32(2) + small_atom("b") + b"a\x02" + small_atom("a") + b"a\x01",
        ErlMap(((Atom("a"), 1), (Atom("b"), 2))),
    ),
    ("empty map", b"\x83t" + uint32(0), ErlMap()),
]

# (name, encoding without the version byte, kind)
OPAQUE: list[tuple[str, bytes, str]] = [
    ("PID_EXT", b"g" + NODE + bytes(9), "pid"),
    ("NEW_PID_EXT", b"X" + NODE + bytes(12), "pid"),
    ("PORT_EXT", b"f" + NODE + bytes(5), "port"),
    ("NEW_PORT_EXT", b"Y" + NODE + bytes(8), "port"),
    ("V4_PORT_EXT", b"x" + NODE + bytes(12), "port"),
    ("REFERENCE_EXT", b"e" + NODE + bytes(5), "reference"),
    ("NEW_REFERENCE_EXT", b"r\x00\x02" + NODE + bytes(1 + 8), "reference"),
    ("NEWER_REFERENCE_EXT", b"Z\x00\x03" + NODE + bytes(4 + 12), "reference"),
    ("NEWER_REFERENCE_EXT without id words", b"Z\x00\x00" + NODE + bytes(4), "reference"),
    ("EXPORT_EXT", b"q" + small_atom("lists") + small_atom("map") + b"a\x02", "fun"),
    ("EXPORT_EXT arity 256", b"q" + M_F + b"b\x00\x00\x01\x00", "fun"),
    ("NEW_FUN_EXT", b"p" + uint32(4 + 6) + b"\x01" + b"\x07" * 5, "fun"),
]


def compressed(bare: bytes, declared: int | None = None) -> bytes:
    size = len(bare) if declared is None else declared
    return b"\x83P" + uint32(size) + zlib.compress(bare)


ERRORS: list[tuple[str, bytes, str]] = [
    ("empty", b"", "truncated at byte 0"),
    ("no version byte", b"a\x01", "expected version byte 131 at byte 0"),
    ("unknown tag", b"\x83\xff", "unknown term tag 255 at byte 1"),
    ("atom cache reference", b"\x83R\x00", "atom cache references"),
    ("tuple larger than the data", b"\x83i\xff\xff\xff\xff", "cannot fit in the 0 bytes left"),
    ("list larger than the data", b"\x83l\x00\x00\x00\x05a\x01j", "5 elements cannot fit"),
    ("map larger than the data", b"\x83t\x00\x00\x00\x03a\x01a\x01", "3 elements cannot fit"),
    ("NaN", b"\x83F" + struct.pack(">d", math.nan), "float is not finite at byte 1"),
    ("infinity", b"\x83F" + struct.pack(">d", math.inf), "float is not finite"),
    ("old float text", b"\x83c" + b"inf".ljust(31, b"\x00"), "bad float text"),
    ("old float with junk", b"\x83c" + b"1.0e+00x".ljust(31, b"\x00"), "bad float text"),
    ("bad UTF-8 atom", b"\x83w\x01\xff", "atom text is not valid UTF-8"),
    ("atom too long", b"\x83d\x01\x00" + b"a" * 256, "atom longer than 255 characters"),
    ("duplicate keys", b"\x83t" + uint32(2) + b"a\x01a\x02a\x01a\x03", "map has equal keys"),
    ("bitstring of 0 bits", b"\x83M" + uint32(1) + b"\x00\xff", "bad bitstring"),
    ("bitstring of 9 bits", b"\x83M" + uint32(1) + b"\x09\xff", "bad bitstring"),
    ("empty bitstring", b"\x83M" + uint32(0) + b"\x03", "bad bitstring"),
    ("reference without id words", b"\x83r\x00\x00" + NODE + bytes(1), "reference with 0"),
    ("reference with 6 id words", b"\x83Z\x00\x06" + NODE + bytes(28), "reference with 6"),
    ("fun size too small", b"\x83p" + uint32(2), "fun size 2 is too small"),
    ("export arity", b"\x83q" + M_F + b"j", "integer arity"),
    ("export arity < 0", b"\x83q" + M_F + b"b\xff\xff\xff\xff", "integer arity"),
    ("pid node not an atom", b"\x83Xa\x01" + bytes(12), "expected an atom at byte 2"),
    ("inflated size differs", compressed(b"a\x01", declared=5), "inflates to 2 bytes, not 5"),
    ("not zlib", b"\x83P" + uint32(2) + b"garbage", "bad compressed data"),
    ("inflated size over the limit", b"\x83P\xff\xff\xff\xff", "over the 67108864 allowed"),
]
