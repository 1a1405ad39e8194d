"""Write Erlang terms as text that ``file:consult`` (and our reader) reads back unchanged.

The layout follows the spirit of ``io_lib:format("~tp")``: a term that fits in
the line is written on one line (``{a,b,[1,2]}``, no spaces after commas, maps
as ``#{k => v}``); a list, tuple or map that does not fit is broken one
element per line, each element indented one column past its opening bracket.

Spelling rules, each chosen so the text reads back as the same term:

* atoms are quoted only when they must be: not starting with a lowercase
  letter, holding characters outside ``[a-zA-Z0-9_@]`` (and the Latin-1
  letters), or a reserved word (``maybe`` and ``else`` included, as newer
  Erlang releases reserve them);
* a proper list of printable code points is a ``"string"`` (``[]`` stays ``[]``);
* a binary is ``<<"text"/utf8>>`` when it is printable UTF-8 with non-ASCII
  characters, ``<<"text">>`` when every byte is a printable Latin-1
  character, and ``<<1,2,3>>`` otherwise;
* floats use Python's shortest round-trip ``repr``, always with a ``.``;
* an external fun is ``fun m:f/2``, which ``erl_parse`` reads as that fun;
* non-printable characters inside quotes are escaped (``\\n``, ``\\x{7F}``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Sequence

from diffing.etf import external_fun_parts
from diffing.term_tokens import LOWERCASE, RESERVED_WORDS, UPPERCASE, is_unicode_scalar
from diffing.terms import Atom, ErlList, ErlMap, OpaqueTerm, Term, as_text

_BARE_ATOM = re.compile(f"[{LOWERCASE}][{LOWERCASE}{UPPERCASE}0-9_@]*")
# Quoted even though OTP 25 reads them bare: the maybe feature makes them keywords.
_ALWAYS_QUOTED = RESERVED_WORDS | {"maybe", "else"}
_ESCAPES = {
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\b": "\\b",
    "\f": "\\f",
    "\x1b": "\\e",
    "\x7f": "\\d",
    "\\": "\\\\",
}
_ESCAPED_PRINTABLE = frozenset("\n\r\t\v\b\f\x1b")
# Deeper than this, terms are written on one line: indentation is already
# past any sensible width, and it keeps the writer's recursion shallow.
_MAX_LAYOUT_DEPTH = 100
# A budget this large is no budget: the line is written whole, without counting.
_UNBOUNDED = 1 << 40


def format_term(term: Term, width: int = 80) -> str:
    """``term`` as Erlang text, laid out to fit in ``width`` columns where it can.

    Args:
        term: any term except pids, ports, references, local funs and bitstrings.
        width: the line width to aim for.

    Returns:
        The text, without a final ``.``.

    >>> format_term((Atom("load_module"), Atom("Mod"), ErlList((1, 2))))
    "{load_module,'Mod',[1,2]}"
    """
    return _layout(term, 0, width, 0)


def one_line_term(term: Term) -> str:
    """``term`` as Erlang text on one line: ``format_term(term, sys.maxsize)``, without
    the layout's bookkeeping (plans write thousands of instructions so).

    >>> one_line_term((Atom("load"), (Atom("m"), Atom("brutal_purge"))))
    '{load,{m,brutal_purge}}'
    """
    return _flat_text(term, 0)


def format_consult_file(terms: Sequence[Term], header_lines: Sequence[str] = ()) -> str:
    """A whole ``file:consult`` file: ``%%`` header comments, then each term and ``.``.

    >>> format_consult_file([Atom("ok")], ["coding: utf-8"])
    '%% coding: utf-8\\nok.\\n'
    """
    header = "".join(f"%% {line}".rstrip() + "\n" for line in header_lines)
    return header + "".join(format_term(term) + ".\n" for term in terms)


def _layout(term: Term, indent: int, width: int, depth: int) -> str:
    flat = _flat_within(term, width - indent)
    if flat is not None or depth > _MAX_LAYOUT_DEPTH:
        return flat if flat is not None else _flat(term)
    if isinstance(term, tuple):
        return _broken("{", "}", list(term), None, indent, width, depth)
    if isinstance(term, ErlList) and _string_text(term) is None:
        return _broken("[", "]", list(term.items), term.tail, indent, width, depth)
    if isinstance(term, ErlMap):
        return _broken_map(term, indent, width, depth)
    return _flat(term)


def _broken(
    opener: str,
    closer: str,
    items: list[Term],
    tail: Term | None,
    indent: int,
    width: int,
    depth: int,
) -> str:
    inner = indent + len(opener)
    lines = [_layout(item, inner, width, depth + 1) for item in items]
    separator = ",\n" + " " * inner
    text = opener + separator.join(lines)
    if tail is not None:
        text += "|\n" + " " * inner + _layout(tail, inner, width, depth + 1)
    return text + closer


def _broken_map(term: ErlMap, indent: int, width: int, depth: int) -> str:
    inner = indent + 2
    entries = []
    for key, value in term.entries:
        entry = _flat_within(key, width) or _layout(key, inner, width, depth + 1)
        flat_value = _flat_within(value, width - inner - len(entry) - 4)
        if flat_value is not None and "\n" not in entry:
            entries.append(f"{entry} => {flat_value}")
        else:
            value_text = _layout(value, inner + 4, width, depth + 1)
            entries.append(f"{entry} =>\n{' ' * (inner + 4)}{value_text}")
    return "#{" + (",\n" + " " * inner).join(entries) + "}"


def _flat_within(term: Term, budget: int, depth: int = 0) -> str | None:
    """``term`` on one line if that takes at most ``budget`` characters, else None.

    Containers are written recursively, each child given what is left of the
    budget, so a term that does not fit is given up early (the layout asks
    again at every level it breaks); past ``_MAX_LAYOUT_DEPTH`` levels the
    iterative writer takes over, which needs no Python recursion.
    """
    if depth > _MAX_LAYOUT_DEPTH:
        return _flat_within_iteratively(term, budget)
    if budget >= _UNBOUNDED:  # one line whatever its length (format_term(t, sys.maxsize))
        text = _flat_text(term, depth)
        return text if len(text) <= budget else None
    if isinstance(term, tuple):
        return _joined_within("{", list(term), None, "}", budget, depth)
    if isinstance(term, ErlList):
        if term.items and _string_text(term) is None:
            return _joined_within("[", list(term.items), term.tail, "]", budget, depth)
    elif isinstance(term, ErlMap):
        return _map_within(term, budget, depth)
    text = _scalar_text(term)
    return text if len(text) <= budget else None


def _flat_text(term: Term, depth: int) -> str:
    """``term`` on one line, with no budget to keep: the plain recursive writer."""
    if depth > _MAX_LAYOUT_DEPTH:
        return _flat(term)
    if isinstance(term, Atom):
        return _atom_text(term.name)
    if isinstance(term, tuple):
        return "{" + ",".join([_flat_text(item, depth + 1) for item in term]) + "}"
    if isinstance(term, ErlList):
        if term.items and _string_text(term) is None:
            items = ",".join([_flat_text(item, depth + 1) for item in term.items])
            if term.tail is not None:
                items += "|" + _flat_text(term.tail, depth + 1)
            return "[" + items + "]"
    elif isinstance(term, ErlMap):
        entries = [
            f"{_flat_text(key, depth + 1)} => {_flat_text(value, depth + 1)}"
            for key, value in term.entries
        ]
        return "#{" + ",".join(entries) + "}"
    return _scalar_text(term)


def _joined_within(
    opener: str, items: list[Term], tail: Term | None, closer: str, budget: int, depth: int
) -> str | None:
    pieces = [opener]
    used = len(opener) + len(closer)
    for number, item in enumerate(items):
        if number:
            pieces.append(",")
            used += 1
        text = _flat_within(item, budget - used, depth + 1)
        if text is None:
            return None
        pieces.append(text)
        used += len(text)
    if tail is not None:
        text = _flat_within(tail, budget - used - 1, depth + 1)
        if text is None:
            return None
        pieces.append("|" + text)
        used += len(text) + 1
    pieces.append(closer)
    return "".join(pieces) if used <= budget else None


def _map_within(term: ErlMap, budget: int, depth: int) -> str | None:
    pieces = ["#{"]
    used = 3
    for number, (key, value) in enumerate(term.entries):
        if number:
            pieces.append(",")
            used += 1
        key_text = _flat_within(key, budget - used - 4, depth + 1)
        if key_text is None:
            return None
        used += len(key_text) + 4
        value_text = _flat_within(value, budget - used, depth + 1)
        if value_text is None:
            return None
        used += len(value_text)
        pieces.append(f"{key_text} => {value_text}")
    pieces.append("}")
    return "".join(pieces) if used <= budget else None


def _flat_within_iteratively(term: Term, budget: int) -> str | None:
    pieces: list[str] = []
    used = 0
    for piece in _flat_pieces(term):
        used += len(piece)
        if used > budget:
            return None
        pieces.append(piece)
    return "".join(pieces)


def _flat(term: Term) -> str:
    return "".join(_flat_pieces(term))


class _Punctuation(str):
    """Brackets and separators on the writer's stack, never mistaken for a term."""

    __slots__ = ()


