"""Tokenizer for Erlang term text, following the lexical rules of ``erl_scan``.

Speed matters (a relup can hold a million tokens), so the whole text is split
by a single ``re.findall``: each match skips white space and ``%`` comments
and captures one token's text.  The splitting never fails; an unknown
character or an unterminated quote just becomes a one-character token that
the parser rejects.  Tokens are plain strings with no position: when an error
must be reported, :func:`token_offset` finds the token again by re-running
the same pattern, so positions cost nothing on the happy path.

Token texts are classified by their first character: lowercase letter ->
atom (or reserved word), uppercase/underscore -> variable, digit -> number,
``"`` string, ``'`` quoted atom, ``$`` character, ``.`` end-dot, ``""`` end of
input; anything else is punctuation.
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

from diffing.errors import InputError, TermSyntaxError

# Words the Erlang scanner never returns as atoms (erl_scan's fixed set).
RESERVED_WORDS = frozenset(
    [
        "after",
        "and",
        "andalso",
        "band",
        "begin",
        "bnot",
        "bor",
        "bsl",
        "bsr",
        "bxor",
        "case",
        "catch",
        "cond",
        "div",
        "end",
        "fun",
        "if",
        "let",
        "not",
        "of",
        "or",
        "orelse",
        "receive",
        "rem",
        "try",
        "when",
        "xor",
    ]
)

MAX_ATOM_LENGTH = 255
END = ""
# Only ASCII digits start a number ("²".isdigit() is true, but erl_scan says no).
DIGITS = frozenset("0123456789")

# erl_scan treats every code point up to space, and 0x80..0xA0, as white space.
_WHITE = r"\x00-\x20\x80-\xa0"
# ISO Latin-1 letters count as name characters; the lowercase ones may start an atom.
LOWERCASE = "a-z\u00df-\u00f6\u00f8-\u00ff"
UPPERCASE = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_NAME = f"[{LOWERCASE}{UPPERCASE}0-9_@]*"
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_ALTERNATIVES = (
    rf"[{LOWERCASE}{UPPERCASE}_]{_NAME}",
    rf"{_DIGITS}\.[0-9]+(?:_[0-9]+)*(?:[eE][+-]?(?:{_DIGITS})?)?",
    rf"{_DIGITS}#(?:[0-9a-zA-Z]+(?:_[0-9a-zA-Z]+)*)?",
    _DIGITS,
    # "\^" takes the next character whatever it is (even a quote), hence "\\\^?".
    r'"[^"\\]*(?:\\\^?[\s\S][^"\\]*)*"',
    r"'[^'\\]*(?:\\\^?[\s\S][^'\\]*)*'",
    r"\$(?:\\(?:x\{[0-9a-zA-Z]*\}?|x[0-9a-fA-F]{0,2}|[0-7]{1,3}|\^[\s\S]?|[\s\S]?)|[\s\S])?",
    # An end-dot swallows the white space character or comment after it.
    rf"\.(?:[{_WHITE}]|%[^\n]*)",
    r"<<|>>|=>|:=|\.\.\.|\.\.|->|--|\+\+|=:=|=/=|=<|==|>=|<=|<-|/=|\|\||::|\?=",
    r"[\s\S]",
    r"\Z",
)
# Single brackets and commas come first only because they are the most common tokens.
_TOKEN = re.compile(rf"[{_WHITE}]*(?:%[^\n]*[{_WHITE}]*)*([{{}}\[\],]|{'|'.join(_ALTERNATIVES)})")

_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x\{([0-9a-fA-F]*)\}|x([0-9a-fA-F]{2})|\^([\s\S])|([\s\S]))"
)
_NOT_UNICODE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_LOWER_START = re.compile(f"[{LOWERCASE}]")
_VARIABLE_START = re.compile(f"[{UPPERCASE}_]")
_SIMPLE_ESCAPES = {
    "b": "\b",
    "d": "\x7f",
    "e": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "s": " ",
    "t": "\t",
    "v": "\v",
}


class LexError(ValueError):
    """A malformed token; ``offset`` is where, counted from the token's first character."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


