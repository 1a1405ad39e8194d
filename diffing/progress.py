"""How long-running stages report progress: a callback the caller may pass.

The stages never draw anything themselves (only ``relup/`` prints); they call
``progress(what, done, total)`` now and then, with ``done`` counting up to
``total`` units of ``what`` (``"reading beams"``, ``"translating"``).  Calls
are cheap to skip: pass None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

Progress: TypeAlias = Callable[[str, int, int], None]


def report(progress: Progress | None, what: str, done: int, total: int) -> None:
    """Call ``progress`` when there is one."""
    if progress is not None:
        progress(what, done, total)
