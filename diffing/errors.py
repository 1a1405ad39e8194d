"""relup's one error hierarchy.

It lives at the bottom of the import graph so that every stage can raise it;
``relup.errors`` re-exports it as the public face.  Each error formats itself
and names the file it is about; only the CLI prints it and turns its
``exit_code`` into the process status:

* 1: the plan, translation or check failed (systools would refuse);
* 2: usage error (bad arguments, or an existing file relup must not replace);
* 3: an input is missing, unreadable or malformed.
"""

from __future__ import annotations

from pathlib import Path

from diffing.terms import Term

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
# How much of a source line a syntax error shows.
_SHOWN_WIDTH = 100


def one_line(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (``\\x0b``).

    Messages quote bytes from the inputs (a token, a path, a source line);
    escaping keeps each message on one line and out of the terminal's control.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _placeholder(char: str) -> str:
    # One column per character, so the caret under the source line stays aligned.
    return char if char.isprintable() else "\N{REPLACEMENT CHARACTER}"


class RelupError(Exception):
    """Base of every error relup raises on purpose."""

    exit_code: int = EXIT_FAILED


class UsageError(RelupError):
    exit_code = EXIT_USAGE


class InputError(RelupError):
    """An input file or directory is missing, unreadable or malformed."""

    exit_code = EXIT_INPUT

    def __init__(self, path: Path | str | None, message: str) -> None:
        self.path = None if path is None else Path(path)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return one_line(self.message if self.path is None else f"{self.path}: {self.message}")


class TermSyntaxError(InputError):
    """Erlang term text that cannot be read; points a caret at the offending column."""

    def __init__(
        self, path: Path | str | None, line: int, column: int, source_line: str, message: str
    ) -> None:
        self.line = line
        self.column = column
        self.source_line = source_line
        super().__init__(path, message)

    def __str__(self) -> str:
        where = "<text>" if self.path is None else str(self.path)
        first = one_line(f"{where}:{self.line}:{self.column}: {self.message}")
        if not self.source_line:
            return first
        shown = "".join(map(_placeholder, self.source_line.rstrip("\n").expandtabs(1)))
        # A long line (minified, or nested a thousand deep) is shown around the column.
        start = max(0, min(self.column - 1 - _SHOWN_WIDTH // 2, len(shown) - _SHOWN_WIDTH))
        prefix = "..." if start else ""
        suffix = "..." if start + _SHOWN_WIDTH < len(shown) else ""
        caret = " " * (len(prefix) + self.column - 1 - start) + "^"
        return f"{first}\n    {prefix}{shown[start : start + _SHOWN_WIDTH]}{suffix}\n    {caret}"


class TermDecodeError(InputError):
    """Binary data (a BEAM chunk, external term format) that cannot be decoded."""


class ReleaseError(InputError):
    """A release (``.rel``/``.app`` set) that systools_make would refuse to resolve.

    ``reason`` is the term systools would return inside ``{error, systools_make, _}``
    (or a close equivalent); the message says it in words.
    """

    def __init__(self, path: Path | str | None, message: str, reason: Term | None = None) -> None:
        self.reason = reason
        super().__init__(path, message)


class TranslationError(RelupError):
    """systools would refuse to build the relup.

    ``origin`` is the systools module that reports it (``systools_rc`` or
    ``systools_relup``) and ``reason`` the Erlang reason term it returns, so
    differential tests can compare causes exactly.
    """

    exit_code = EXIT_FAILED

    def __init__(
        self,
        origin: str,
        reason: Term,
        message: str,
        path: Path | None = None,
        exit_code: int = EXIT_FAILED,
    ) -> None:
        self.origin = origin
        self.exit_code = exit_code
        self.reason = reason
        self.message = message
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        return one_line(self.message if self.path is None else f"{self.path}: {self.message}")


class OutputError(RelupError):
    """relup cannot or must not write an output file."""

    exit_code = EXIT_INPUT

    def __init__(self, path: Path | str, message: str, exit_code: int = EXIT_INPUT) -> None:
        self.path = Path(path)
        self.message = message
        self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        return one_line(f"{self.path}: {self.message}")
