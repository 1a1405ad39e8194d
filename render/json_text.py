"""JSON text with a 2-space indent, byte for byte what ``json.dumps(data, indent=2,
ensure_ascii=False)`` writes, about twice as fast.

The standard library only has a C encoder for compact output; with ``indent``
it falls back to a Python generator per value, which dominated ``relup plan
--format json`` on big releases.  This writer handles the plan data's kinds
(dicts with string keys, lists, strings, integers, booleans, None) with one
recursive function and leaves anything else (floats, tuples, other keys) to
``json.dumps``, so the text never depends on which one ran.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring

# Deeper than this the standard encoder takes over (the plan data is shallow).
_MAX_DEPTH = 100


class _Unusual(Exception):
    """A value this writer leaves to ``json.dumps``."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A value whose JSON text was written beforehand (in another process), placed as is.

    ``text`` is :func:`indented_json` of the value at level 0; placed deeper,
    its lines are indented to the level (every newline in JSON text is one of
    the layout's: strings escape theirs).
    """

    text: str


def indented_json(data: object, level: int = 0) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, faster for plain data.

    With a ``level``, the text is to stand that deep inside a bigger document
    (as a value there): every line after the first is indented ``2 * level`` more.

    >>> indented_json({"a": [1, True, None], "b": {}})
    '{\\n  "a": [\\n    1,\\n    true,\\n    null\\n  ],\\n  "b": {}\\n}'
    >>> indented_json([1], level=1)
    '[\\n    1\\n  ]'
    """
    newline = "\n" + "  " * level
    try:
        return _text(data, newline, level)
    except _Unusual:
        # Strings are written escaped, so every newline is one of the layout's.
        text = json.dumps(data, indent=2, ensure_ascii=False, default=_rendered_value)
        return text.replace("\n", newline)


def _rendered_value(value: object) -> object:
    # For json.dumps, which cannot place text: the value the text was written from.
    if isinstance(value, Rendered):
        return json.loads(value.text)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _text(value: object, newline: str, depth: int) -> str:
    # Checked in the order json's encoder checks them (str, None, True,
    # False, int, then containers), so subclasses are written the same way.
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if type(value) is Rendered:
        return value.text.replace("\n", newline)
    if depth >= _MAX_DEPTH or not isinstance(value, list | dict):
        raise _Unusual
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    # Each container is joined on its own: the pieces of a big document never
    # pile up in one list (json.dumps's list of pieces took 100 MB for 50,000 modules).
    # Strings, most of the values, are written here rather than by a call each.
    inner = newline + "  "
    deeper = depth + 1
    if isinstance(value, list):
        items = [
            encode_basestring(item) if type(item) is str else _text(item, inner, deeper)
            for item in value
        ]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    entries = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise _Unusual
        text = encode_basestring(item) if type(item) is str else _text(item, inner, deeper)
        entries.append(encode_basestring(key) + ": " + text)
    return "{" + inner + ("," + inner).join(entries) + newline + "}"
