"""Read Erlang terms from text, as ``file:consult`` and ``systools_lib:read_term`` do.

The grammar is the literal-term subset that ``erl_parse:parse_term`` accepts:
atoms, numbers (with one unary ``-``/``+``), characters, strings (adjacent
literals concatenate), binaries, lists (proper and improper), tuples and maps
with ``=>``, any of them in parentheses (``[(a), -(1), <<(1):(8)>>]``).
Anything else (variables, operators, ``fun``, records, ``:=``) is a
:class:`~diffing.errors.TermSyntaxError` pointing at the offending token.

The parser is iterative: open containers live on an explicit stack, so deep
nesting costs no Python recursion.  Nesting is still capped at
:data:`MAX_NESTING` because later stages walk terms recursively.  Literal
tokens are converted once and then looked up by their text, which keeps a
multi-megabyte relup (mostly the same few atoms) fast to read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from diffing.collection import cyclic_collection_paused
from diffing.errors import InputError, TermSyntaxError
from diffing.etf import external_fun
from diffing.term_tokens import (
    DIGITS,
    END,
    MAX_ATOM_LENGTH,
    RESERVED_WORDS,
    LexError,
    bare_atom_name,
    char_value,
    decode_source,
    describe,
    encode_segment,
    is_atom_start,
    is_end_dot,
    is_variable_start,
    number_value,
    quoted_atom_name,
    quoted_text,
    split_tokens,
    syntax_error,
    token_offset,
)
from diffing.terms import NIL, Atom, ErlList, ErlMap, Term, erl_string

MAX_NESTING = 1000

# Container kinds: "{" tuple, "[" list, "|" list whose tail comes next, "#" map,
# "(" one term in parentheses (erl_parse reads ``[(a)]`` as ``[a]``).
_CLOSER_OF = {"[": "]", "{": "}", "#": "}", "|": "]", "(": ")"}
# The opening brackets, and the term each makes when closed at once.
_EMPTY: dict[str, Term] = {"[": NIL, "{": (), "#": ErlMap()}
# For each container kind, the separators allowed after an item; the " " entry
# is the error message when another token comes instead (" " is never a token).
_AFTER_ITEM = {
    "{": {",": "", "}": "", " ": "expected ',' or '}' in tuple"},
    "[": {",": "", "|": "", "]": "", " ": "expected ',', '|' or ']' in list"},
    "|": {"]": "", " ": "expected ']' after the tail of a list"},
    "#": {",": "", "}": "", " ": "expected ',' or '}' in map"},
    "(": {")": "", " ": "expected ')' after the term in parentheses"},
}
# Closing brackets handled inline by the hot loop, with what they build.
_PLAIN_CLOSE: dict[tuple[str, str], Callable[[list[Term]], Term]] = {
    ("{", "}"): tuple,
    ("[", "]"): lambda items: ErlList(tuple(items)),
    ("(", ")"): lambda items: items[0],
}
_NUMBER_STARTS = frozenset("$0123456789")
_AFTER_MAP_KEY = {"=>": "", " ": "expected '=>' after a map key"}


def parse_terms(text: str, path: Path | None = None) -> tuple[Term, ...]:
    """Every dot-terminated term in ``text``, like ``file:consult``.

    Args:
        text: Erlang term text, e.g. the contents of a ``.app`` or ``relup`` file.
        path: the file the text came from, used only in error messages.

    Returns:
        The terms in order; an empty or comment-only text gives ``()``.

    >>> parse_terms('{a, "b"}. [1|2].')
    ((Atom('a'), erl_string('b')), ErlList((1,), tail=2))
    """
    parser = _Parser(text, path)
    terms = []
    with cyclic_collection_paused():  # a big relup is a great many small terms
        while not parser.at_end():
            terms.append(parser.read_dotted_term())
    return tuple(terms)


def parse_first_term(text: str, path: Path | None = None) -> Term:
    """The first dot-terminated term of ``text``, like ``systools_lib:read_term``.

    Nothing after the first end-dot is parsed, so trailing garbage is
    ignored; a text without any term is an error.
    """
    parser = _Parser(text, path)
    if parser.at_end():
        raise syntax_error(text, len(text), "no term found: the text is empty", path)
    with cyclic_collection_paused():  # a big relup is a great many small terms
        return parser.read_dotted_term()


def read_terms_file(path: Path) -> tuple[Term, ...]:
    """All terms of the file at ``path`` (see :func:`parse_terms`)."""
    return parse_terms(read_term_text(path), path)


def read_first_term_file(path: Path) -> Term:
    """The first term of the file at ``path`` (see :func:`parse_first_term`)."""
    return parse_first_term(read_term_text(path), path)


def read_term_text(path: Path) -> str:
    """The text of a term file, decoded as its ``coding:`` comment says (UTF-8 by default)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None
    return decode_source(data, path)


