"""A progress bar on standard error for long ``relup plan`` and ``relup relup`` runs.

The library stages only call a :data:`diffing.progress.Progress` callback;
this module is the one that draws.  It draws only on a terminal (never into
a pipe, a file or a test's captured output), never with ``--quiet``, and
only once a run has lasted :data:`SHOW_AFTER` seconds, so quick runs print
nothing at all.  The line is redrawn in place (carriage return) at most every
:data:`REDRAW_EVERY` seconds and erased when the run ends, so messages printed
afterwards (warnings, errors, ``wrote FILE``) start on a clean line.  A new
stage and the end of one are always drawn.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from diffing.progress import Progress

SHOW_AFTER = 0.5
REDRAW_EVERY = 0.1
_ERASE_LINE = "\r\x1b[K"
_BAR_WIDTH = 30


class ProgressBar:
    """Draws ``relup: reading beams [#####.....] 12000/40000`` on one terminal line.

    Callable as a :data:`~diffing.progress.Progress`.  ``clock`` is injectable
    so the tests can step time instead of sleeping.
    """

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.last_drawn: float | None = None
        self.last_what = ""
        self.shown = False

    def __call__(self, what: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < SHOW_AFTER:
            return
        news = what != self.last_what or (total > 0 and done >= total)  # a new stage, or the end
        if self.last_drawn is not None and now - self.last_drawn < REDRAW_EVERY and not news:
            return
        self.last_drawn = now
        self.last_what = what
        self.shown = True
        self.stream.write(_ERASE_LINE + self.line(what, done, total))
        self.stream.flush()

    def line(self, what: str, done: int, total: int) -> str:
        """The text drawn for this state, cut to the terminal's width."""
        if total > 1:
            filled = min(_BAR_WIDTH, _BAR_WIDTH * done // total)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            text = f"relup: {what} [{bar}] {done}/{total}"
        else:
            text = f"relup: {what}..."
        return text[: max(shutil.get_terminal_size().columns - 1, 1)]

    def close(self) -> None:
        """Erase the bar, if it was ever drawn."""
        if self.shown:
            self.stream.write(_ERASE_LINE)
            self.stream.flush()
            self.shown = False


def wants_progress(stream: TextIO, quiet: bool) -> bool:
    """Whether to draw on ``stream``: a terminal, and the user did not ask for quiet."""
    if quiet:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@contextmanager
def progress_bar(stream: TextIO, quiet: bool) -> Iterator[Progress | None]:
    """A progress callback for the run inside the block, or None when nothing is to be drawn.

    The bar is erased when the block ends, also when it raises.
    """
    if not wants_progress(stream, quiet):
        yield None
        return
    bar = ProgressBar(stream)
    try:
        yield bar
    finally:
        bar.close()
