"""Which appup entry applies to a version, matched as systools matches it.

``systools_relup:appup_search_for_version`` walks the up-from (or down-to)
list front to back and takes the first entry that matches:

* a key term-equal to the version string matches;
* a binary key is a PCRE pattern; it matches when the *first* match found in
  the version (leftmost, first alternative) is the whole version.  That is not
  an anchored full match: ``<<"1|1.0">>`` does not match ``"1.0"``;
* any other entry (another key type, not a pair) is skipped.

Python's ``re`` stands in for PCRE, after ``upgrade.pcre`` rewrites what
differs (Latin-1 classes, ``\\Q..\\E``, named groups, ...).  Both take the
leftmost match and try alternatives in order, so ``search`` then comparing the
match with the whole version gives PCRE's answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diffing.terms import ErlList, Term, as_text
from upgrade.pcre import to_python


class InvalidVersionPattern(ValueError):
    """A binary appup key that is not a valid regular expression (systools crashes: badarg)."""


def find_entry(version: str, entries: ErlList) -> Term | None:
    """The instructions of the first entry of ``entries`` matching ``version``, else None.

    Raises InvalidVersionPattern for a bad pattern met before a match.
    """
    code_points = tuple(ord(char) for char in version)
    for entry in entries.items:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            continue
        key, instructions = entry
        if _is_exactly(key, code_points):
            return instructions
        if isinstance(key, bytes) and _pattern_matches_whole(key, version):
            return instructions
    return None


def _is_exactly(key: Term, code_points: tuple[int, ...]) -> bool:
    # Erlang matching is exact (=:=): [49.0] is not "1", although 49.0 == 49.
    return (
        isinstance(key, ErlList)
        and key.tail is None
        and all(type(item) is int for item in key.items)
        and key.items == code_points
    )


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
    try:
        return re.compile(to_python(text))
    except (ValueError, re.error) as error:
        raise InvalidVersionPattern(f"invalid regular expression {text!r}: {error}") from error


def describe_key(key: Term) -> str:
    text = as_text(key)
    if text is not None:
        return f'"{text}"'
    if isinstance(key, bytes):
        return f'<<"{key.decode("utf-8", "replace")}">>'
    return repr(key)
