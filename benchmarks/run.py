"""Time systools against relup on synthetic release pairs (issue 6).

For each size the three commands run as whole processes, interleaved in one
run on the same warm files (one untimed warm-up round first):

* systools: ``systools:make_relup`` given the appups (``silent``, ``noexec``);
* relup relup: the same translation, written to a temporary file;
* relup plan: diff and plan the pair without appups, JSON to /dev/null.

Reported: median wall time over ``--runs`` rounds, each relup command's ratio
to systools, and the largest peak RSS of each command (from ``wait4``).

    python benchmarks/run.py --sizes 1k,5k,20k --runs 5 [--write-docs]
    python benchmarks/run.py --smoke
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_CACHE, Pair, generate_pair

SIZES: dict[str, tuple[int, int]] = {
    "smoke": (5, 20),
    "1k": (10, 100),
    "5k": (25, 200),
    "20k": (100, 200),
    "50k": (250, 200),
}
COMMANDS = ("systools", "relup relup", "relup plan")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    max_rss_mb: float


@dataclass(frozen=True, slots=True)
class SizeResult:
    name: str
    pair: Pair
    runs: int
    samples: dict[str, tuple[Sample, ...]]

    def median(self, command: str) -> float:
        return statistics.median(sample.seconds for sample in self.samples[command])

    def peak_mb(self, command: str) -> float:
        return max(sample.max_rss_mb for sample in self.samples[command])

    def ratio(self, command: str) -> float:
        return self.median(command) / self.median("systools")


def relup_executable() -> list[str]:
    """The installed ``relup`` script beside this Python (start-up as users see it)."""
    script = Path(sys.executable).parent / "relup"
    return [str(script)] if script.exists() else [sys.executable, "-m", "relup.cli"]


def systools_command(pair: Pair, outdir: Path | None = None) -> list[str]:
    """``make_relup`` on the pair; with ``outdir`` it writes the relup there instead of noexec."""
    new_rel = str(pair.rel_file(pair.new).with_suffix(""))
    old_rel = str(pair.rel_file(pair.old).with_suffix(""))
    paths = f'["{pair.old}/lib/*/ebin", "{pair.new}/lib/*/ebin"]'
    target = f'{{outdir, "{outdir}"}}' if outdir is not None else "noexec"
    expression = (
        f'case systools:make_relup("{new_rel}", ["{old_rel}"], ["{old_rel}"], '
        f"[{{path, {paths}}}, silent, {target}]) of "
        "{ok, _, _, _} -> halt(0); ok -> halt(0); "
        'Other -> io:format(standard_error, "~P~n", [Other, 30]), halt(1) end.'
    )
    return ["erl", "-noshell", "-eval", expression]


def relup_relup_command(pair: Pair, output: Path) -> list[str]:
    return [
        *relup_executable(),
        "relup",
        str(pair.old),
        str(pair.new),
        "-o",
        str(output),
        "--force",
        "--quiet",
    ]


def relup_plan_command(pair: Pair) -> list[str]:
    return [*relup_executable(), "plan", str(pair.old), str(pair.new_plain), "--format", "json"]


def measure(command: Sequence[str]) -> Sample:
    """Run ``command`` to completion; its wall time and its own peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir()
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} exited {process.returncode}: {errors.decode()[-2000:]}")
    return Sample(elapsed, usage.ru_maxrss / 1024)


def run_size(name: str, runs: int, cache: Path = DEFAULT_CACHE) -> SizeResult:
    pair = generate_pair(*SIZES[name], cache=cache)
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "systools": systools_command(pair),
            "relup relup": relup_relup_command(pair, Path(scratch) / "relup"),
            "relup plan": relup_plan_command(pair),
        }
        for command in commands.values():  # warm the page cache and .pyc files
            measure(command)
        samples: dict[str, list[Sample]] = {key: [] for key in commands}
        for _round in range(runs):
            for key, command in commands.items():
                samples[key].append(measure(command))
    return SizeResult(name, pair, runs, {key: tuple(value) for key, value in samples.items()})


