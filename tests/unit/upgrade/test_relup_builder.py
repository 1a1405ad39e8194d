"""systools_relup rules: which scripts, in which order, and which warnings and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffing.errors import TranslationError
from diffing.release import (
    Application,
    AppName,
    Appup,
    ModuleName,
    RelApplication,
    Release,
    ReleaseSpec,
    StartType,
)
from diffing.term_reader import parse_first_term
from diffing.terms import Atom, Term
from render.relup_terms import script_to_term
from upgrade.relup_builder import BaseRelease, RelupOptions, build_relup

CORE = (("kernel", "8.5.3"), ("stdlib", "4.2"), ("sasl", "4.2"))


def _app(
    name: str,
    vsn: str,
    modules: tuple[str, ...],
    start_type: StartType = "permanent",
    appup: str | None = None,
) -> Application:
    directory = Path(f"/rel/lib/{name}-{vsn}/ebin")
    appup_record = None
    if appup is not None:
        appup_record = Appup(directory / f"{name}.appup", parse_first_term(appup))
    return Application(
        name=AppName(name),
        vsn=vsn,
        start_type=start_type,
        description="",
        modules=tuple(ModuleName(m) for m in modules),
        uses=(),
        includes=(),
        registered=(),
        directory=directory,
        appup=appup_record or Appup(directory / f"{name}.appup", problem="enoent"),
    )


def _release(vsn: str, apps: list[Application], erts: str = "13.1.5") -> Release:
    core = [_app(name, version, (f"{name}_mod",)) for name, version in CORE]
    applications = (*core, *apps)
    spec = ReleaseSpec(
        name="rel",
        vsn=vsn,
        erts_vsn=erts,
        applications=tuple(RelApplication(a.name, a.vsn, a.start_type) for a in applications),
        path=Path(f"/rel/releases/{vsn}/rel.rel"),
    )
    return Release(spec=spec, applications=applications)


def _terms(text: str) -> Term:
    return parse_first_term(text)


A_APPUP = """{"2", [{"1", [{add_module, a_new}, {update, a_srv, {advanced, x}, [a_lib]},
                {load_module, a_lib}, {apply, {io, format, ["hi~n"]}},
                {update, a_sup, supervisor}]}],
        [{"1", [{delete_module, a_new}, {update, a_srv, {advanced, x}, [a_lib]},
                {load_module, a_lib}, {update, a_sup, supervisor}]}]}."""


def _worked_example() -> tuple[Release, Release]:
    r1 = _release(
        "r1",
        [
            _app("a", "1", ("a_srv", "a_lib", "a_sup")),
            _app("b", "1", ("b1", "b2")),
            _app("d", "1", ("d1",), start_type="load"),
        ],
    )
    r2 = _release(
        "r2",
        [
            _app("c", "1", ("c1", "c2"), start_type="transient"),
            _app("a", "2", ("a_new", "a_srv", "a_lib", "a_sup"), appup=A_APPUP),
        ],
    )
    return r1, r2


def test_worked_example_upgrade_matches_systools() -> None:
    """Reference §4.15.3, checked on OTP 25: added apps first, appups, removed apps last."""
    r1, r2 = _worked_example()
    relup = build_relup(r2, [BaseRelease(r1)], [])
    expected = _terms(
        """[{load_object_code,{c,"1",[c1,c2]}},
        {load_object_code,{a,"2",[a_new,a_srv,a_lib,a_sup]}},
        point_of_no_return,
        {load,{c1,brutal_purge,brutal_purge}}, {load,{c2,brutal_purge,brutal_purge}},
        {apply,{application,start,[c,transient]}},
        {load,{a_new,brutal_purge,brutal_purge}},
        {suspend,[a_srv]}, {load,{a_lib,brutal_purge,brutal_purge}},
        {load,{a_srv,brutal_purge,brutal_purge}}, {code_change,up,[{a_srv,x}]}, {resume,[a_srv]},
        {apply,{io,format,["hi~n"]}},
        {suspend,[a_sup]}, {load,{a_sup,brutal_purge,brutal_purge}},
        {code_change,up,[{a_sup,[]}]}, {resume,[a_sup]},
        {apply,{application,stop,[b]}}, {remove,{b1,brutal_purge,brutal_purge}},
        {remove,{b2,brutal_purge,brutal_purge}}, {purge,[b1,b2]},
        {apply,{application,unload,[b]}},
        {apply,{application,stop,[d]}}, {remove,{d1,brutal_purge,brutal_purge}}, {purge,[d1]},
        {apply,{application,unload,[d]}}]."""
    )
    assert relup.vsn == "r2"
    assert [entry.vsn for entry in relup.up] == ["r1"]
    assert script_to_term(relup.up[0].instructions) == expected
    assert relup.warnings == ()


def test_worked_example_downgrade_reads_the_new_appup_down_list() -> None:
    r1, r2 = _worked_example()
    relup = build_relup(r2, [], [BaseRelease(r1)])
    script = script_to_term(relup.down[0].instructions)
    expected_start = _terms(
        """[{load_object_code,{b,"1",[b1,b2]}}, {load_object_code,{d,"1",[d1]}},
        {load_object_code,{a,"1",[a_srv,a_lib,a_sup]}}, point_of_no_return,
        {load,{b1,brutal_purge,brutal_purge}}, {load,{b2,brutal_purge,brutal_purge}},
        {apply,{application,start,[b,permanent]}},
        {load,{d1,brutal_purge,brutal_purge}}, {apply,{application,load,[d]}},
        {remove,{a_new,brutal_purge,brutal_purge}}, {purge,[a_new]},
        {suspend,[a_srv]}, {code_change,down,[{a_srv,x}]},
        {load,{a_srv,brutal_purge,brutal_purge}}, {load,{a_lib,brutal_purge,brutal_purge}},
        {resume,[a_srv]},
        {suspend,[a_sup]}, {load,{a_sup,brutal_purge,brutal_purge}},
        {code_change,down,[{a_sup,[]}]}, {resume,[a_sup]},
        {apply,{application,stop,[c]}}, {remove,{c1,brutal_purge,brutal_purge}},
        {remove,{c2,brutal_purge,brutal_purge}}, {purge,[c1,c2]},
        {apply,{application,unload,[c]}}]."""
    )
    assert script == expected_start


def test_entries_come_out_in_reverse_order_with_descriptions() -> None:
    r1, r2 = _worked_example()
    r0 = _release("r0", [_app("a", "1", ("a_srv", "a_lib", "a_sup")), *r1.applications[4:]])
    relup = build_relup(r2, [BaseRelease(r1), BaseRelease(r0, _terms('"x".'))], [])
    assert [(entry.vsn, entry.description) for entry in relup.up] == [
        ("r0", _terms('"x".')),
        ("r1", _terms("[].")),
    ]


def test_erts_change_restarts_the_emulator_first_up_and_last_down() -> None:
    r1, r2 = _worked_example()
    r1_old_erts = Release(
        spec=ReleaseSpec(r1.spec.name, r1.spec.vsn, "12.0", r1.spec.applications, r1.spec.path),
        applications=r1.applications,
    )
    relup = build_relup(r2, [BaseRelease(r1_old_erts)], [BaseRelease(r1_old_erts)])
    up, down = relup.up[0].instructions, relup.down[0].instructions
    assert script_to_term(up).items[0] == Atom("restart_new_emulator")
    assert script_to_term(down).items[-1] == Atom("restart_emulator")
    assert [warning.tag for warning in relup.warnings] == ["erts_vsn_changed", "erts_vsn_changed"]


def test_restart_emulator_option_ends_both_directions() -> None:
    r1, r2 = _worked_example()
    relup = build_relup(r2, [BaseRelease(r1)], [BaseRelease(r1)], RelupOptions(True))
    for entry in (*relup.up, *relup.down):
        assert script_to_term(entry.instructions).items[-1] == Atom("restart_emulator")


def test_changed_application_without_appup_is_a_file_problem() -> None:
    r1 = _release("r1", [_app("a", "1", ("a1",))])
    r2 = _release("r2", [_app("a", "2", ("a1",))])
    with pytest.raises(TranslationError) as caught:
        build_relup(r2, [BaseRelease(r1)], [])
    assert caught.value.reason[0] == Atom("file_problem")  # type: ignore[index]
    assert caught.value.exit_code == 3
    assert "a.appup" in str(caught.value)


def test_no_entry_for_the_old_version_is_no_relup() -> None:
    r1 = _release("r1", [_app("a", "1", ("a1",))])
    appup = '{"2", [{"0.9", []}, {<<"1\\\\.[0-9]+">>, []}], []}.'
    r2 = _release("r2", [_app("a", "2", ("a1",), appup=appup)])
    with pytest.raises(TranslationError) as caught:
        build_relup(r2, [BaseRelease(r1)], [])
    assert caught.value.reason[0] == Atom("no_relup")  # type: ignore[index]
    assert caught.value.exit_code == 1


def test_appup_version_mismatch_is_a_bad_vsn_warning() -> None:
    r1 = _release("r1", [_app("a", "1", ("a1",))])
    r2 = _release("r2", [_app("a", "2", ("a1",), appup='{"2.0", [{"1", []}], [{"1", []}]}.')])
    relup = build_relup(r2, [BaseRelease(r1)], [])
    assert [warning.term for warning in relup.warnings] == [_terms('{bad_vsn, {"2.0", "2"}}.')]


def test_release_without_sasl_cannot_be_upgraded() -> None:
    r1, r2 = _worked_example()
    no_sasl = Release(
        spec=ReleaseSpec(
            "rel",
            "r0",
            "13.1.5",
            tuple(a for a in r1.spec.applications if a.name != "sasl"),
            Path("/rel/releases/r0/rel.rel"),
        ),
        applications=tuple(a for a in r1.applications if a.name != "sasl"),
    )
    with pytest.raises(TranslationError) as caught:
        build_relup(r2, [BaseRelease(no_sasl)], [])
    assert caught.value.reason[0] == Atom("missing_sasl")  # type: ignore[index]


def test_regex_versions_take_the_first_whole_match() -> None:
    r1 = _release("r1", [_app("a", "2.1.1", ("a1",))])
    appup = (
        '{"3", [{<<"2\\\\.[0-9]+">>, [{load_module, a1}]}, '
        '{<<"2(\\\\.[0-9]+)+">>, [{update, a1}]}], []}.'
    )
    r2 = _release("r2", [_app("a", "3", ("a1",), appup=appup)])
    relup = build_relup(r2, [BaseRelease(r1)], [])
    # "2.1.1": the first pattern's first match is "2.1", not the whole version.
    assert _terms("{suspend, [a1]}.") in script_to_term(relup.up[0].instructions).items
