"""Invariants of every translated relup script, over generated appup scripts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given

from diffing.release import Application, AppName, ModuleName
from property.script_strategies import ScriptCase, valid_scripts
from upgrade import instructions as ins
from upgrade.syntax import check_syntax, expand_script
from upgrade.translate import translate_scripts


def _application(modules: tuple[str, ...]) -> Application:
    return Application(
        name=AppName("test"),
        vsn="1.0",
        start_type="permanent",
        description="",
        modules=tuple(ModuleName(module) for module in modules),
        uses=(),
        includes=(),
        registered=(),
        directory=Path("."),
    )


def _translate(case: ScriptCase, mode: ins.Mode) -> tuple[ins.LowLevelInstruction, ...]:
    application = _application(case.modules)
    return translate_scripts(mode, case.scripts, [application], [application])


def _dependency_edges(case: ScriptCase) -> list[tuple[str, str]]:
    edges = []
    for script in case.scripts:
        for instruction in check_syntax(expand_script(script)):
            if isinstance(
                instruction, ins.Update | ins.LoadModule | ins.AddModule | ins.DeleteModule
            ):
                edges.extend((instruction.module, dep) for dep in instruction.dep_mods)
    return edges


def _reaches(edges: list[tuple[str, str]], start: str, goal: str) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        for source, target in edges:
            if source == node and target not in seen:
                if target == goal:
                    return True
                seen.add(target)
                frontier.append(target)
    return False


class TestPointOfNoReturn:
    """systools_rc: the result is Before ++ [point_of_no_return | After], and only
    load_object_code and apply may come before the point (restart_new_emulator
    aside, which release_handler handles before evaluation)."""

    @given(valid_scripts())
    def test_one_point_and_only_object_code_and_apply_before_it(self, case: ScriptCase) -> None:
        for mode in ("up", "dn"):
            script = _translate(case, mode)
            assert script.count(ins.POINT_OF_NO_RETURN) == 1
            before = script[: script.index(ins.POINT_OF_NO_RETURN)]
            assert all(isinstance(i, ins.LoadObjectCode | ins.Apply) for i in before)


class TestSuspendResume:
    """translate_dep_to_low: every block that suspends resumes the same modules, in
    reverse order, after its loads and code changes."""

    @given(valid_scripts())
    def test_every_suspend_has_its_resume(self, case: ScriptCase) -> None:
        for mode in ("up", "dn"):
            script = _translate(case, mode)
            open_block: tuple[str, ...] | None = None
            for instruction in script:
                if isinstance(instruction, ins.Suspend):
                    assert open_block is None, "suspend inside a suspend window"
                    open_block = instruction.modules
                elif isinstance(instruction, ins.Resume):
                    assert open_block is not None
                    assert instruction.modules == tuple(reversed(open_block))
                    open_block = None
            assert open_block is None


class TestDependencyOrder:
    """Upgrade loads a module's dependencies first; downgrade loads them last
    (unless both sit in one cycle, where instruction order rules)."""

    @given(valid_scripts())
    def test_dependencies_load_first_on_upgrade_and_last_on_downgrade(
        self, case: ScriptCase
    ) -> None:
        edges = _dependency_edges(case)
        for mode in ("up", "dn"):
            position = {
                instruction.module: index
                for index, instruction in enumerate(_translate(case, mode))
                if isinstance(instruction, ins.Load | ins.Remove)
            }
            for module, dependency in edges:
                if module == dependency or _reaches(edges, dependency, module):
                    continue  # same strongly connected component
                if mode == "up":
                    assert position[dependency] < position[module], (module, dependency)
                else:
                    assert position[module] < position[dependency], (module, dependency)

    @given(valid_scripts())
    def test_every_load_has_its_object_code(self, case: ScriptCase) -> None:
        for mode in ("up", "dn"):
            script = _translate(case, mode)
            loaded = [i.module for i in script if isinstance(i, ins.Load)]
            object_code = [
                m for i in script if isinstance(i, ins.LoadObjectCode) for m in i.modules
            ]
            assert sorted(loaded) == sorted(object_code)
