"""The Python model of Erlang terms, shared by every stage.

Mapping (chosen so that ``match`` statements read like Erlang patterns):

=====================  =========================================================
Erlang                 Python
=====================  =========================================================
integer, float         ``int``, ``float``
atom                   :class:`Atom` (``true``/``false`` are atoms, never ``bool``)
tuple ``{a, b}``       ``tuple``
list ``[a, b | T]``    :class:`ErlList` (``items``, and ``tail`` for improper lists)
string ``"ab"``        an :class:`ErlList` of code points: ``"ab" =:= [97, 98]``
binary ``<<"ab">>``    ``bytes``
map ``#{k => v}``      :class:`ErlMap`, entries kept in Erlang term order of keys
=====================  =========================================================

Sequence patterns in ``match`` only match ``tuple`` here (``ErlList`` is not a
sequence), so ``case (Atom("update"), Atom() as module):`` matches exactly the
Erlang tuple ``{update, Module}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias, Union


@dataclass(frozen=True, slots=True)
class Atom:
    """An Erlang atom; ``name`` is its text without quotes."""

    name: str

    def __repr__(self) -> str:
        return f"Atom({self.name!r})"


@dataclass(frozen=True, slots=True)
class ErlList:
    """An Erlang list: ``items`` then ``tail``.

    ``tail`` is ``None`` for a proper list.  For an improper list it holds the
    final non-list tail (``[a | b]`` is ``ErlList((Atom("a"),), Atom("b"))``).
    Constructors normalise a list tail into ``items``, so equal lists compare equal.
    """

    items: tuple[Term, ...] = ()
    tail: Term | None = None

    def __post_init__(self) -> None:
        if isinstance(self.tail, ErlList):
            nested = self.tail
            object.__setattr__(self, "items", self.items + nested.items)
            object.__setattr__(self, "tail", nested.tail)

    @property
    def is_proper(self) -> bool:
        return self.tail is None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.items)

    def __repr__(self) -> str:
        text = as_text(self)
        if text is not None and self.items:
            return f"erl_string({text!r})"
        if self.tail is None:
            return f"ErlList({self.items!r})"
        return f"ErlList({self.items!r}, tail={self.tail!r})"


@dataclass(frozen=True, slots=True)
class ErlMap:
    """An Erlang map; ``entries`` are unique keys sorted in Erlang term order."""

    entries: tuple[tuple[Term, Term], ...] = ()

    def __post_init__(self) -> None:
        if _in_atom_key_order(self.entries):
            return  # unique and ordered already: the usual map (ETF writes a small map so)
        unique: dict[Term, Term] = {}
        for key, value in self.entries:
            unique[key] = value
        ordered = tuple(sorted(unique.items(), key=lambda entry: term_order_key(entry[0])))
        object.__setattr__(self, "entries", ordered)

    def get(self, key: Term) -> Term | None:
        for entry_key, value in self.entries:
            if entry_key == key:
                return value
        return None


def _in_atom_key_order(entries: object) -> bool:
    """True for a tuple of pairs whose keys are atoms in strictly ascending order."""
    if type(entries) is not tuple:
        return False
    previous = ""
    for index, entry in enumerate(entries):
        if type(entry) is not tuple or len(entry) != 2 or type(entry[0]) is not Atom:
            return False
        name = entry[0].name
        if index and not previous < name:
            return False
        previous = name
    return True


@dataclass(frozen=True, slots=True)
class BitString:
    """A bitstring whose size is not a whole number of bytes (from ETF only).

    ``data`` holds every byte, the unused low bits of the last one cleared;
    ``trailing_bits`` (1 to 7) says how many bits of the last byte count.
    """

    data: bytes
    trailing_bits: int


@dataclass(frozen=True, slots=True)
class OpaqueTerm:
    """A pid, port, reference or fun, kept as its binary term format encoding.

    Met in binary term format (literal tables), they are kept so a decoded
    literal table stays faithful, and compared by their raw encoding.  An
    external fun (``fun M:F/A``, kind ``fun``, ``EXPORT_EXT``) is also read
    from text and written as text (``diffing.etf.external_fun``); the others
    have no text form.
    """

    kind: str
    encoding: bytes


Term: TypeAlias = Union[
    int, float, Atom, bytes, "tuple[Term, ...]", ErlList, ErlMap, BitString, OpaqueTerm
]

NIL = ErlList()
TRUE = Atom("true")
FALSE = Atom("false")
UNDEFINED = Atom("undefined")


def atom(name: str) -> Atom:
    return Atom(name)


def erl_list(*items: Term) -> ErlList:
    return ErlList(tuple(items))


def erl_string(text: str) -> ErlList:
    """The Erlang string (a list of code points) for ``text``."""
    return ErlList(tuple(ord(char) for char in text))


def as_text(term: Term | None) -> str | None:
    """``term`` as Python text if it is a proper list of Unicode code points, else None.

    The empty list is the empty string, as in Erlang.
    """
    if not isinstance(term, ErlList) or term.tail is not None:
        return None
    characters = []
    for item in term.items:
        if type(item) is not int or not (0 <= item <= 0x10FFFF) or 0xD800 <= item <= 0xDFFF:
            return None
        characters.append(chr(item))
    return "".join(characters)


def exactly_equal(left: Term | None, right: Term | None) -> bool:
    """Erlang's ``=:=``: like ``==`` but ``1`` is not ``1.0`` (nor ``0.0`` ``-0.0``).

    Python's ``==`` on terms is Erlang's ``==``; where the difference matters
    (a config value that became a float) compare with this.  Iterative, so
    terms nested as deep as the reader allows compare without recursion.
    """
    pairs: list[tuple[Term | None, Term | None]] = [(left, right)]
    while pairs:
        one, other = pairs.pop()
        if type(one) is not type(other):
            return False
        children = _exact_children(one, other)
        if children is None:
            return False
        pairs.extend(children)
    return True


def _exact_children(
    one: Term | None, other: Term | None
) -> list[tuple[Term | None, Term | None]] | None:
    """The pairs still to compare inside two terms of one type, or None if they differ."""
    if isinstance(one, float) and isinstance(other, float):
        return [] if one.hex() == other.hex() else None
    if isinstance(one, tuple) and isinstance(other, tuple):
        return list(zip(one, other, strict=True)) if len(one) == len(other) else None
    if isinstance(one, ErlList) and isinstance(other, ErlList):
        if len(one.items) != len(other.items):
            return None
        return [*zip(one.items, other.items, strict=True), (one.tail, other.tail)]
    if isinstance(one, ErlMap) and isinstance(other, ErlMap):
        if len(one.entries) != len(other.entries):
            return None
        return [
            pair
            for (key, value), (other_key, other_value) in zip(
                one.entries, other.entries, strict=True
            )
            for pair in ((key, other_key), (value, other_value))
        ]
    return [] if one == other else None


def is_atom_list(term: Term) -> bool:
    return (
        isinstance(term, ErlList)
        and term.tail is None
        and all(isinstance(item, Atom) for item in term.items)
    )


# Erlang's standard order: number < atom < reference < fun < port < pid < tuple
# < map < nil < list < bitstring.
_OPAQUE_RANK = {"reference": 2, "fun": 3, "port": 4, "pid": 5}


def term_order_key(term: Term) -> tuple[object, ...]:
    """A sort key that orders terms as Erlang's ``<`` does (``1 == 1.0`` compare equal)."""
    if isinstance(term, bool):
        raise TypeError("Python bool is not an Erlang term; use TRUE/FALSE atoms")
    if isinstance(term, int | float):
        return (0, term)
    if isinstance(term, Atom):
        return (1, term.name)
    if isinstance(term, OpaqueTerm):
        return (_OPAQUE_RANK.get(term.kind, 5), term.encoding)
    if isinstance(term, tuple):
        return (6, len(term), tuple(term_order_key(item) for item in term))
    if isinstance(term, ErlMap):
        keys = tuple(term_order_key(key) for key, _ in term.entries)
        values = tuple(term_order_key(value) for _, value in term.entries)
        return (7, len(term.entries), keys, values)
    if isinstance(term, ErlList):
        return _list_order_key(term)
    if isinstance(term, bytes):
        return (9, term, 0)
    if isinstance(term, BitString):
        return (9, term.data, term.trailing_bits)
    raise TypeError(f"not an Erlang term: {term!r}")


def _list_order_key(term: ErlList) -> tuple[object, ...]:
    # Lists compare cell by cell; when one runs out, its tail (nil or a non-list)
    # is compared against the other's remaining cons cell.  Items get marker 1;
    # a tail that sorts below a cons cell gets marker 0, one above (a bitstring) 2.
    parts: list[tuple[object, ...]] = [(1, term_order_key(item)) for item in term.items]
    if term.tail is None:
        parts.append((0, (8,)))
    else:
        tail_key = term_order_key(term.tail)
        rank = tail_key[0]
        parts.append((2 if isinstance(rank, int) and rank > 8 else 0, tail_key))
    return (8, tuple(parts))
