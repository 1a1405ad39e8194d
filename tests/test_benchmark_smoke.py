"""The benchmark's smoke size end to end: generate, time the three commands, compare relups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from diffing.term_reader import read_first_term_file
from oracle.relup_compare import canonical

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import run as bench

pytestmark = pytest.mark.erlang


def test_smoke_size_runs_all_three_commands(tmp_path: Path) -> None:
    result = bench.run_size("smoke", runs=1, cache=tmp_path / "cache")

    assert result.pair.modules == 100
    assert result.pair.changed > 0 and result.pair.added > 0 and result.pair.removed > 0
    for command in bench.COMMANDS:
        (sample,) = result.samples[command]
        assert sample.seconds > 0 and sample.max_rss_mb > 0
    table = bench.markdown_table([result])
    assert "| smoke (100 modules) | 5 x 20 |" in table


def test_relup_relup_equals_systools_on_the_smoke_pair(tmp_path: Path) -> None:
    pair = bench.generate_pair(*bench.SIZES["smoke"], cache=tmp_path / "cache")
    systools_dir = tmp_path / "systools"
    systools_dir.mkdir()
    subprocess.run(bench.systools_command(pair, outdir=systools_dir), check=True, timeout=60)
    ours = tmp_path / "relup"
    subprocess.run(bench.relup_relup_command(pair, ours), check=True, timeout=60)

    expected = read_first_term_file(systools_dir / "relup")
    actual = read_first_term_file(ours)
    assert canonical(actual) == canonical(expected)
    assert "load_object_code" in repr(expected)  # the pair really upgrades something


def test_relup_plan_reads_the_pair_without_appups(tmp_path: Path) -> None:
    pair = bench.generate_pair(*bench.SIZES["smoke"], cache=tmp_path / "cache")
    assert not list(pair.new_plain.glob("lib/*/ebin/*.appup"))
    assert list(pair.new.glob("lib/*/ebin/*.appup"))
    planned = subprocess.run(
        bench.relup_plan_command(pair), capture_output=True, text=True, timeout=60, check=True
    )
    assert '"schema_version"' in planned.stdout


def _result(name: str, modules: int, seconds: dict[str, float], rss: float) -> bench.SizeResult:
    pair = bench.Pair(Path("/x"), Path("/x/old"), Path("/x/new"), Path("/x/p"), modules, 1, 1, 1)
    samples = {command: (bench.Sample(seconds[command], rss),) for command in bench.COMMANDS}
    return bench.SizeResult(name, pair, 1, samples)


def test_targets_are_judged_from_the_results() -> None:
    fast = {"systools": 4.0, "relup relup": 0.8, "relup plan": 1.9}
    slow = {"systools": 20.0, "relup relup": 2.0, "relup plan": 5.5}
    text = bench.targets_text(
        [_result("20k", 20_000, fast, 120.0), _result("50k", 50_000, slow, 310.0)]
    )
    assert "20k `relup relup`: 0.20x systools (target <= 0.25x): met" in text
    assert "20k `relup plan`: 0.47x systools (target <= 0.5x): met" in text
    assert "peak RSS of relup, all sizes: 310 MB (target <= 300 MB): NOT met" in text
    assert (
        "`relup relup` per 1000 modules: 0.040 s at 20000, 0.040 s at 50000 (1.00x): linear" in text
    )
    assert "(1.16x): linear" in text  # plan: 0.095 s, then 0.110 s per 1000 modules
    worse = bench.targets_text([_result("20k", 20_000, slow, 100.0)])
    assert "20k `relup plan`: 0.28x" in worse
    assert "20k `relup relup`: 0.10x" in worse
    assert "NOT met" not in worse
