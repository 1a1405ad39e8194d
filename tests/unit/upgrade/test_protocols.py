"""The release-wide steps that load a mix release's consolidated protocols.

The programs the steps evaluate are run by a real Elixir (``elixir``, marker
``erlang``) on a code path laid out as a mix release's boot script lays it
out, with the example's consolidated beams (examples/counter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import require_tool

from diffing.changes import ChangeKind, ConsolidationDiff, ModuleChange
from diffing.release import AppName, ModuleName
from diffing.terms import ErlList
from upgrade import instructions as ins
from upgrade.plan import PlannedInstruction, ProtocolPlan
from upgrade.protocols import plan_protocols, with_protocol_steps
from upgrade.relup_builder import Relup, RelupEntry

COUNTER = Path(__file__).resolve().parents[3] / "examples" / "counter"
OLD_DIR, NEW_DIR = "releases/0.1.0/consolidated", "releases/0.2.0/consolidated"


def _diff(*changes: tuple[str, ChangeKind]) -> ConsolidationDiff:
    return ConsolidationDiff(
        OLD_DIR,
        NEW_DIR,
        tuple(ModuleChange(ModuleName(name), kind, None, None) for name, kind in changes),
    )


def _program(step: PlannedInstruction) -> str:
    instruction = step.instruction
    assert isinstance(instruction, ins.Apply)
    assert (instruction.module, instruction.function) == ("Elixir.Code", "eval_string")
    assert isinstance(instruction.arguments, ErlList)
    (program,) = instruction.arguments.items
    assert isinstance(program, bytes)
    return program.decode("utf-8")


def _plan(*changes: tuple[str, ChangeKind]) -> ProtocolPlan:
    plan = plan_protocols(_diff(*changes))
    assert plan is not None
    return plan


def test_no_consolidated_protocols_no_steps() -> None:
    assert plan_protocols(None) is None


def test_one_check_and_one_step_per_direction_with_their_rules() -> None:
    plan = _plan(("Elixir.String.Chars", "changed"))
    assert (plan.old_directory, plan.new_directory) == (OLD_DIR, NEW_DIR)
    rules = [
        [step.reason.rule for step in steps]
        for steps in (plan.up_check, plan.up, plan.down_check, plan.down)
    ]
    assert rules == [
        ["consolidated-protocols-check"],
        ["consolidated-protocols-changed"],
        ["consolidated-protocols-check"],
        ["consolidated-protocols-changed"],
    ]
    assert '~c"0.2.0"' in _program(plan.up[0]) and '~c"0.1.0"' in _program(plan.down[0])


def test_added_protocols_are_deleted_going_down_and_removed_ones_going_up() -> None:
    plan = _plan(("Elixir.New", "added"), ("Elixir.Gone", "removed"), ("Elixir.Both", "changed"))
    up, down = _program(plan.up[0]), _program(plan.down[0])
    assert 'for m <- [:"Elixir.New", :"Elixir.Both"] do\n  :code.purge(m)\n  {:module' in up
    assert 'for m <- [:"Elixir.Gone"] do\n  :code.purge(m)\n  :code.delete(m)' in up
    assert 'for m <- [:"Elixir.Gone", :"Elixir.Both"] do\n  :code.purge(m)\n  {:module' in down
    assert 'for m <- [:"Elixir.New"] do\n  :code.purge(m)\n  :code.delete(m)' in down
    assert "Elixir.New (added)" in plan.up[0].reason.text


def test_the_plan_carries_the_module_lists_its_programs_loop_over() -> None:
    diff = _diff(("Elixir.New", "added"), ("Elixir.Gone", "removed"), ("Elixir.Both", "changed"))
    vsn_only = ModuleChange(ModuleName("Elixir.Same"), "changed", None, None, vsn_only=True)
    plan = plan_protocols(replace(diff, modules=(*diff.modules, vsn_only)))
    assert plan is not None
    up, down = plan.up_modules, plan.down_modules
    assert (up.loads, up.reloads, up.adds, up.deletes) == (
        ("Elixir.New", "Elixir.Both"), ("Elixir.Both",), ("Elixir.New",), ("Elixir.Gone",),
    )  # fmt: skip
    assert (down.loads, down.reloads, down.adds, down.deletes) == (
        ("Elixir.Gone", "Elixir.Both"), ("Elixir.Both",), ("Elixir.Gone",), ("Elixir.New",),
    )  # fmt: skip
    assert 'for m <- [:"Elixir.New", :"Elixir.Both"] do' in _program(plan.up_check[0])
    assert "Elixir.Same" not in _program(plan.up[0]) + _program(plan.down[0])


def test_without_changes_only_the_code_path_entry_moves() -> None:
    plan = _plan()
    assert plan.up[0].reason.rule == "consolidated-path"
    assert "for m" not in _program(plan.up[0]) and "for m" not in _program(plan.up_check[0])
    assert ":code.replace_path(:consolidated, target)" in _program(plan.up[0])


def _relup(*scripts: tuple[ins.LowLevelInstruction, ...]) -> Relup:
    entries = tuple(RelupEntry("0.1.0", ErlList(), script) for script in scripts)
    return Relup("0.2.0", entries, entries)


LOAD = ins.LoadObjectCode(AppName("counter"), ErlList(), (ModuleName("m"),))
PNR = ins.PointOfNoReturn()
STEP = ins.Load(ModuleName("m"))


def test_checks_go_before_point_of_no_return_and_steps_last_up_first_down() -> None:
    plan = _plan(("Elixir.String.Chars", "changed"))
    placed = with_protocol_steps(_relup((LOAD, PNR, STEP)), plan)
    up_check, up = plan.up_check[0].instruction, plan.up[0].instruction
    down_check, down = plan.down_check[0].instruction, plan.down[0].instruction
    assert placed.up[0].instructions == (LOAD, up_check, PNR, STEP, up)
    assert placed.down[0].instructions == (LOAD, down_check, PNR, down, STEP)


def test_a_final_restart_emulator_stays_last() -> None:
    plan = _plan()
    placed = with_protocol_steps(_relup((PNR, STEP, ins.RESTART_EMULATOR)), plan)
    assert placed.up[0].instructions[-2:] == (plan.up[0].instruction, ins.RESTART_EMULATOR)


def test_a_script_without_point_of_no_return_gets_one_after_the_checks() -> None:
    plan = _plan()
    placed = with_protocol_steps(_relup(()), plan)
    assert placed.up[0].instructions == (
        plan.up_check[0].instruction,
        PNR,
        plan.up[0].instruction,
    )
    assert placed.down[0].instructions == (
        plan.down_check[0].instruction,
        PNR,
        plan.down[0].instruction,
    )


# -- the programs, run by Elixir ------------------------------------------------------


def _release_layout(tmp_path: Path) -> Path:
    """ROOT/releases/{0.1.0,0.2.0}/consolidated with the example's beams, and ROOT/lib."""
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    for vsn, tree in (("0.1.0", "rel-0.1.0"), ("0.2.0", "rel-0.2.0")):
        shutil.copytree(
            COUNTER / tree / "releases" / vsn / "consolidated",
            root / "releases" / vsn / "consolidated",
        )
    return root


