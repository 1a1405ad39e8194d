"""Which appup entry applies to a version, matched as systools matches it.

``systools_relup:appup_search_for_version`` walks the up-from (or down-to)
list front to back and takes the first entry that matches:

* a key term-equal to the version string matches;
* a binary key is a PCRE pattern; it matches when the *first* match found in
  the version (leftmost, first alternative) is the whole version.  That is not
  an anchored full match: ``<<"1|1.0">>`` does not match ``"1.0"``;
* any other entry (another key type, not a pair) is skipped.

Python's ``re`` stands in for PCRE.  Both take the leftmost match and try
alternatives in order, so ``search`` then comparing the match with the whole
version gives PCRE's answer for the patterns appups use.  POSIX classes such as
``[:digit:]`` (PCRE only) are translated first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diffing.terms import ErlList, Term, as_text

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "ascii": "\\x00-\\x7f",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-\\/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "word": "\\w",
    "xdigit": "0-9A-Fa-f",
}


class InvalidVersionPattern(ValueError):
    """A binary appup key that is not a valid regular expression (systools crashes: badarg)."""


def find_entry(version: str, entries: ErlList) -> Term | None:
    """The instructions of the first entry of ``entries`` matching ``version``, else None.

    Raises InvalidVersionPattern for a bad pattern met before a match.
    """
    version_term = ErlList(tuple(ord(char) for char in version))
    for entry in entries.items:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            continue
        key, instructions = entry
        if key == version_term:
            return instructions
        if isinstance(key, bytes) and _pattern_matches_whole(key, version):
            return instructions
    return None


def _pattern_matches_whole(pattern: bytes, version: str) -> bool:
    compiled = _compile(pattern)
    match = compiled.search(version)
    return match is not None and match.group(0) == version


@lru_cache(maxsize=512)
def _compile(pattern: bytes) -> re.Pattern[str]:
    try:
        text = pattern.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidVersionPattern(f"pattern {pattern!r} is not valid UTF-8") from error
    text = re.sub(
        r"\[:(\^?)([a-z]+):\]",
        lambda m: _posix_class(m.group(1), m.group(2), pattern),
        text,
    )
    try:
        return re.compile(text)
    except re.error as error:
        raise InvalidVersionPattern(f"invalid regular expression {text!r}: {error}") from error


def _posix_class(negated: str, name: str, pattern: bytes) -> str:
    if name not in _POSIX_CLASSES or negated:
        raise InvalidVersionPattern(f"unsupported POSIX class [:{negated}{name}:] in {pattern!r}")
    return _POSIX_CLASSES[name]


def describe_key(key: Term) -> str:
    text = as_text(key)
    if text is not None:
        return f'"{text}"'
    if isinstance(key, bytes):
        return f'<<"{key.decode("utf-8", "replace")}">>'
    return repr(key)
