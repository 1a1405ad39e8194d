"""The external-term chunks of a beam: attributes (``Attr``) and literals (``LitT``).

Split from :mod:`diffing.beam`, which finds the chunks; these read what is
inside them.  ``Attr`` is merged per key as ``beam_lib`` merges it.  ``LitT``
is a zlib stream (raw bytes after a zero size) holding a count and
size-prefixed terms; decompression is charged to a budget so a hostile file
cannot inflate past :data:`diffing.etf.MAX_DECOMPRESSED` in all.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from diffing import etf
from diffing.errors import TermDecodeError
from diffing.etf_common import common_attribute_facts
from diffing.terms import NIL, Atom, ErlList, Term, term_order_key

_VSN = Atom("vsn")
_BEHAVIOUR_SPELLINGS = (Atom("behaviour"), Atom("behavior"))


def fail(path: Path | None, where: str, message: str) -> TermDecodeError:
    return TermDecodeError(path, f"{where}: {message}")


def optional_term(data: bytes | None, chunk_id: str, path: Path | None) -> Term | None:
    if data is None:
        return None
    return etf.decode_term(data, path=path, context=f"{chunk_id} chunk")


def attributes(data: bytes | None, path: Path | None) -> Term | None:
    """The attribute list merged as ``beam_lib`` merges it: sorted by key (stably),
    one entry per key, the values of its ``{Key, Value}`` tuples appended."""
    term = optional_term(data, "Attr", path)
    return None if term is None else _merged(term, path)


def attribute_facts(
    data: bytes | None, path: Path | None
) -> tuple[bool, Term | None, tuple[str, ...]]:
    """Whether there are attributes, and :func:`vsn` and :func:`behaviours` of them.

    The usual list (one ``{Key, Value}`` per atom key) is read in one pass,
    without merging; anything else is merged first, which also raises what
    :func:`attributes` raises.
    """
    if data is None:
        return False, None, ()
    quick = common_attribute_facts(data)  # the usual bytes, read without building the list
    if quick is not None:
        return True, *quick
    term = optional_term(data, "Attr", path)
    if term is None:
        return False, None, ()
    quick = _unmerged_facts(term.items) if isinstance(term, ErlList) and term.tail is None else None
    if quick is not None:
        return True, *quick
    merged = _merged(term, path)
    return True, vsn(merged), behaviours(merged)


def _unmerged_facts(entries: Sequence[Term]) -> tuple[Term | None, tuple[str, ...]] | None:
    keys: set[str] = set()
    found_vsn: Term | None = None
    names: set[str] = set()
    for entry in entries:
        if type(entry) is not tuple or len(entry) != 2 or type(entry[0]) is not Atom:
            return None
        key = entry[0].name
        if key in keys:
            return None  # merged by beam_lib: the slow way
        keys.add(key)
        if key == "vsn":
            found_vsn = entry[1]
        elif key in ("behaviour", "behavior") and isinstance(entry[1], ErlList):
            names.update(item.name for item in entry[1].items if isinstance(item, Atom))
    return found_vsn, tuple(sorted(names))


def _merged(term: Term, path: Path | None) -> Term:
    if not isinstance(term, ErlList) or term.tail is not None:
        raise fail(path, "Attr chunk", "not a list")
    entries = [entry for entry in term.items if isinstance(entry, tuple) and entry]
    if len(entries) != len(term.items):
        raise fail(path, "Attr chunk", "an attribute is not a tuple")
    if all(type(entry[0]) is Atom for entry in entries):
        ordered = sorted(entries, key=lambda entry: entry[0].name)  # type: ignore[union-attr]
        if len({entry[0] for entry in ordered}) == len(ordered):
            # The usual case, and the quick one: one entry per atom key.  Atoms
            # sort by name in term order; a lone value is appended to nothing.
            return ErlList(tuple((item[0], item[1] if len(item) == 2 else NIL) for item in ordered))
    try:
        ordered = sorted(entries, key=lambda entry: term_order_key(entry[0]))
        groups = [(key, list(group)) for key, group in groupby(ordered, lambda entry: entry[0])]
    except RecursionError as error:
        raise fail(path, "Attr chunk", "an attribute key is nested too deeply") from error
    return ErlList(
        tuple(
            (key, _append([entry[1] for entry in group if len(entry) == 2], path))
            for key, group in groups
        )
    )


def _append(values: list[Term], path: Path | None) -> Term:
    # lists:append/1: every value but the last must be a proper list; the last
    # one becomes the tail (so a single value is returned as it is).
    if not values:
        return ErlList()
    items: list[Term] = []
    for value in values[:-1]:
        if not isinstance(value, ErlList) or value.tail is not None:
            raise fail(path, "Attr chunk", "attribute values of one key are not lists")
        items.extend(value.items)
    return ErlList(tuple(items), values[-1]) if items else values[-1]


def attribute(attributes: Term | None, name: Atom) -> Term | None:
    if not isinstance(attributes, ErlList):
        return None
    for entry in attributes.items:
        if isinstance(entry, tuple) and entry[0] == name:
            return entry[1]
    return None


def vsn(attributes: Term | None) -> Term | None:
    return attribute(attributes, _VSN)


def behaviours(attributes: Term | None) -> tuple[str, ...]:
    names: set[str] = set()
    for spelling in _BEHAVIOUR_SPELLINGS:
        value = attribute(attributes, spelling)
        if isinstance(value, ErlList):
            names.update(item.name for item in value.items if isinstance(item, Atom))
    return tuple(sorted(names))


def literals(data: bytes | None, path: Path | None, budget: int) -> tuple[Term, ...]:
    """The terms of a ``LitT`` chunk, inflating at most ``budget`` bytes in all."""
    if data is None:
        return ()
    where = "LitT chunk"
    if len(data) < 4:
        raise fail(path, where, f"truncated at byte {len(data)}")
    size = int.from_bytes(data[:4], "big")
    table = data[4:] if size == 0 else _inflate_literals(data, size, budget, path)
    budget -= size
    if len(table) < 4:
        raise fail(path, where, f"table truncated at byte {len(table)}")
    count = int.from_bytes(table[:4], "big")
    if count > (len(table) - 4) // 5:
        raise fail(path, where, f"{count} literals cannot fit in {len(table)} bytes")
    decoded: list[Term] = []
    position = 4
    for index in range(count):
        if position + 4 > len(table):
            raise fail(path, where, f"table truncated at byte {position}")
        length = int.from_bytes(table[position : position + 4], "big")
        encoded = table[position + 4 : position + 4 + length]
        if len(encoded) != length:
            raise fail(path, where, f"literal {index} truncated at byte {len(table)}")
        decoded.append(_literal(encoded, index, path, budget))
        budget -= _inflated_size(encoded)
        position += 4 + length
    return tuple(decoded)


def _inflate_literals(data: bytes, size: int, budget: int, path: Path | None) -> bytes:
    where = "LitT chunk"
    if size > budget:
        raise fail(path, where, f"claims {size} bytes, more than the {budget} allowed")
    inflater = zlib.decompressobj()
    try:
        table = inflater.decompress(data[4:], size + 1)
    except zlib.error as error:
        raise fail(path, where, f"cannot decompress ({error})") from error
    if len(table) != size or not inflater.eof:
        raise fail(path, where, f"inflates to {len(table)} bytes, not {size}, or is truncated")
    return table


def _literal(encoded: bytes, index: int, path: Path | None, budget: int) -> Term:
    context = f"LitT chunk: literal {index}"
    if encoded[:1] == bytes([etf.VERSION_BYTE]):
        limit = max(budget, 0)
        return etf.decode_term(encoded, path=path, context=context, max_decompressed=limit)
    # Some writers store literals without the version byte.
    return etf.decode_bare_term(encoded, path=path, context=context)


def _inflated_size(encoded: bytes) -> int:
    if encoded[:2] == bytes([etf.VERSION_BYTE, etf.COMPRESSED_TAG]) and len(encoded) >= 6:
        return int.from_bytes(encoded[2:6], "big")
    return 0