def _run_elixir(root: Path, programs: list[str], report: str) -> subprocess.CompletedProcess[str]:
    """Evaluate the programs in order on a VM whose code path starts as a mix release's."""
    require_tool("elixir", "Elixir")
    script = root / "run.exs"
    lines = ['programs = :erlang.binary_to_term(File.read!(System.fetch_env!("PROGRAMS")))']
    lines.append("Enum.each(programs, &Code.eval_string/1)")
    lines.append(report)
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    encoded = root / "programs.etf"
    encoded.write_bytes(_term_to_binary(programs))
    consolidated = f"{root}/lib/../releases/0.1.0/consolidated"
    return subprocess.run(
        ["elixir", "--erl", f"-pa {consolidated}", str(script)],
        env={"PROGRAMS": str(encoded), "PATH": os.environ.get("PATH", ""), "HOME": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _term_to_binary(programs: list[str]) -> bytes:
    """External term format of a list of binaries (131, LIST_EXT of BINARY_EXT, NIL_EXT)."""
    data = bytearray([131, 108]) + len(programs).to_bytes(4, "big")
    for program in programs:
        encoded = program.encode("utf-8")
        data += bytes([109]) + len(encoded).to_bytes(4, "big") + encoded
    return bytes(data + bytes([106]))


REPORT = (
    "IO.puts(:code.which(String.Chars)); IO.puts(:code.which(Counter.Describe)); "
    "IO.puts(hd(:code.get_path()))"
)


@pytest.mark.erlang
def test_the_upgrade_check_and_step_load_the_new_consolidated_beams(tmp_path: Path) -> None:
    root = _release_layout(tmp_path)
    plan = _plan(("Elixir.String.Chars", "changed"), ("Elixir.Counter.Describe", "changed"))
    result = _run_elixir(root, [_program(plan.up_check[0]), _program(plan.up[0])], REPORT)
    assert result.returncode == 0, result.stderr
    new = f"{root}/lib/../releases/0.2.0/consolidated"
    assert result.stdout.splitlines() == [
        f"{new}/Elixir.String.Chars.beam",
        f"{new}/Elixir.Counter.Describe.beam",
        new,
    ]


@pytest.mark.erlang
def test_the_downgrade_step_goes_back_and_deletes_what_new_added(tmp_path: Path) -> None:
    root = _release_layout(tmp_path)
    plan = _plan(("Elixir.String.Chars", "changed"), ("Elixir.Counter.Describe", "added"))
    programs = [_program(plan.up[0]), _program(plan.down_check[0]), _program(plan.down[0])]
    report = "IO.puts(:code.which(String.Chars)); IO.inspect(:code.is_loaded(Counter.Describe))"
    result = _run_elixir(root, programs, report)
    assert result.returncode == 0, result.stderr
    old = f"{root}/lib/../releases/0.1.0/consolidated"
    assert result.stdout.splitlines() == [f"{old}/Elixir.String.Chars.beam", "false"]


@pytest.mark.erlang
def test_the_check_fails_before_anything_changes_when_a_beam_is_missing(tmp_path: Path) -> None:
    root = _release_layout(tmp_path)
    (root / "releases" / "0.2.0" / "consolidated" / "Elixir.String.Chars.beam").unlink()
    plan = _plan(("Elixir.String.Chars", "changed"))
    result = _run_elixir(root, [_program(plan.up_check[0])], REPORT)
    assert result.returncode != 0
    assert "Elixir.String.Chars.beam is missing" in result.stderr


@pytest.mark.erlang
def test_module_names_are_quoted_so_elixir_reads_them_back(tmp_path: Path) -> None:
    """Atoms with quotes, backslashes and #{ stay literal (no interpolation)."""
    require_tool("elixir", "Elixir")
    names = ['Elixir.Odd"Name', "Elixir.Back\\slash", "Elixir.#{System.halt(3)}", "Elixir.Été"]
    plan = _plan(*((name, "changed") for name in names))
    program = _program(plan.up[0])
    source = tmp_path / "program.exs"
    source.write_text(program, encoding="utf-8")
    expression = (
        "ast = Code.string_to_quoted!(File.read!(System.argv() |> hd()))\n"
        "{_, atoms} = Macro.prewalk(ast, [], fn\n"
        "  {:<-, _, [_, list]} = node, acc when is_list(list) -> {node, acc ++ list}\n"
        "  node, acc -> {node, acc}\n"
        "end)\n"
        "Enum.each(atoms, &IO.puts(Atom.to_string(&1)))"
    )
    result = subprocess.run(
        ["elixir", "-e", expression, str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == names
