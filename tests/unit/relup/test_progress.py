"""The progress bar: drawn on a terminal only, never with --quiet, never in captured output.

Time is a stepped fake clock: no test sleeps or asserts on durations.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from relup import progress as progress_module
from relup.cli import main
from relup.progress import REDRAW_EVERY, SHOW_AFTER, ProgressBar, progress_bar, wants_progress

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_drawn_only_on_a_terminal_and_not_when_quiet() -> None:
    assert wants_progress(Terminal(), quiet=False)
    assert not wants_progress(Terminal(), quiet=True)
    assert not wants_progress(io.StringIO(), quiet=False)
    closed = io.StringIO()
    closed.close()  # isatty raises now
    assert not wants_progress(closed, quiet=False)


@pytest.mark.parametrize(("stream", "quiet"), [(io.StringIO(), False), (Terminal(), True)])
def test_no_callback_and_no_output_without_a_terminal_or_when_quiet(
    stream: io.StringIO, quiet: bool
) -> None:
    with progress_bar(stream, quiet) as progress:
        assert progress is None
    assert stream.getvalue() == ""


def test_nothing_drawn_before_the_run_is_long() -> None:
    clock, stream = Clock(), Terminal()
    bar = ProgressBar(stream, clock)
    bar("reading beams", 10, 100)
    clock.now += SHOW_AFTER / 2
    bar("reading beams", 20, 100)
    bar.close()
    assert stream.getvalue() == ""


def test_drawn_in_place_then_erased() -> None:
    clock, stream = Clock(), Terminal()
    bar = ProgressBar(stream, clock)
    clock.now += SHOW_AFTER
    bar("reading beams", 50, 100)
    assert stream.getvalue() == "\r\x1b[Krelup: reading beams [" + "#" * 15 + "." * 15 + "] 50/100"
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    assert "\n" not in stream.getvalue()


def test_redraws_are_spaced_but_the_end_is_always_shown() -> None:
    clock, stream = Clock(), Terminal()
    bar = ProgressBar(stream, clock)
    clock.now += SHOW_AFTER
    bar("reading beams", 1, 100)
    bar("reading beams", 2, 100)  # too soon: skipped
    assert "2/100" not in stream.getvalue()
    bar("reading beams", 100, 100)  # finished: drawn anyway
    assert stream.getvalue().endswith("100/100")
    bar("planning", 0, 1)  # a new stage: drawn anyway
    assert stream.getvalue().endswith("relup: planning...")
    bar("planning", 0, 2)
    assert stream.getvalue().endswith("relup: planning...")
    clock.now += 2 * REDRAW_EVERY
    bar("planning", 1, 2)
    assert stream.getvalue().endswith("1/2")


def test_line_fits_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: shutil.os.terminal_size((20, 5)))
    line = ProgressBar(Terminal(), Clock()).line("reading beams", 3, 7)
    assert line == "relup: reading beam"


def test_erased_when_the_run_fails() -> None:
    stream = Terminal()
    clock = Clock()
    with pytest.raises(RuntimeError), progress_bar(stream, quiet=False) as progress:
        assert isinstance(progress, ProgressBar)
        progress.clock = clock
        progress.started = clock.now - SHOW_AFTER
        progress("translating", 0, 1)
        raise RuntimeError("boom")
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize("quiet", [[], ["--quiet"], ["-q"]])
def test_commands_print_no_bar_into_captured_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    quiet: list[str],
) -> None:
    monkeypatch.setattr(progress_module, "SHOW_AFTER", 0.0)  # any run is long enough
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", tmp_path / "new")
    assert main(["plan", str(old), str(new), "--format", "json", *quiet]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "reading" not in err
    relup = tmp_path / "relup"
    assert main(["plan", str(old), str(new), "--write", *quiet]) == 0
    written = capsys.readouterr().err
    assert ("relup: wrote" in written) is not quiet
    assert main(["relup", str(old), str(new), "-o", str(relup), "--force", *quiet]) == 0
    assert "\r" not in capsys.readouterr().err
