"""A fast path for the external terms beams are full of, tried before the full decoder.

Attributes (``Attr``), compile info and most literals are small, shallow
terms of atoms, integers, tuples, lists, strings, binaries and maps.  The full
decoder in :mod:`diffing.etf` is iterative, checks every count before it
builds anything and explains every error; for thousands of beams that care
costs more than the rest of the read.  :func:`common_term` decodes those
shapes with plain recursion and gives up (returns None) at anything else:
another tag, nesting deeper than :data:`MAX_COMMON_DEPTH`, an atom the full
decoder would refuse, or bytes that run out.  The caller then runs the full
decoder, which builds the same term or raises the error, so the result never
depends on which path ran.
"""

from __future__ import annotations

from diffing.terms import NIL, Atom, ErlList, ErlMap, Term

MAX_COMMON_DEPTH = 64
# Defined here, not in diffing.etf, because etf imports this module.
MAX_ATOM_CHARACTERS = 255


class _Unusual(Exception):
    """Not a common shape, or not well formed: the full decoder decides."""


def common_term(data: bytes, position: int) -> Term | None:
    """The term encoded at ``position`` (after the version byte), or None to use the full decoder.

    >>> common_term(bytes([131, 104, 2, 119, 2, 111, 107, 97, 7]), 1)
    (Atom('ok'), 7)
    """
    try:
        return _term(data, position, 0)[0]
    except (_Unusual, IndexError, UnicodeDecodeError):
        return None


def common_attribute_facts(data: bytes) -> tuple[Term | None, tuple[str, ...]] | None:
    """The ``vsn`` value and the behaviour names (both spellings, sorted) of a beam's
    ``Attr`` bytes in the usual shape: a proper list of ``{Atom, Term}`` pairs.
    None for anything else, which the caller reads the full way.

    ``beam_lib`` merges the values of a key given twice (``-dialyzer`` often
    is) by appending them; that leaves ``vsn`` and the behaviours as they
    are, unless it is their key, or appending fails (a value before the last
    is not a proper list): both are declined.

    The list and the pairs are read straight from the bytes, the values in
    them as :func:`common_term` reads them, the keys and the list not built:
    every beam has an ``Attr`` chunk.

    >>> vsn_1 = [104, 2, 119, 3, 118, 115, 110, 97, 1]  # {vsn, 1}
    >>> common_attribute_facts(bytes([131, 108, 0, 0, 0, 1, *vsn_1, 106]))
    (1, ())
    """
    lone_vsn = _lone_compiler_vsn(data)
    if lone_vsn is not None:
        return lone_vsn, ()
    if data[:2] != b"\x83l":
        return None
    keys: dict[str, Term] = {}  # each key's last value
    found_vsn: Term | None = None
    names: set[str] = set()
    try:
        count = _uint(data, 2, 4)
        position = 6
        for _ in range(count):
            compiler_vsn = _compiler_vsn(data, position)
            if compiler_vsn is not None and "vsn" not in keys:
                found_vsn, position = compiler_vsn
                keys["vsn"] = found_vsn
                continue
            if data[position] != 104 or data[position + 1] != 2:
                return None
            tag = data[position + 2]
            if tag not in (100, 119, 115, 118):
                return None
            key, position = _atom_name(data, position + 2, tag)
            value, position = _term(data, position, 2)
            if key in keys and not _merges_aside(key, keys[key]):
                return None
            keys[key] = value
            if key == "vsn":
                found_vsn = value
            elif key in ("behaviour", "behavior") and isinstance(value, ErlList):
                names.update(item.name for item in value.items if isinstance(item, Atom))
        if data[position] != 106:
            return None
    except (_Unusual, IndexError, UnicodeDecodeError):
        return None
    return found_vsn, tuple(sorted(names))


def _lone_compiler_vsn(data: bytes) -> Term | None:
    """The vsn of ``Attr`` bytes that are ``[{vsn, [MD5]}]`` alone (most modules'), else None."""
    if not data.startswith(_ONE_ATTRIBUTE):
        return None
    compiler_vsn = _compiler_vsn(data, len(_ONE_ATTRIBUTE))
    if compiler_vsn is None or compiler_vsn[1] != len(data) - 1 or data[-1] != 106:
        return None
    return compiler_vsn[0]


def _merges_aside(key: str, earlier: Term) -> bool:
    # A key met again, whose earlier value beam_lib appends to: no fact read here changes.
    is_proper_list = type(earlier) is ErlList and earlier.tail is None
    return is_proper_list and key not in ("vsn", "behaviour", "behavior")


