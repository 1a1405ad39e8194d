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