def markdown_table(results: Sequence[SizeResult]) -> str:
    lines = [
        "| size | apps x modules | changed / added / removed | runs | systools s "
        "| relup relup s (ratio) | relup plan s (ratio) | peak RSS MB systools / relup / plan |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        pair, (apps, per_app) = result.pair, SIZES[result.name]
        lines.append(
            f"| {result.name} ({pair.modules} modules) | {apps} x {per_app} "
            f"| {pair.changed} / {pair.added} / {pair.removed} | {result.runs} "
            f"| {result.median('systools'):.2f} "
            f"| {result.median('relup relup'):.2f} ({result.ratio('relup relup'):.2f}x) "
            f"| {result.median('relup plan'):.2f} ({result.ratio('relup plan'):.2f}x) "
            f"| {result.peak_mb('systools'):.0f} / {result.peak_mb('relup relup'):.0f} "
            f"/ {result.peak_mb('relup plan'):.0f} |"
        )
    return "\n".join(lines) + "\n"


def machine_description() -> str:
    otp = subprocess.run(
        [
            "erl",
            "-noshell",
            "-eval",
            'io:format("~s (erts ~s)", [erlang:system_info(otp_release), '
            "erlang:system_info(version)]), halt().",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"- CPU: {_cpu_model()}, `nproc` = {os.cpu_count()}\n"
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"OTP {otp}\n"
        f"- {platform.system()} {platform.release()}\n"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def docs_text(results: Sequence[SizeResult], command_line: str) -> str:
    return f"""# Benchmarks

relup against `systools:make_relup` on synthetic releases (issue 6). Produced by

```
{command_line}
```

The generator (`benchmarks/generate.py`) writes release pairs under
`/tmp/relup-bench` (cached, keyed by size): N applications of M tiny modules
each (an application callback, a supervisor with literal child specs, ~20%
gen_servers exporting `code_change/3`, the rest libraries; every module calls
two or three others, in its own application and in the one before it). Four
of five applications change: ~15% of all modules changed, ~1% added, ~1%
removed, with hand-written-style appups in the new release for the translate
case. Beams are real, compiled by OTP.

Each round runs three whole processes one after another on the same warm
files, start-up included; the table gives the median over the rounds (after
one untimed warm-up round) and each relup command's ratio to systools in the
same run, plus the largest peak RSS seen:

- **systools**: `erl -noshell -eval` calling `systools:make_relup(New, [Old], [Old],
  [{{path, ...}}, silent, noexec])` with the appups;
- **relup relup**: `relup relup OLD NEW -o FILE` on the same files;
- **relup plan**: `relup plan OLD NEW --format json > /dev/null` on the same pair
  *without* appups (reads and diffs every beam, plans, translates).

Targets (100 x 200 case): relup relup <= 0.25x, relup plan <= 0.5x,
peak memory <= 300 MB, time linear in the number of modules.

## Machine

{machine_description()}
## Results

{markdown_table(results)}
Rerun: `python benchmarks/run.py --sizes 1k,5k,20k --runs 5 --write-docs`
(the first run of a size generates it: about 2 s for 1k, 30 s for 20k, 70 s for 50k).
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time systools against relup.")
    parser.add_argument("--sizes", default="1k,5k,20k", help=f"comma list of {', '.join(SIZES)}")
    parser.add_argument(
        "--runs", type=int, default=5, help="timed rounds per size (50k: at most 3)"
    )
    parser.add_argument("--smoke", action="store_true", help="only the tiny CI size, 3 rounds")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS}")
    args = parser.parse_args(argv)
    names = ["smoke"] if args.smoke else [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [name for name in names if name not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; known: {', '.join(SIZES)}")
    results = []
    for name in names:
        runs = 3 if args.smoke else (min(args.runs, 3) if name == "50k" else args.runs)
        results.append(run_size(name, runs, args.cache))
        print(f"{name}: done", file=sys.stderr, flush=True)
    print(markdown_table(results), end="")
    if args.write_docs:
        command_line = "python benchmarks/run.py " + " ".join(
            sys.argv[1:] if argv is None else argv
        )
        DOCS.write_text(docs_text(results, command_line.strip()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
