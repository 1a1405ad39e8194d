#!/usr/bin/env python3
"""Long fuzz run of relup's readers (not part of CI; see docs/robustness.md).

Runs each fuzz target of ``tests/property/fuzz_targets.py`` (term reader,
term file bytes, ETF decoder, BEAM reader, release reader + translation) with
the long seed corpus (the installed OTP's ``.app``/``.appup`` files and a
sample of its beams added to the examples) in randomized batches until its
time is up, then prints how many inputs each target ran and every failure
(with hypothesis' shrunk falsifying example).  Exit status 1 if any target
failed.

    /work/venv/bin/python scripts/fuzz_long.py --seconds 120
    /work/venv/bin/python scripts/fuzz_long.py --seconds 30 --targets beam-reader,etf-decoder
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from property.fuzz_targets import FuzzTarget, fuzz_targets  # noqa: E402


@dataclass
class Outcome:
    """What one target's run did (mutable: counted while it runs)."""

    name: str
    executions: int = 0
    batches: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def run_target(target: FuzzTarget, seconds: float, batch: int) -> Outcome:
    """Run ``target`` in batches of ``batch`` random examples for about ``seconds``."""
    outcome = Outcome(target.name)
    batch_settings = settings(
        max_examples=batch,
        deadline=None,
        derandomize=False,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )

    @batch_settings
    @given(target.inputs)
    def run(value: Any) -> None:
        outcome.executions += 1
        target.check(value)

    started = time.monotonic()
    while time.monotonic() - started < seconds:
        outcome.batches += 1
        try:
            run()
        except Exception as error:  # a crash: report it whole, then go on
            details = "".join(traceback.format_exception(error, limit=-8))
            outcome.failures.append(details)
            print(f"[{target.name}] FAILURE\n{details}", flush=True)
    outcome.seconds = time.monotonic() - started
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="time per target")
    parser.add_argument("--batch", type=int, default=2000, help="examples per hypothesis run")
    parser.add_argument("--targets", default="", help="comma-separated target names (all)")
    arguments = parser.parse_args(argv)
    chosen = {name for name in arguments.targets.split(",") if name}
    targets = [target for target in fuzz_targets(long=True) if not chosen or target.name in chosen]
    outcomes = []
    for target in targets:
        print(f"[{target.name}] fuzzing for {arguments.seconds:.0f} s", flush=True)
        outcome = run_target(target, arguments.seconds, arguments.batch)
        outcomes.append(outcome)
        print(
            f"[{target.name}] {outcome.executions} executions in {outcome.seconds:.0f} s, "
            f"{len(outcome.failures)} failure(s)",
            flush=True,
        )
    print("\ntarget          executions  seconds  failures")
    for outcome in outcomes:
        print(
            f"{outcome.name:<15} {outcome.executions:>10}  {outcome.seconds:>7.0f}  "
            f"{len(outcome.failures):>8}"
        )
    return 1 if any(outcome.failures for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