# An epp-style "coding:" comment in one of the first two lines.
_CODING = re.compile(rb"%.*?coding *[:=] *([-a-zA-Z0-9]*)")


def source_encoding(data: bytes) -> str:
    """``latin-1`` if a ``coding: latin-1`` comment says so, else ``utf-8`` (epp's rule)."""
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING.search(line)
        if match is not None:
            parts = match.group(1).lower().split(b"-")
            return "latin-1" if parts[:2] == [b"latin", b"1"] else "utf-8"
    return "utf-8"


def decode_source(data: bytes, path: Path | None) -> str:
    """The text of a term file's bytes, in the encoding :func:`source_encoding` finds."""
    encoding = source_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        message = f"not valid {encoding} text at byte {error.start} (add '%% coding: latin-1'?)"
        raise InputError(path, message) from None


def split_tokens(text: str) -> list[str]:
    """The token texts of ``text``, ending with one :data:`END` token.

    Splitting never fails (anything unknown becomes a one-character token),
    so text after a term's end-dot can be split without effect: only the
    parser judges tokens, and it stops at the end-dot.
    """
    return _TOKEN.findall(text)


def token_offset(text: str, index: int) -> int:
    """The character offset in ``text`` of token number ``index`` of :func:`split_tokens`."""
    for number, match in enumerate(_TOKEN.finditer(text)):
        if number == index:
            return match.start(1)
    return len(text)


def syntax_error(text: str, offset: int, message: str, path: Path | None) -> TermSyntaxError:
    """A TermSyntaxError at character ``offset`` of ``text`` (1-based line and column)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    source_line = text[line_start : len(text) if line_end < 0 else line_end]
    line = text.count("\n", 0, offset) + 1
    return TermSyntaxError(path, line, offset - line_start + 1, source_line, message)


def is_unicode_scalar(code: int) -> bool:
    """True for the code points erl_scan accepts in strings (no surrogates, FFFE, FFFF)."""
    return 0 <= code < 0xD800 or 0xDFFF < code < 0xFFFE or 0xFFFF < code <= 0x10FFFF


def is_end_dot(token: str, following: str) -> bool:
    """True if ``token`` (followed by ``following``) is the dot that ends a term."""
    if token == ".":
        return following == END
    return len(token) > 1 and token[0] == "." and token[1] != "."


def is_atom_start(token: str) -> bool:
    return _LOWER_START.match(token) is not None


def is_variable_start(token: str) -> bool:
    return _VARIABLE_START.match(token) is not None


def bare_atom_name(token: str) -> str:
    """The name of an unquoted atom token, rejecting reserved words and overlong names."""
    if token in RESERVED_WORDS:
        raise LexError(0, f"'{token}' is a reserved word; write the atom as '{token}'")
    if len(token) > MAX_ATOM_LENGTH:
        raise LexError(0, f"atom too long (over {MAX_ATOM_LENGTH} characters)")
    return token


def quoted_text(token: str) -> str:
    """The characters of a complete string or quoted-atom token, escapes decoded."""
    body = token[1:-1]
    illegal = _NOT_UNICODE.search(body)
    if illegal is not None:
        raise LexError(1 + illegal.start(), "illegal character")
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda match: _escape_value(match, 1), body)


def quoted_atom_name(token: str) -> str:
    name = quoted_text(token)
    if len(name) > MAX_ATOM_LENGTH:
        raise LexError(0, f"atom too long (over {MAX_ATOM_LENGTH} characters)")
    return name


def char_value(token: str) -> int:
    """The code point of a ``$`` token."""
    body = token[1:]
    if body in ("", "\\", "\\^"):
        raise LexError(0, "incomplete character literal after '$'")
    if body[0] != "\\":
        if not is_unicode_scalar(ord(body)):
            raise LexError(1, "illegal character")
        return ord(body)
    match = _ESCAPE.match(body)
    assert match is not None  # the body is a backslash and at least one character
    value = _escape_value(match, 1)
    if match.end() != len(body):
        raise LexError(1, "invalid escape in character literal")
    return ord(value)


def _escape_value(match: re.Match[str], base: int) -> str:
    octal, braced_hex, two_hex, control, other = match.groups()
    if octal is not None:
        return chr(int(octal, 8))
    if two_hex is not None:
        return chr(int(two_hex, 16))
    if braced_hex is not None:
        if not braced_hex or not is_unicode_scalar(int(braced_hex, 16)):
            raise LexError(base + match.start(), "invalid \\x{...} escape")
        return chr(int(braced_hex, 16))
    if control is not None:
        return chr(ord(control) & 31)
    if other == "x":
        raise LexError(base + match.start(), "invalid \\x escape: need two hex digits or {...}")
    return _SIMPLE_ESCAPES.get(other, other)


def number_value(token: str) -> int | float:
    """The value of a number token: decimal, ``Base#Digits`` or float."""
    digits = token.replace("_", "")
    if "#" in digits:
        base_text, _, value_text = digits.partition("#")
        base = int(base_text)
        if not 2 <= base <= 36:
            raise LexError(0, f"invalid integer base {base} (must be 2..36)")
        try:
            return int(value_text, base)
        except ValueError:
            raise LexError(0, f"invalid base-{base} integer '{token}'") from None
    if "." not in digits:
        return int(digits)
    try:
        value = float(digits)
    except ValueError:
        raise LexError(0, f"invalid float '{token}'") from None
    if value in (float("inf"), float("-inf")):
        raise LexError(0, f"float out of range '{token}'")
    return value