class _Parser:
    def __init__(self, text: str, path: Path | None) -> None:
        self.text = text
        self.path = path
        # A second END lets the hot loop peek one token past the end safely.
        self.tokens = [*split_tokens(text), END]
        self.index = 0
        # Token text -> its term, for atoms and numbers (terms are immutable);
        # the bare atoms are known at once.
        self.cache: dict[str, Term] = _bare_atoms(self.tokens)
        # The open containers of the term being read: their kinds, and where
        # each one's items start in ``values``.
        self.kinds: list[str] = []
        self.starts: list[int] = []
        self.values: list[Term] = []

    def at_end(self) -> bool:
        return self.tokens[self.index] == END

    def take(self) -> str:
        token = self.tokens[self.index]
        if token != END:
            self.index += 1
        return token

    def error(self, index: int, message: str, inner_offset: int = 0) -> TermSyntaxError:
        offset = token_offset(self.text, index) + inner_offset
        return syntax_error(self.text, offset, message, self.path)

    def unexpected(self, index: int, expected: str) -> TermSyntaxError:
        token = self.tokens[index]
        if token == END:
            return self.error(index, f"unexpected end of input, {expected}")
        return self.error(index, f"{expected}, found {describe(token)}")

    def read_dotted_term(self) -> Term:
        term = self.read_term()
        index = self.index
        token = self.take()
        if not is_end_dot(token, self.tokens[self.index]):
            missing = "missing '.'" if token == END else "expected '.' after the term"
            raise self.unexpected(index, missing)
        return term

    def read_term(self) -> Term:
        # The reader's hot loop.  The common steps (a literal already seen,
        # opening a non-empty tuple or list, ',' after an item, closing a tuple
        # or list) are done inline on a local index; everything else goes
        # through the methods below, which work on ``self.index``.
        tokens, cache, kinds, starts = self.tokens, self.cache, self.kinds, self.starts
        values = self.values
        index = self.index
        while True:
            token = tokens[index]
            value = cache.get(token)
            if value is not None:
                index += 1
            elif _is_plain_open(token, tokens[index + 1], len(kinds)):
                kinds.append(token)
                starts.append(len(values))
                index += 1
                continue
            else:
                self.index = index
                value = self.read_other()
                index = self.index
                if value is None:
                    continue  # a map was opened
            while kinds:
                kind = kinds[-1]
                separator = tokens[index]
                if separator == "," and (kind == "{" or kind == "["):
                    values.append(value)
                    index += 1
                    break
                build = _PLAIN_CLOSE.get((kind, separator))
                if build is not None:
                    kinds.pop()
                    start = starts.pop()
                    values.append(value)
                    value = build(values[start:])
                    del values[start:]
                    index += 1
                    continue
                self.index = index
                value = self.after_item(value)
                index = self.index
                if value is None:
                    break
            else:
                self.index = index
                return value

    def read_other(self) -> Term | None:
        """A literal that is not cached yet, or None after opening a container."""
        if self.tokens[self.index] in _EMPTY or self.tokens[self.index] == "(":
            return self.open_container()
        return self.read_literal()

    def open_container(self) -> Term | None:
        """Consume an opening bracket: the empty container if it closes at once, else None."""
        index = self.index
        kind = self.take()
        if len(self.kinds) >= MAX_NESTING:
            raise self.error(index, f"terms nested deeper than {MAX_NESTING} levels")
        if kind == "#" and self.take() != "{":
            raise self.unexpected(self.index - 1, "expected '{' after '#' (records are not terms)")
        if kind == "(" and self.tokens[self.index] == ")":
            raise self.unexpected(self.index, "expected a term in parentheses")
        if self.skip(_CLOSER_OF[kind]):
            return _EMPTY[kind]
        self.kinds.append(kind)
        self.starts.append(len(self.values))
        return None

    def after_item(self, value: Term) -> Term | None:
        """Take the separator after ``value``: the closed container's term, or None."""
        index = self.index
        separator = self.take()
        kind = self.kinds[-1]
        expected = _expected_separators(kind, len(self.values) - self.starts[-1])
        if separator not in expected:
            hint = " (':=' only updates maps)" if separator == ":=" else ""
            raise self.unexpected(index, expected[" "] + hint)
        self.values.append(value)
        if separator == "|":
            self.kinds[-1] = "|"
        elif separator == _CLOSER_OF[kind]:
            return self.close_container()
        return None

    def close_container(self) -> Term:
        kind = self.kinds.pop()
        start = self.starts.pop()
        items = tuple(self.values[start:])
        del self.values[start:]
        if kind == "{":
            return items
        if kind == "[":
            return ErlList(items)
        if kind == "|":
            return ErlList(items[:-1], items[-1])
        if kind == "(":
            return items[0]
        try:
            return ErlMap(tuple(zip(items[::2], items[1::2], strict=True)))
        except RecursionError:
            # ErlMap hashes and orders its keys recursively; a key nested
            # past Python's recursion limit is refused, as the ETF decoder does.
            raise self.error(self.index - 1, "map key nested too deeply") from None

    def read_literal(self) -> Term:
        index = self.index
        token = self.tokens[index]
        if token in ("-", "+"):
            self.index += 1
            return self.read_signed(token)
        if token == "<<":
            self.index += 1
            return self.read_binary()
        if token[:1] == '"' and len(token) > 1:
            return erl_string(self.read_strings())
        if token == "fun":
            return self.read_external_fun()
        value = self.convert()
        if value is None:
            raise self.not_a_term(index, token)
        self.cache[token] = value
        return value

    def not_a_term(self, index: int, token: str) -> TermSyntaxError:
        if token == '"':
            return self.error(index, "unterminated string")
        if token == "'":
            return self.error(index, "unterminated quoted atom")
        if is_variable_start(token):
            return self.error(index, f"variable '{token}' is not allowed in a term")
        return self.unexpected(index, "expected a term")

    def convert(self) -> Term | None:
        """Take the atom or number token at hand; None (and nothing taken) if it is neither."""
        index = self.index
        token = self.tokens[index]
        first = token[:1]
        try:
            if first == "'" and token != "'":
                value: Term = Atom(quoted_atom_name(token))
            elif first == "$":
                value = char_value(token)
            elif first in DIGITS:
                value = number_value(token)
            elif is_atom_start(token):
                value = Atom(bare_atom_name(token))
            else:
                return None
        except LexError as error:
            raise self.error(index, error.message, error.offset) from None
        self.index += 1
        return value

    def read_external_fun(self) -> Term:
        """``fun Module:Function/Arity``, all three literal: an external fun to erl_parse."""
        self.index += 1  # fun
        module = self.read_fun_name("module")
        if not self.skip(":"):
            raise self.unexpected(self.index, "expected ':' in fun M:F/A (a local fun is no term)")
        function = self.read_fun_name("function")
        if not self.skip("/"):
            raise self.unexpected(self.index, "expected '/' in fun M:F/A")
        index = self.index
        arity = self.read_integer()
        if arity > 255:
            raise self.error(index, f"fun arity {arity} is over 255")
        return external_fun(module, function, arity)

    def read_fun_name(self, what: str) -> str:
        index = self.index
        value = self.convert()  # None for what is no atom or number
        if not isinstance(value, Atom):
            raise self.unexpected(index, f"expected the {what} of fun M:F/A, an atom")
        return value.name

    def read_strings(self) -> str:
        """The text of the string literal at hand and of any right after it."""
        text = ""
        while self.tokens[self.index][:1] == '"' and len(self.tokens[self.index]) > 1:
            index = self.index
            try:
                text += quoted_text(self.take())
            except LexError as error:
                raise self.error(index, error.message, error.offset) from None
        return text

    def read_signed(self, sign: str) -> int | float:
        opened = self.skip_openings()  # -(1) is -1 to erl_parse
        index = self.index
        value = self.convert() if self.tokens[index][:1] in _NUMBER_STARTS else None
        if not isinstance(value, int | float):
            raise self.unexpected(index, f"expected a number after unary '{sign}'")
        self.skip_closings(opened)
        return -value if sign == "-" else value

    def skip_openings(self) -> int:
        """Take the '(' tokens at hand; how many."""
        opened = 0
        while self.skip("("):
            opened += 1
        return opened

    def skip_closings(self, count: int) -> None:
        """Take ``count`` ')' tokens, as the openings taken before require."""
        for _ in range(count):
            if not self.skip(")"):
                raise self.unexpected(self.index, "expected ')'")

    def read_binary(self) -> bytes:
        if self.tokens[self.index] == ">>":
            self.index += 1
            return b""
        data = bytearray()
        while True:
            data += self.read_segment()
            index = self.index
            separator = self.take()
            if separator == ">>":
                return bytes(data)
            if separator != ",":
                raise self.unexpected(index, "expected ',' or '>>' in binary")

    def read_segment(self) -> bytes:
        """One ``Value[:Size][/Type-...]`` segment of a binary (value and size may
        stand in parentheses)."""
        opened = self.skip_openings()
        index = self.index
        token = self.tokens[index]
        values: list[int | float]
        if token[:1] == '"' and len(token) > 1:
            values = [ord(char) for char in self.read_strings()]
        elif token in ("-", "+"):
            self.index += 1
            values = [self.read_signed(token)]
        elif token[:1] in _NUMBER_STARTS:
            values = [self.read_signed("+")]
        else:
            raise self.unexpected(index, "expected a string or number in binary")
        self.skip_closings(opened)
        size = self.read_size() if self.skip(":") else None
        types = self.read_segment_types() if self.skip("/") else ()
        try:
            return b"".join(encode_segment(value, size, types) for value in values)
        except ValueError as error:
            raise self.error(index, f"invalid binary segment: {error}") from None

    def skip(self, token: str) -> bool:
        if self.tokens[self.index] != token:
            return False
        self.index += 1
        return True

    def read_segment_types(self) -> tuple[tuple[str, int], ...]:
        types = []
        while True:
            index = self.index
            name = self.take()
            if not is_atom_start(name):
                raise self.unexpected(index, "expected a binary type such as utf8")
            if name == "unit" and not self.skip(":"):
                raise self.unexpected(self.index, "expected ':' after 'unit'")
            unit = self.read_integer() if name == "unit" else 0
            types.append((name, unit))
            if not self.skip("-"):
                return tuple(types)

    def read_size(self) -> int:
        opened = self.skip_openings()
        size = self.read_integer()
        self.skip_closings(opened)
        return size

    def read_integer(self) -> int:
        index = self.index
        value = self.convert() if self.tokens[index][:1] in DIGITS else None
        if not isinstance(value, int):
            raise self.unexpected(index, "expected an integer")
        return value


def _bare_atoms(tokens: list[str]) -> dict[str, Term]:
    """Each distinct bare-atom token and its atom, found in one pass.

    The tokenizer makes a name starting with a lowercase letter one whole
    token, so such a token is that atom wherever a term may stand, unless it is
    a reserved word or too long (left out: reading it raises the error).  A
    ``.app`` file's module list is thousands of distinct atoms; converting
    them here costs a fifth of converting them one by one as they are met.
    """
    return {
        token: Atom(token)
        for token in set(tokens)
        if is_atom_start(token) and token not in RESERVED_WORDS and len(token) <= MAX_ATOM_LENGTH
    }


def _is_plain_open(token: str, following: str, depth: int) -> bool:
    """True for a '{' or '[' that starts a non-empty tuple or list within the nesting cap."""
    return (token == "{" or token == "[") and following != _CLOSER_OF[token] and depth < MAX_NESTING


def _expected_separators(kind: str, item_count: int) -> dict[str, str]:
    if kind == "#" and item_count % 2 == 0:
        return _AFTER_MAP_KEY
    return _AFTER_ITEM[kind]
