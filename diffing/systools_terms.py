"""How systools looks at terms: its type predicates, crashes, and terms shown in messages.

``systools_make`` validates ``.rel`` and ``.app`` terms with small predicates
(``string_p``, ``a_list_p``, ``t_list_p``) and wraps its checks in ``catch``,
so a value of the wrong type can make it *crash* instead of refusing politely;
the crash then becomes the error reason.  These helpers reproduce both.
"""

from __future__ import annotations

import re

from diffing.release import AppName
from diffing.terms import NIL, Atom, ErlList, ErlMap, Term, as_text

_PLAIN_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*")
_SHOWN_DEPTH = 12
_SHOWN_LENGTH = 160


def show_term(term: Term) -> str:
    """``term`` in Erlang syntax for a one-line message, shortened when long."""
    text = _show(term, _SHOWN_DEPTH)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."


def _show(term: Term, depth: int) -> str:
    if depth == 0:
        return "..."
    if isinstance(term, Atom):
        plain = _PLAIN_ATOM.fullmatch(term.name)
        return term.name if plain else "'" + term.name.replace("'", "\\'") + "'"
    if isinstance(term, tuple):
        return "{" + ",".join(_show(item, depth - 1) for item in term) + "}"
    if isinstance(term, ErlList):
        text = as_text(term)
        if text and text.isprintable():
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        items = ",".join(_show(item, depth - 1) for item in term.items)
        tail = "" if term.tail is None else "|" + _show(term.tail, depth - 1)
        return f"[{items}{tail}]"
    if isinstance(term, ErlMap):
        entries = (
            f"{_show(key, depth - 1)} => {_show(value, depth - 1)}" for key, value in term.entries
        )
        return "#{" + ",".join(entries) + "}"
    if isinstance(term, bytes):
        if term and all(32 <= byte < 127 and byte not in b'"\\' for byte in term):
            return '<<"' + term.decode("ascii") + '">>'
        return "<<" + ",".join(str(byte) for byte in term) + ">>"
    return repr(term)


def crash_reason(why: Term) -> Term:
    """What systools' ``catch`` gives for a crash, ``{'EXIT', {Why, Stack}}``, minus the stack."""
    return (Atom("EXIT"), (why, NIL))


class ErlangCrash(Exception):
    """What systools would crash with (caught by one of its ``catch`` expressions)."""

    def __init__(self, why: Term) -> None:
        self.why = why
        super().__init__(show_term(why))


def is_string(term: Term) -> bool:
    """systools' ``string_p``: ``unicode:characters_to_list(T)`` gives ``T`` back.

    Raises:
        ErlangCrash: ``badarg`` where ``characters_to_list`` raises it (not a list
            or binary, or a list holding anything but integers, binaries and lists).
    """
    if isinstance(term, bytes):
        return False
    if not isinstance(term, ErlList):
        raise ErlangCrash(Atom("badarg"))
    pending = [term]
    while pending:
        current = pending.pop()
        if current.tail is not None and not isinstance(current.tail, bytes):
            raise ErlangCrash(Atom("badarg"))
        for item in current.items:
            if isinstance(item, ErlList):
                pending.append(item)
            elif not isinstance(item, int | bytes):
                raise ErlangCrash(Atom("badarg"))
    return as_text(term) is not None


def is_pair_list(term: Term) -> bool:
    """systools' ``t_list_p``: a proper list of ``{Atom, _}`` pairs."""
    return (
        isinstance(term, ErlList)
        and term.tail is None
        and all(
            isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Atom)
            for item in term.items
        )
    )


def atom_names(term: Term) -> tuple[AppName, ...]:
    """The names of a list of atoms already checked with ``is_atom_list``."""
    assert isinstance(term, ErlList)
    return tuple(AppName(item.name) for item in term.items if isinstance(item, Atom))


def text_of(term: Term) -> str:
    """The Python text of a term already checked with :func:`is_string`."""
    text = as_text(term)
    assert text is not None
    return text