def _compiler_vsn(data: bytes, position: int) -> tuple[Term, int] | None:
    """``{vsn, [Integer]}`` at ``position`` as the compiler writes it (the MD5 as one big
    integer: most beams' only attribute), read as :func:`_term` reads it; else None."""
    for prefix in _COMPILER_VSN_PREFIXES:
        if data.startswith(prefix, position):
            start = position + len(prefix)
            if start + 2 > len(data):
                return None  # cut short after the tag
            end = start + 2 + data[start]
            if end >= len(data) or data[end] != 106:  # NIL after the one item
                return None
            magnitude = int.from_bytes(data[start + 2 : end], "little")
            return ErlList((-magnitude if data[start + 1] else magnitude,)), end + 1
    return None


# A LIST of one attribute, after the version byte.
_ONE_ATTRIBUTE = b"\x83l\x00\x00\x00\x01"
# {vsn, [SMALL_BIG ...: the key as ATOM_EXT (OTP 25) or SMALL_ATOM_UTF8_EXT, a one-item LIST.
_COMPILER_VSN_PREFIXES = (
    b"h\x02d\x00\x03vsnl\x00\x00\x00\x01n",
    b"h\x02w\x03vsnl\x00\x00\x00\x01n",
)


def _term(data: bytes, position: int, depth: int) -> tuple[Term, int]:
    # One flat branch per tag, the usual ones first: this runs for every node.
    tag = data[position]
    if tag == 106:  # NIL
        return NIL, position + 1
    if tag in (100, 119, 115, 118):  # atoms
        return _atom(data, position, tag)
    if tag == 97:  # SMALL_INTEGER
        return data[position + 1], position + 2
    if depth >= MAX_COMMON_DEPTH:
        raise _Unusual
    if tag == 104:  # SMALL_TUPLE
        count = data[position + 1]
        position += 2
        items = []
        for _ in range(count):
            item, position = _term(data, position, depth + 1)
            items.append(item)
        return tuple(items), position
    if tag == 108:  # LIST
        return _list(data, position, depth)
    if tag == 116:  # MAP (child specs are maps)
        return _map(data, position, depth)
    return _number_or_bytes(data, position, tag)


def _number_or_bytes(data: bytes, position: int, tag: int) -> tuple[Term, int]:
    if tag == 110:  # SMALL_BIG
        end = position + 3 + data[position + 1]
        magnitude = int.from_bytes(_slice(data, position + 3, end), "little")
        return (-magnitude if data[position + 2] else magnitude), end
    if tag == 107:  # STRING: a list of byte values
        end = position + 3 + _uint(data, position + 1, 2)
        return ErlList(tuple(_slice(data, position + 3, end))), end
    if tag == 98:  # INTEGER
        value = int.from_bytes(_slice(data, position + 1, position + 5), "big", signed=True)
        return value, position + 5
    if tag == 109:  # BINARY
        end = position + 5 + _uint(data, position + 1, 4)
        return _slice(data, position + 5, end), end
    raise _Unusual


def _atom(data: bytes, position: int, tag: int) -> tuple[Atom, int]:
    name, end = _atom_name(data, position, tag)
    return Atom(name), end


def _atom_name(data: bytes, position: int, tag: int) -> tuple[str, int]:
    if tag in (100, 118):
        start = position + 3
        end = start + (data[position + 1] << 8 | data[position + 2])
    else:
        start = position + 2
        end = start + data[position + 1]
    if end > len(data):
        raise _Unusual
    name = data[start:end].decode("latin-1" if tag in (100, 115) else "utf-8")
    if len(name) > MAX_ATOM_CHARACTERS:
        raise _Unusual
    return name, end


def _list(data: bytes, position: int, depth: int) -> tuple[Term, int]:
    count = _uint(data, position + 1, 4)
    position += 5
    items = []
    for _ in range(count):
        item, position = _term(data, position, depth + 1)
        items.append(item)
    tail, position = _term(data, position, depth + 1)
    if not count:
        return tail, position  # a zero-length LIST_EXT is just its tail
    if tail is NIL:
        return ErlList(tuple(items)), position
    if isinstance(tail, ErlList):
        return ErlList((*items, *tail.items), tail.tail), position
    return ErlList(tuple(items), tail), position


def _map(data: bytes, position: int, depth: int) -> tuple[Term, int]:
    count = _uint(data, position + 1, 4)
    position += 5
    pairs = []
    for _ in range(count):
        key, position = _term(data, position, depth + 1)
        value, position = _term(data, position, depth + 1)
        pairs.append((key, value))
    result = ErlMap(tuple(pairs))
    if len(result.entries) != len(pairs):
        raise _Unusual  # equal keys: the full decoder says so
    return result, position


def _uint(data: bytes, position: int, size: int) -> int:
    return int.from_bytes(_slice(data, position, position + size), "big")


def _slice(data: bytes, start: int, end: int) -> bytes:
    if end > len(data):
        raise _Unusual
    return data[start:end]