def describe(token: str) -> str:
    """A token as an error message names it."""
    if token == END:
        return "end of input"
    first = token[0]
    if first == "." and is_end_dot(token, "x"):
        return "end of term '.'"
    if token == ".":
        return "'.' (an end-dot needs white space after it)"
    if first in DIGITS or first == "$":
        return f"number {token}"
    if first == '"':
        return "a string" if len(token) > 1 else "'\"'"
    if first == "'" and len(token) > 1:
        return f"atom {token}"
    if is_atom_start(token):
        return f"atom '{token}'" if token not in RESERVED_WORDS else f"reserved word '{token}'"
    if is_variable_start(token):
        return f"variable '{token}'"
    return f"'{token}'"


_INTEGER_TYPES = {"integer", "signed", "unsigned", "big", "little", "native"}


def encode_segment(
    value: int | float, size: int | None, types: tuple[tuple[str, int], ...]
) -> bytes:
    """The bytes of one binary segment, laid out as Erlang's bit syntax does.

    Supported: integers of whole-byte sizes, 32/64-bit floats and utf8/16/32
    code points, each big- or little-endian.
    """
    names = {name for name, _ in types}
    unit = max((unit for name, unit in types if name == "unit"), default=1)
    little = "little" in names or ("native" in names and sys.byteorder == "little")
    encodings = names & {"utf8", "utf16", "utf32"}
    if encodings:
        (encoding,) = encodings
        if size is not None or not isinstance(value, int) or not is_unicode_scalar(value):
            raise ValueError(f"{encoding} needs a code point and no size")
        codec = "utf-8" if encoding == "utf8" else f"utf-{encoding[3:]}-{'le' if little else 'be'}"
        return chr(value).encode(codec)
    unknown = names - _INTEGER_TYPES - {"float", "unit"}
    if unknown:
        raise ValueError(f"unsupported type {sorted(unknown)[0]}")
    if "float" in names:
        bits = (64 if size is None else size) * unit
        if bits not in (32, 64):
            raise ValueError("float size must be 32 or 64 bits")
        return struct.pack(("<" if little else ">") + ("f" if bits == 32 else "d"), value)
    if not isinstance(value, int):
        raise ValueError("a float needs the /float type")
    bits = (8 if size is None else size) * unit
    if bits % 8:
        raise ValueError("sizes that are not whole bytes are not supported")
    return (value % (1 << bits)).to_bytes(bits // 8, "little" if little else "big")
