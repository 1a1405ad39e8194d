"""Fuzzing relup's readers: only relup's own errors may escape.

A reader fed garbage must answer with a ``RelupError`` naming the file, never
an IndexError, RecursionError, UnicodeError or zlib.error from deep inside.
The inputs are random, and mutations (cuts, bit flips, spliced tokens, deep
nesting, bad sizes) of real files: the example releases' ``.rel``, ``.app``,
``sys.config``, beams and appup, and the golden relup.

This is the short CI profile: derandomized and a few seconds in all.  The long
run is ``scripts/fuzz_long.py`` (see docs/robustness.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from property.fuzz_targets import FuzzTarget, fuzz_targets

# Small and fast: the contract is checked here, volume comes from the long run.
CI_FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TARGETS = fuzz_targets()


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_only_relup_errors_escape(target: FuzzTarget) -> None:
    """Readers either return or raise a RelupError with a one-line message naming the file.

    ``systools_lib:read_term`` and ``beam_lib`` answer bad files with
    ``{error, ...}`` tuples; relup's equivalent is its one error hierarchy.
    """

    @CI_FUZZ
    @given(target.inputs)
    def run(value: Any) -> None:
        target.check(value)

    run()


# Inputs that once escaped as something other than a RelupError (each fixed):
# kept here so they stay fixed whatever the random draw.
FOUND_CRASHERS = (
    # "²".isdigit() is true: the reader took it for a number, int() raised ValueError.
    ("term-reader", "²"),
    ("term-reader", "[1, ²]."),
    # ErlMap hashes its keys recursively: RecursionError for a key nested ~500 deep.
    ("term-reader", "#{" + "[" * 990 + "]" * 990 + " => 1}."),
    ("term-reader", "#{" + "{" * 600 + "}" * 600 + " => 1, a => 2}."),
    # Control characters in a token or the source line split the message into lines.
    ("term-reader", "{release,\x0b\x1b[31m x\x07}."),
    ("term-bytes", b"{a,\x0c\x1c'\x1b'}\x85."),
)
BY_NAME = {target.name: target for target in TARGETS}


@pytest.mark.parametrize(("name", "value"), FOUND_CRASHERS)
def test_inputs_found_by_fuzzing_stay_fixed(name: str, value: Any) -> None:
    BY_NAME[name].check(value)


def test_the_fuzz_targets_cover_every_reader() -> None:
    assert {target.name for target in TARGETS} == {
        "term-reader",
        "term-bytes",
        "etf-decoder",
        "beam-reader",
        "release-reader",
    }
