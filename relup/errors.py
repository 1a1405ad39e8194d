"""The public face of relup's one error hierarchy (defined in ``diffing.errors``).

It is defined at the bottom of the import graph so every stage can raise it;
import it from here in code that sits on top.
"""

from __future__ import annotations

from diffing.errors import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_USAGE,
    InputError,
    OutputError,
    ReleaseError,
    RelupError,
    TermDecodeError,
    TermSyntaxError,
    TranslationError,
    UsageError,
)

EXIT_OK = 0

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_USAGE",
    "InputError",
    "OutputError",
    "ReleaseError",
    "RelupError",
    "TermDecodeError",
    "TermSyntaxError",
    "TranslationError",
    "UsageError",
]
