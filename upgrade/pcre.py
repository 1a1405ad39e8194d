"""PCRE patterns (as Erlang's ``re`` reads them) rewritten for Python's ``re``.

Appup version keys may be binaries, which systools runs through ``re:run``
(PCRE 8, ``unicode`` without ``ucp``, Latin-1 character tables).  Python's
``re`` is close but not the same; this rewrites the differences that
version patterns can meet:

* ``\\d``, ``\\w``, ``\\s`` and POSIX classes use PCRE's Latin-1 tables, not
  Unicode classes;
* ``\\Q..\\E`` quotes, ``\\x{HH}`` code points, ``\\z``, ``\\e`` and unknown
  letter escapes (PCRE reads ``\\y`` as ``y``) are translated;
* ``(?<name>..)`` and ``(?'name'..)`` groups become ``(?P<name>..)``;
* a ``{`` that does not start a PCRE quantifier (``{,3}``) is literal;
* what PCRE rejects (``\\u``, ``\\U``, ``\\L``, ``\\l``, ``\\N``, a POSIX class
  outside brackets) is rejected.

A pattern that cannot be translated raises ``ValueError``, as ``re:run``
raises badarg.
"""

from __future__ import annotations

import re

_LATIN1_LOWER = "a-z\\xb5\\xdf-\\xf6\\xf8-\\xff"
_LATIN1_UPPER = "A-Z\\xc0-\\xd6\\xd8-\\xde"
_LATIN1_ALPHA = "a-zA-Z\\xaa\\xb5\\xba\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff"
_CLASS_ESCAPES = {
    "d": "0-9",
    "w": _LATIN1_ALPHA + "0-9_",
    "s": "\\t\\n\\x0b\\x0c\\r ",
}
_POSIX = {
    "alnum": _LATIN1_ALPHA + "0-9",
    "alpha": _LATIN1_ALPHA,
    "ascii": "\\x00-\\x7f",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~\\xa1-\\xff",
    "lower": _LATIN1_LOWER,
    "print": " -~\\xa0-\\xff",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\x0b\\x0c\\r ",
    "upper": _LATIN1_UPPER,
    "word": _LATIN1_ALPHA + "0-9_",
    "xdigit": "0-9A-Fa-f",
}
# Escapes Python and PCRE read alike.
_SAME = set("bBAtnrfav0123456789") | {"x"}
_REJECTED = set("uUlLNk")
_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_HEX_BRACES = re.compile(r"\\x\{([0-9A-Fa-f]+)\}")


def to_python(pattern: str) -> str:
    """The Python ``re`` pattern that matches what PCRE's ``pattern`` matches."""
    output: list[str] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            text, position = _escape(pattern, position, in_class=False)
        elif char == "[":
            if _POSIX_CLASS.match(pattern, position):
                raise ValueError("POSIX named classes are supported only within a class")
            text, position = _bracket(pattern, position)
        elif char == "{" and not _QUANTIFIER.match(pattern, position):
            text, position = "\\{", position + 1
        elif _named_group(pattern, position):
            text, position = "(?P<", position + 3
        elif pattern.startswith("(?'", position):
            end = pattern.find("'", position + 3)
            if end < 0:
                raise ValueError("unterminated group name")
            text, position = f"(?P<{pattern[position + 3 : end]}>", end + 1
        else:
            text, position = char, position + 1
        output.append(text)
    return "".join(output)


def _named_group(pattern: str, position: int) -> bool:
    # (?<name>...) but not the lookbehinds (?<=...) and (?<!...).
    return pattern.startswith("(?<", position) and pattern[position + 3 : position + 4] not in (
        "=",
        "!",
    )


def _escape(pattern: str, position: int, in_class: bool) -> tuple[str, int]:
    if position + 1 >= len(pattern):
        raise ValueError("\\ at end of pattern")
    letter = pattern[position + 1]
    if letter == "Q":
        end = pattern.find("\\E", position + 2)
        quoted = pattern[position + 2 :] if end < 0 else pattern[position + 2 : end]
        return re.escape(quoted), len(pattern) if end < 0 else end + 2
    hex_braces = _HEX_BRACES.match(pattern, position)
    if hex_braces:
        return re.escape(chr(int(hex_braces.group(1), 16))), hex_braces.end()
    if letter.lower() in _CLASS_ESCAPES:
        return _class_escape(letter, in_class), position + 2
    return _single_escape(pattern, position, letter, in_class), position + 2


def _class_escape(letter: str, in_class: bool) -> str:
    ranges = _CLASS_ESCAPES[letter.lower()]
    if not letter.isupper():
        return ranges if in_class else f"[{ranges}]"
    if in_class:
        raise ValueError(f"\\{letter} inside a character class is not supported")
    return f"[^{ranges}]"


def _single_escape(pattern: str, position: int, letter: str, in_class: bool) -> str:
    if letter in _REJECTED:
        raise ValueError(f"PCRE does not support \\{letter}")
    if letter == "E":
        return ""
    if letter == "z" and not in_class:
        return "\\Z"
    if letter == "Z" and not in_class:
        return "(?=\\n?\\Z)"
    if letter == "e":
        return "\\x1b"
    if letter in _SAME:
        return pattern[position : position + 2]
    # PCRE 8 reads any other escaped character as itself.
    return re.escape(letter)


def _bracket(pattern: str, position: int) -> tuple[str, int]:
    output = ["["]
    index = position + 1
    if pattern.startswith("^", index):
        output.append("^")
        index += 1
    if pattern.startswith("]", index):
        output.append("\\]")
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        posix = _POSIX_CLASS.match(pattern, index)
        if posix:
            output.append(_posix(posix.group(1), posix.group(2), output))
            index = posix.end()
        elif pattern[index] == "\\":
            text, index = _escape(pattern, index, in_class=True)
            output.append(text)
        elif pattern[index] == "[":
            output.append("\\[")
            index += 1
        else:
            output.append(pattern[index])
            index += 1
    if index >= len(pattern):
        raise ValueError("missing terminating ] for character class")
    output.append("]")
    return "".join(output), index + 1


def _posix(negated: str, name: str, output: list[str]) -> str:
    if name not in _POSIX:
        raise ValueError(f"unknown POSIX class name {name}")
    if not negated:
        return _POSIX[name]
    if output == ["["]:
        output.append("^")  # [[:^alpha:]] alone is [^alpha]
        return _POSIX[name]
    raise ValueError(f"[:^{name}:] mixed with other items is not supported")