_OPEN_TUPLE, _CLOSE_TUPLE = _Punctuation("{"), _Punctuation("}")
_OPEN_LIST, _CLOSE_LIST, _BAR = _Punctuation("["), _Punctuation("]"), _Punctuation("|")
_OPEN_MAP, _ARROW = _Punctuation("#{"), _Punctuation(" => ")
_COMMA = _Punctuation(",")


def _flat_pieces(term: Term) -> Iterator[str]:
    """The pieces of a term's one-line text, produced without recursion."""
    stack: list[Term | _Punctuation] = [term]
    while stack:
        item = stack.pop()
        if isinstance(item, _Punctuation):
            yield item
            continue
        parts = _container_parts(item)
        if parts is None:
            yield _scalar_text(item)
        else:
            stack.extend(reversed(parts))


def _container_parts(term: Term) -> list[Term | _Punctuation] | None:
    """The opener, items with separators, and closer of a container, else None."""
    if isinstance(term, tuple):
        return [_OPEN_TUPLE, *_with_commas(list(term)), _CLOSE_TUPLE]
    if isinstance(term, ErlList) and _string_text(term) is None and term.items:
        tail: list[Term | _Punctuation] = [] if term.tail is None else [_BAR, term.tail]
        return [_OPEN_LIST, *_with_commas(list(term.items)), *tail, _CLOSE_LIST]
    if isinstance(term, ErlMap):
        entries: list[Term | _Punctuation] = []
        for number, (key, value) in enumerate(term.entries):
            entries.extend([_COMMA, key, _ARROW, value] if number else [key, _ARROW, value])
        return [_OPEN_MAP, *entries, _CLOSE_TUPLE]
    return None


