"""Hypothesis strategies for Erlang terms that have a text form.

``erlang_terms()`` covers everything ``file:consult`` can read back: atoms
(bare, ones needing quotes, reserved words, Unicode), integers (small, huge,
negative), finite floats, binaries (raw bytes and UTF-8 text), strings,
proper and improper lists, tuples and maps, nested.  Pids, refs, funs and
bitstrings are left out: they have no text form.  ``exact(term)`` gives a
value whose ``==`` is Erlang's ``=:=`` (``1`` differs from ``1.0``), for
comparing round trips.
"""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from diffing.term_tokens import RESERVED_WORDS
from diffing.terms import Atom, ErlList, ErlMap, Term, erl_string

# Code points an Erlang source file can hold in a quoted atom: no surrogates,
# and not U+FFFE/U+FFFF, which erl_scan rejects.
_ATOM_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\ufffe\uffff")
_TRICKY_ATOM_NAMES = (
    "",
    "Mod",
    "_x",
    "a b",
    "a-b",
    "a.b",
    "it's",
    'say "hi"',
    "back\\slash",
    "new\nline",
    "\x00",
    "\x7f",
    "é",
    "ßa",
    "日本",
    "maybe",
    "else",
    "node@host",
    "'",
)


def atom_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.from_regex(r"[a-z][a-zA-Z0-9_@]{0,12}", fullmatch=True),
        st.sampled_from(sorted(RESERVED_WORDS) + list(_TRICKY_ATOM_NAMES)),
        st.text(_ATOM_CHARACTERS, max_size=20),
        st.just("x" * 255),
    )


def atoms() -> st.SearchStrategy[Atom]:
    return atom_names().map(Atom)


def integers() -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(min_value=-1000, max_value=1000),
        st.integers(min_value=-(2**64), max_value=2**64),
        st.integers(min_value=-(10**60), max_value=10**60),
    )


def floats() -> st.SearchStrategy[float]:
    return st.floats(allow_nan=False, allow_infinity=False)


def binaries() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=24),
        st.text(max_size=12).map(lambda text: text.encode("utf-8")),
        st.text(st.characters(max_codepoint=0xFF), max_size=12).map(
            lambda text: text.encode("latin-1")
        ),
    )


def strings() -> st.SearchStrategy[ErlList]:
    """Erlang strings: lists of code points, printable or not."""
    return st.one_of(
        st.text(max_size=16).map(erl_string),
        st.lists(st.integers(min_value=0, max_value=0x10FFFF), max_size=6).map(
            lambda codes: ErlList(tuple(codes))
        ),
    )


def scalars() -> st.SearchStrategy[Term]:
    return st.one_of(atoms(), integers(), floats(), binaries(), strings())


def _containers(children: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
    items = st.lists(children, max_size=5).map(tuple)
    return st.one_of(
        items,
        items.map(ErlList),
        st.builds(
            ErlList,
            st.lists(children, min_size=1, max_size=4).map(tuple),
            st.one_of(scalars(), children),
        ),
        st.lists(st.tuples(children, children), max_size=4).map(lambda pairs: ErlMap(tuple(pairs))),
    )


def erlang_terms(max_leaves: int = 30) -> st.SearchStrategy[Term]:
    """Any term with a text form, nested up to about ``max_leaves`` scalars."""
    return st.recursive(scalars(), _containers, max_leaves=max_leaves)


def exact(term: Term) -> object:
    """``term`` with every number tagged by its type and floats by their bits.

    Python's ``==`` says ``1 == 1.0`` and ``0.0 == -0.0``; Erlang's ``=:=``
    (what a round trip must preserve) does not, so compare these instead.
    """
    if isinstance(term, float):
        return ("float", struct.pack(">d", term))
    if isinstance(term, int):
        return ("int", term)
    if isinstance(term, tuple):
        return ("tuple", tuple(exact(item) for item in term))
    if isinstance(term, ErlList):
        tail = None if term.tail is None else exact(term.tail)
        return ("list", tuple(exact(item) for item in term.items), tail)
    if isinstance(term, ErlMap):
        return ("map", tuple((exact(key), exact(value)) for key, value in term.entries))
    return (type(term).__name__, term)
