"""``relup check`` on a mix release: changed consolidated protocols are a finding.

No appup can load ``releases/VSN/consolidated/*.beam``; a relup made from the
appups alone keeps the old dispatch tables (docs/elixir.md).  The check says
so, with a stable code, whenever a protocol has something to load or delete.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from diffing.changes import ModuleChange, ReleaseDiff
from relup.cli import main
from unit.render.counter_samples import NEW, OLD, counter_plan, protocol_change
from upgrade.check import CheckFinding, check_appups

CODE = "consolidated-protocols-not-covered"
DIFF = counter_plan().diff


def _protocol_findings(diff: ReleaseDiff) -> list[CheckFinding]:
    return [finding for finding in check_appups(diff) if finding.code == CODE]


def test_changed_protocols_are_one_finding_naming_them_and_the_way_out() -> None:
    (finding,) = _protocol_findings(DIFF)
    assert (finding.application, finding.direction) == ("releases/0.2.0/consolidated", None)
    assert finding.message.startswith(
        "consolidated protocols changed: Elixir.Counter.Describe, Elixir.String.Chars; "
        "appups cannot load them"
    )
    assert "relup plan --write and relup package add the relup steps" in finding.message


def test_added_and_removed_protocols_say_so() -> None:
    assert DIFF.consolidated is not None
    changes = (protocol_change("Elixir.A", "added"), protocol_change("Elixir.B", "removed"))
    diff = replace(DIFF, consolidated=replace(DIFF.consolidated, modules=changes))
    (finding,) = _protocol_findings(diff)
    assert "changed: Elixir.A (added), Elixir.B (removed);" in finding.message


@pytest.mark.parametrize(
    "changes",
    [(), (protocol_change("Elixir.Inspect", "changed", vsn_only=True),)],
    ids=["none changed", "vsn only"],
)
def test_nothing_to_load_is_no_finding(changes: tuple[ModuleChange, ...]) -> None:
    assert DIFF.consolidated is not None
    diff = replace(DIFF, consolidated=replace(DIFF.consolidated, modules=changes))
    assert _protocol_findings(diff) == []


def test_a_release_without_consolidated_protocols_has_no_such_finding() -> None:
    assert _protocol_findings(replace(DIFF, consolidated=None)) == []


def test_relup_check_prints_the_finding_as_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(OLD), str(NEW)]) == 1  # NEW's trimmed tree has no appups
    lines = capsys.readouterr().out.splitlines()
    protocol_lines = [line for line in lines if line.endswith(f"[{CODE}]")]
    assert len(protocol_lines) == 1
    assert protocol_lines[0].startswith("note: releases/0.2.0/consolidated: consolidated protocols")


def test_the_note_alone_does_not_fail_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # After plan --write the appups cover everything they can (the new child
    # included, started by Elixir's Supervisor.start_child with its spec);
    # the protocols are relup's steps, noted but no reason to fail.
    old = shutil.copytree(OLD, tmp_path / OLD.name)
    new = shutil.copytree(NEW, tmp_path / NEW.name)
    assert main(["plan", str(old), str(new), "--write"]) == 0
    capsys.readouterr()
    assert main(["check", str(old), str(new)]) == 0
    output = capsys.readouterr()
    assert [line for line in output.out.splitlines() if not line.startswith("note: ")] == []
    assert f"[{CODE}]" in output.out


def test_the_code_is_documented_with_the_other_check_findings() -> None:
    warnings = (Path(__file__).resolve().parents[3] / "docs" / "warnings.md").read_text()
    findings = warnings[warnings.index("# `relup check` findings") :]
    assert f"| `{CODE}` |" in findings