def _with_commas(items: list[Term]) -> list[Term | _Punctuation]:
    parts: list[Term | _Punctuation] = []
    for number, item in enumerate(items):
        if number:
            parts.append(_COMMA)
        parts.append(item)
    return parts


def _scalar_text(term: Term) -> str:
    if isinstance(term, bool):
        raise TypeError("Python bool is not an Erlang term; use Atom('true')/Atom('false')")
    if isinstance(term, int):
        return str(term)
    if isinstance(term, float):
        return _float_text(term)
    if isinstance(term, Atom):
        return _atom_text(term.name)
    if isinstance(term, bytes):
        return _binary_text(term)
    if isinstance(term, ErlList) and term.tail is None:
        return "[]" if not term.items else _quoted(_string_text(term) or "", '"')
    if isinstance(term, OpaqueTerm):
        parts = external_fun_parts(term)
        if parts is not None:  # fun M:F/A reads back (erl_parse makes it the same fun)
            module, function, arity = parts
            return f"fun {_atom_text(module)}:{_atom_text(function)}/{arity}"
    raise TypeError(f"{type(term).__name__} cannot be written as Erlang text: {term!r}")


@functools.lru_cache(maxsize=1 << 16)  # the same module names come back thousands of times
def _atom_text(name: str) -> str:
    if _BARE_ATOM.fullmatch(name) and name not in _ALWAYS_QUOTED:
        return name
    if not all(is_unicode_scalar(ord(char)) for char in name):
        raise ValueError(f"atom {name!r} has a code point Erlang text cannot hold")
    return _quoted(name, "'")


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value!r} has no Erlang text form")
    mantissa, _, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (f"e{int(exponent)}" if exponent else "")


def _is_printable(code: int) -> bool:
    """Erlang's printable-Unicode rule for characters in a string (io_lib)."""
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
        or chr(code) in _ESCAPED_PRINTABLE
    )


def _string_text(term: ErlList) -> str | None:
    """The text of a non-empty list of printable characters, else None."""
    if not term.items:
        return None
    text = as_text(term)
    if text is None or not all(_is_printable(ord(char)) for char in text):
        return None
    return text


def _binary_text(data: bytes) -> str:
    if not data:
        return "<<>>"
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if text and all(_is_printable(ord(char)) for char in text):
            return "<<" + _quoted(text, '"') + "/utf8>>"
    latin1 = data.decode("latin-1")
    if all(_is_printable(ord(char)) for char in latin1):
        return "<<" + _quoted(latin1, '"') + ">>"
    return "<<" + ",".join(str(byte) for byte in data) + ">>"


def _quoted(text: str, quote: str) -> str:
    escaped = []
    for char in text:
        if char == quote:
            escaped.append("\\" + quote)
        elif char in _ESCAPES:
            escaped.append(_ESCAPES[char])
        elif char.isprintable() or char == " ":
            escaped.append(char)
        else:
            escaped.append(f"\\x{{{ord(char):X}}}")
    return quote + "".join(escaped) + quote
