"""systools_make semantics: .rel checks, .app parsing and search, application order.

Expected values restate systools_make (OTP 25); the erlang-marked test in
test_release_reader.py checks the same situations against real systools.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffing.app_order import (
    check_applications,
    duplicate_pairs,
    order_applications,
    sort_applications,
    sort_uses_and_includes,
    subtract,
)
from diffing.app_resolution import (
    AppFileProblem,
    WrongVersion,
    collect_applications,
    find_application,
    parse_application_term,
)
from diffing.errors import InputError, ReleaseError
from diffing.rel_check import MISSING_SASL, check_release_term
from diffing.release import Application, AppName, ModuleName, RelApplication, ReleaseSpec
from diffing.systools_terms import ErlangCrash, is_string, show_term
from diffing.term_reader import parse_first_term, read_first_term_file
from diffing.terms import NIL, Atom, ErlList, Term, erl_string

REL = Path("rel/demo.rel")
APP_FILE = Path("lib/a-1/ebin/a.app")


def term(text: str) -> Term:
    return parse_first_term(text + ".")


def atoms(*names: str) -> ErlList:
    return ErlList(tuple(Atom(name) for name in names))


def rel_reason(text: str) -> Term:
    with pytest.raises(ReleaseError) as caught:
        check_release_term(term(text), REL)
    assert caught.value.path == REL
    assert "\n" not in caught.value.message
    return caught.value.reason


# --- systools' predicates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"abc"', True),
        ("[]", True),
        ('"é✓"', True),
        ('<<"a">>', False),
        ('["a"]', False),
        ("[[]]", False),
        ("[-1]", False),
        ("[16#110000]", False),
        ("[16#D800]", False),
        ('[97|<<"b">>]', False),
    ],
)
def test_is_string_follows_characters_to_list(text: str, expected: bool) -> None:
    assert is_string(term(text)) is expected


@pytest.mark.parametrize("text", ["foo", "1", "1.0", "{a}", "[97|foo]", "[97,foo]", "[-1,foo]"])
def test_is_string_crashes_with_badarg_where_characters_to_list_raises(text: str) -> None:
    with pytest.raises(ErlangCrash) as caught:
        is_string(term(text))
    assert caught.value.why == Atom("badarg")


def test_show_term_writes_erlang_syntax_on_one_line() -> None:
    shown = show_term(term("{'EXIT', [a, \"b\" | c], <<1,2>>, #{k => 1}}"))
    assert shown == "{'EXIT',[a,\"b\"|c],<<1,2>>,#{k => 1}}"


# --- the .rel term ----------------------------------------------------------------------


def test_valid_rel_gives_the_spec_with_defaults_and_overrides() -> None:
    spec, warnings = check_release_term(
        term(
            '{release, {"demo", "1.0"}, {erts, "13.1"}, [{kernel, "8.5"}, {stdlib, "4.2", '
            'permanent}, {sasl, "4.2", [x]}, {a, "1", temporary, []}]}'
        ),
        REL,
    )
    assert spec == ReleaseSpec(
        name="demo",
        vsn="1.0",
        erts_vsn="13.1",
        applications=(
            RelApplication(AppName("kernel"), "8.5"),
            RelApplication(AppName("stdlib"), "4.2"),
            RelApplication(AppName("sasl"), "4.2", "permanent", (AppName("x"),)),
            RelApplication(AppName("a"), "1", "temporary", ()),
        ),
        path=REL,
    )
    assert warnings == ()


def test_missing_sasl_is_only_a_warning() -> None:
    _, warnings = check_release_term(
        term('{release, {"demo", "1"}, {erts, "1"}, [{kernel, "1"}, {stdlib, "1"}]}'), REL
    )
    assert warnings == (MISSING_SASL,)


@pytest.mark.parametrize(
    "text",
    [
        '{release, {"d", "1"}, {erts, "1"}}',
        '{release, {"d", "1"}, {erts, "1"}, foo}',
        '{release, {"d", "1", x}, {erts, "1"}, []}',
        '{release, {"d", "1"}, {ertz, "1"}, []}',
        "[release]",
    ],
)
def test_badly_formatted_release(text: str) -> None:
    assert rel_reason(text) == Atom("badly_formatted_release")


def test_name_is_checked_before_version_erts_and_applications() -> None:
    reason = rel_reason('{release, {<<"d">>, x}, {erts, 1}, [bad]}')
    assert reason == (Atom("illegal_name"), b"d")


def test_illegal_version_and_erts_version() -> None:
    assert rel_reason('{release, {"d", <<"1">>}, {erts, "1"}, []}') == (
        Atom("illegal_form"),
        b"1",
    )
    assert rel_reason('{release, {"d", "1"}, {erts, <<"1">>}, []}') == (
        Atom("illegal_form"),
        (Atom("erts"), b"1"),
    )


def test_a_non_string_name_crashes_systools_with_badarg() -> None:
    reason = rel_reason('{release, {demo, "1"}, {erts, "1"}, []}')
    assert reason == (Atom("EXIT"), (Atom("badarg"), NIL))


def test_illegal_applications_lists_every_bad_entry_in_order() -> None:
    reason = rel_reason(
        '{release, {"d", "1"}, {erts, "1"}, [{kernel, "1"}, {a, <<"1">>}, {stdlib, "1"}, '
        '{c, "1", nosuchtype}, {"d", "1"}, {e, "1", [x, "y"]}, {f, "1", load, [g]}]}'
    )
    assert reason == (
        Atom("illegal_applications"),
        ErlList(
            (
                term('{a, <<"1">>}'),
                term('{c, "1", nosuchtype}'),
                term('{"d", "1"}'),
                term('{e, "1", [x, "y"]}'),
            )
        ),
    )


def test_an_improper_application_list_crashes_with_bad_generator() -> None:
    reason = rel_reason('{release, {"d", "1"}, {erts, "1"}, [{kernel, "1"} | foo]}')
    assert reason == (Atom("EXIT"), ((Atom("bad_generator"), Atom("foo")), NIL))


def test_a_non_string_application_version_crashes_before_the_list_is_judged() -> None:
    reason = rel_reason('{release, {"d", "1"}, {erts, "1"}, [{a, b, c, d}, {kernel, v1}]}')
    assert reason == (Atom("EXIT"), (Atom("badarg"), NIL))


@pytest.mark.parametrize(
    ("applications", "expected"),
    [
        ('[{stdlib, "1"}]', (Atom("missing_mandatory_app"), Atom("kernel"))),
        ('[{kernel, "1"}]', (Atom("missing_mandatory_app"), Atom("stdlib"))),
        ('[{stdlib, "1", load}]', (Atom("missing_mandatory_app"), Atom("kernel"))),
        (
            '[{kernel, "1", load}, {stdlib, "1", none}]',
            (Atom("mandatory_app"), Atom("kernel"), Atom("load")),
        ),
        (
            '[{kernel, "1"}, {stdlib, "1", temporary}]',
            (Atom("mandatory_app"), Atom("stdlib"), Atom("temporary")),
        ),
        (
            '[{kernel, "1", [x]}, {stdlib, "1", transient, []}]',
            (Atom("mandatory_app"), Atom("stdlib"), Atom("transient")),
        ),
    ],
)
def test_mandatory_applications(applications: str, expected: Term) -> None:
    assert rel_reason(f'{{release, {{"d", "1"}}, {{erts, "1"}}, {applications}}}') == expected


def test_only_the_first_kernel_entry_counts() -> None:
    spec, _ = check_release_term(
        term(
            '{release, {"d", "1"}, {erts, "1"}, '
            '[{kernel, "1"}, {kernel, "2", load}, {stdlib, "1"}]}'
        ),
        REL,
    )
    assert [entry.vsn for entry in spec.applications] == ["1", "2", "1"]


# --- one .app term ----------------------------------------------------------------------


def app_term(keys: str, name: str = "a") -> Term:
    return term(f"{{application, {name}, [{keys}]}}")


MINIMAL_KEYS = (
    '{vsn, "1"}, {description, "A"}, {modules, [m1, m2]}, {registered, [r]}, '
    "{applications, [kernel]}"
)


def parse(
    keys: str, vsn: str = "1", includes: dict[AppName, tuple[AppName, ...]] | None = None
) -> Application | WrongVersion | AppFileProblem:
    return parse_application_term(app_term(keys), APP_FILE, vsn, includes or {})


def test_app_defaults_are_systools_defaults() -> None:
    assert parse(MINIMAL_KEYS) == Application(
        name=AppName("a"),
        vsn="1",
        start_type="permanent",
        description="A",
        modules=(ModuleName("m1"), ModuleName("m2")),
        uses=(AppName("kernel"),),
        includes=(),
        registered=("r",),
        directory=APP_FILE.parent,
        id="",
        optional=(),
        env=NIL,
        max_t=Atom("infinity"),
        max_p=Atom("infinity"),
        mod=NIL,
        start_phases=Atom("undefined"),
    )


def test_app_keys_are_read_from_the_first_matching_tuple() -> None:
    parsed = parse(
        '{vsn, "1"}, junk, {description, "A"}, {modules, []}, {registered, []}, '
        "{applications, []}, {env, [{k, 1}]}, {env, bad}, {mod, {a_app, []}}, {maxT, 5}, "
        '{start_phases, [{go, []}]}, {optional_applications, [o]}, {id, "x"}'
    )
    assert isinstance(parsed, Application)
    assert parsed.env == term("[{k, 1}]")
    assert parsed.mod == term("{a_app, []}")
    assert parsed.max_t == 5
    assert parsed.start_phases == term("[{go, []}]")
    assert parsed.optional == (AppName("o"),)
    assert parsed.id == "x"


@pytest.mark.parametrize(
    ("keys", "kind", "key"),
    [
        ('{description, "A"}, {modules, []}', "missing_param", "vsn"),
        ('{vsn, "1"}, {modules, []}, {applications, []}', "missing_param", "description"),
        ('{vsn, "1", extra}, {description, "A"}', "missing_param", "vsn"),
        (MINIMAL_KEYS.replace("[m1, m2]", '[m1, "m2"]'), "bad_param", "modules"),
        (MINIMAL_KEYS + ", {mod, a_app}", "missing_param", "mod"),
        (MINIMAL_KEYS + ", {maxT, 0}", "bad_param", "maxT"),
        (MINIMAL_KEYS + ", {maxP, -1}", "bad_param", "maxP"),
        (MINIMAL_KEYS + ", {env, [{1, 2}]}", "bad_param", "env"),
        (MINIMAL_KEYS + ", {start_phases, [go]}", "bad_param", "start_phases"),
        (MINIMAL_KEYS + ', {id, <<"x">>}', "bad_param", "id"),
        (MINIMAL_KEYS + ", {included_applications, [a | b]}", "bad_param", "included_applications"),
        (MINIMAL_KEYS + ", {env, [], x}", "missing_param", "env"),
    ],
)
def test_app_parameter_problems(keys: str, kind: str, key: str) -> None:
    parsed = parse(keys)
    assert isinstance(parsed, AppFileProblem)
    assert parsed.reason == ((Atom(kind), Atom(key)), app_term(keys))
    assert parsed.path == APP_FILE


def test_parameters_are_checked_before_the_version() -> None:
    keys = MINIMAL_KEYS.replace("{registered, [r]}", "{registered, r}")
    parsed = parse(keys, vsn="2")
    assert isinstance(parsed, AppFileProblem)
    assert parsed.reason == ((Atom("bad_param"), Atom("registered")), app_term(keys))


def test_another_version_is_a_wrong_version() -> None:
    assert parse(MINIMAL_KEYS, vsn="2") == WrongVersion(APP_FILE, erl_string("1"))


def test_a_non_string_vsn_crashes_inside_the_catch() -> None:
    keys = MINIMAL_KEYS.replace('{vsn, "1"}', "{vsn, one}")
    parsed = parse(keys)
    assert isinstance(parsed, AppFileProblem)
    assert parsed.reason == ((Atom("EXIT"), (Atom("badarg"), NIL)), app_term(keys))


def test_improper_key_list_crashes_only_when_the_key_is_not_found_first() -> None:
    keys = MINIMAL_KEYS + " | tail"
    parsed = parse(keys)
    assert isinstance(parsed, AppFileProblem)
    # vsn..applications are found before the tail; optional_applications is not.
    assert parsed.reason == ((Atom("EXIT"), (Atom("badarg"), NIL)), app_term(keys))


@pytest.mark.parametrize(
    "text", ["{application, a}", "{app, a, []}", '{application, "a", []}', "{application, a, foo}"]
)
def test_badly_formatted_application(text: str) -> None:
    parsed = parse_application_term(term(text), APP_FILE, "1", {})
    assert isinstance(parsed, AppFileProblem)
    assert parsed.reason == (Atom("badly_formatted_application"), term(text))


def test_rel_include_override_must_be_listed_in_the_app() -> None:
    keys = MINIMAL_KEYS + ", {included_applications, [x, y]}"
    assert isinstance(parsed := parse(keys, includes={AppName("a"): (AppName("y"),)}), Application)
    assert parsed.includes == (AppName("y"),)
    problem = parse(keys, includes={AppName("a"): (AppName("z"), AppName("x"), AppName("q"))})
    assert isinstance(problem, AppFileProblem)
    assert problem.reason == (Atom("override_include"), atoms("z", "q"))


# --- searching directories ----------------------------------------------------------------


def write_app(directory: Path, name: str, vsn: str, keys: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = (
        f'{{application, {name}, [{{vsn, "{vsn}"}}, {{description, "{name}"}}, '
        f"{{modules, []}}, {{registered, []}}, {{applications, [kernel]}}{keys}]}}.\n"
    )
    (directory / f"{name}.app").write_text(text)
    return directory


def wanted(name: str = "a", vsn: str = "1") -> RelApplication:
    return RelApplication(AppName(name), vsn)


def test_search_skips_other_versions_and_takes_the_first_match(tmp_path: Path) -> None:
    dirs = [
        write_app(tmp_path / "one", "a", "0"),
        write_app(tmp_path / "two", "a", "1", ', {id, "two"}'),
        write_app(tmp_path / "three", "a", "1", ', {id, "three"}'),
    ]
    found = find_application(wanted(), dirs, read_first_term_file, {})
    assert isinstance(found, Application)
    assert (found.id, found.directory) == ("two", tmp_path / "two")


def test_search_reports_the_first_wrong_version(tmp_path: Path) -> None:
    dirs = [write_app(tmp_path / "one", "a", "2"), write_app(tmp_path / "two", "a", "3")]
    problem = find_application(wanted(), [tmp_path / "none", *dirs], read_first_term_file, {})
    assert isinstance(problem, AppFileProblem)
    assert problem.path is None
    assert problem.reason == (
        Atom("no_valid_version"),
        (
            (erl_string("should be"), erl_string("1")),
            (
                erl_string("found file"),
                erl_string(str(tmp_path / "one" / "a.app")),
                erl_string("2"),
            ),
        ),
    )


def test_search_reports_a_parse_error_met_before_a_wrong_version(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.app").write_text("{application, a,\n [}.\n")
    dirs = [broken, write_app(tmp_path / "other", "a", "2")]
    problem = find_application(wanted(), dirs, read_first_term_file, {})
    assert isinstance(problem, AppFileProblem)
    assert isinstance(problem.reason, tuple) and problem.reason[0] == Atom("parse_error")
    file_name, line, _ = problem.reason[1]
    assert (file_name, line) == (erl_string(str(broken / "a.app")), 2)


def test_search_stops_at_a_bad_app_file_even_if_a_later_one_is_good(tmp_path: Path) -> None:
    dirs = [
        write_app(tmp_path / "bad", "a", "1", ", {maxT, 0}"),
        write_app(tmp_path / "good", "a", "1"),
    ]
    problem = find_application(wanted(), dirs, read_first_term_file, {})
    assert isinstance(problem, AppFileProblem)
    assert problem.path == tmp_path / "bad" / "a.app"


def test_search_finding_nothing_is_not_found(tmp_path: Path) -> None:
    problem = find_application(wanted(), [tmp_path], read_first_term_file, {})
    assert problem == AppFileProblem(
        (Atom("not_found"), erl_string("a.app")), "application a 1 not found: no a.app"
    )


def test_search_notes_unreadable_files_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.app").write_bytes(b"\xff\xfe{application}")
    problem = find_application(wanted(), [tmp_path], read_first_term_file, {})
    assert isinstance(problem, AppFileProblem)
    assert problem.reason == (Atom("not_found"), erl_string("a.app"))
    assert "skipped unreadable" in problem.message and str(tmp_path / "a.app") in problem.message


def collect(spec_text: str, directories: list[Path]) -> tuple[Application, ...]:
    spec, _ = check_release_term(term(spec_text), REL)
    return collect_applications(
        spec, lambda _wanted: directories, read_first_term_file, lambda _wanted: "DIRS"
    )


def test_collect_sets_start_types_and_keeps_rel_order(tmp_path: Path) -> None:
    for name in ("kernel", "stdlib", "a"):
        write_app(tmp_path, name, "1")
    apps = collect(
        '{release, {"d", "1"}, {erts, "1"}, [{a, "1", load}, {kernel, "1"}, {stdlib, "1"}]}',
        [tmp_path],
    )
    assert [(app.name, app.start_type) for app in apps] == [
        ("a", "load"),
        ("kernel", "permanent"),
        ("stdlib", "permanent"),
    ]


def test_collect_reports_the_first_failing_application_and_names_the_others(tmp_path: Path) -> None:
    write_app(tmp_path, "kernel", "1")
    (tmp_path / "stdlib.app").write_text(
        '{application, other, [{vsn, "1"}, {description, ""}, {modules, []}, '
        "{registered, []}, {applications, []}]}."
    )
    with pytest.raises(ReleaseError) as caught:
        collect(
            '{release, {"d", "1"}, {erts, "1"}, [{kernel, "1"}, {stdlib, "1"}, {x, "1"}]}',
            [tmp_path],
        )
    assert caught.value.reason == (
        Atom("bad_application_name"),
        (Atom("stdlib"), (Atom("other"), erl_string("1"))),
    )
    assert caught.value.path == tmp_path / "stdlib.app"
    assert "also failing: x" in caught.value.message


def test_collect_not_found_is_reported_against_the_rel_with_the_places(tmp_path: Path) -> None:
    write_app(tmp_path, "kernel", "1")
    with pytest.raises(ReleaseError) as caught:
        collect('{release, {"d", "1"}, {erts, "1"}, [{kernel, "1"}, {stdlib, "1"}]}', [tmp_path])
    assert caught.value.path == REL
    assert caught.value.reason == (
        Atom("error_reading"),
        (Atom("stdlib"), (Atom("not_found"), erl_string("stdlib.app"))),
    )
    assert caught.value.message == "application stdlib 1 not found: no stdlib.app; searched DIRS"


def test_unreadable_file_is_an_input_error_for_the_reader(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_first_term_file(tmp_path / "missing.app")


# --- checks and order -------------------------------------------------------------------


def app_names(text: str) -> tuple[AppName, ...]:
    return tuple(AppName(part) for part in text.split())


def app(name: str, uses: str = "", includes: str = "", **fields: object) -> Application:
    values: dict[str, object] = {
        "name": AppName(name),
        "vsn": "1",
        "start_type": "permanent",
        "description": "",
        "modules": (),
        "uses": app_names(uses),
        "includes": app_names(includes),
        "registered": (),
        "directory": Path(f"lib/{name}-1/ebin"),
    }
    values.update(fields)
    return Application(**values)  # type: ignore[arg-type]


def spec_of(*applications: Application) -> ReleaseSpec:
    entries = tuple(RelApplication(a.name, a.vsn) for a in applications)
    return ReleaseSpec("d", "1", "1", entries, REL)


def names(applications: tuple[Application, ...] | list[Application]) -> list[str]:
    return [application.name for application in applications]


def order_reason(*applications: Application) -> Term:
    with pytest.raises(ReleaseError) as caught:
        order_applications(applications, spec_of(*applications))
    assert caught.value.path == REL
    return caught.value.reason


def test_subtract_is_erlang_list_subtraction() -> None:
    items = [AppName(name) for name in "abacab"]
    assert subtract(items, [AppName("a"), AppName("a"), AppName("z")]) == list("bcab")


def test_duplicate_pairs_are_adjacent_pairs_after_a_stable_sort_last_first() -> None:
    entries = [("x", 1), ("y", 2), ("x", 3), ("x", 4), ("a", 5)]
    assert duplicate_pairs(entries) == [(3, 4), (1, 3)]


def test_reference_example_included_apps_come_before_their_includer() -> None:
    applications = [
        app("x", "kernel stdlib z y"),
        app("kernel"),
        app("stdlib", "kernel"),
        app("z", "kernel"),
        app("sasl", "kernel"),
        app("y", "kernel", includes="z"),
    ]
    ordered = order_applications(applications, spec_of(*applications))
    assert names(ordered) == ["kernel", "stdlib", "z", "y", "x", "sasl"]
    assert ordered[4].uses == ("kernel", "stdlib", "y")


def test_uses_of_an_included_app_are_rewritten_to_its_top_includer() -> None:
    applications = [
        app("top", includes="middle"),
        app("middle", includes="leaf"),
        app("leaf", "top other"),
        app("user", "leaf other"),
        app("both", "top leaf"),
        app("other"),
    ]
    checked = check_applications(applications, REL)
    uses = {application.name: application.uses for application in checked}
    assert uses["leaf"] == ("other",)  # its own top is dropped
    assert uses["user"] == ("other", "top")  # replaced by the top, appended
    assert uses["both"] == ("top",)  # the top is already there: the included one goes


def test_uses_and_includes_are_sorted_by_rel_position_unknown_last() -> None:
    applications = [app("k"), app("b"), app("a", "x b k y", includes="b k", optional=("x", "y"))]
    spec = spec_of(*applications)
    sorted_apps = sort_uses_and_includes(applications, spec)
    assert (sorted_apps[2].uses, sorted_apps[2].includes) == (("k", "b", "x", "y"), ("k", "b"))


def test_undefined_applications_are_reported_once_in_order() -> None:
    reason = order_reason(
        app("kernel"), app("a", "q kernel p", optional=(AppName("p"),)), app("b", "q", includes="r")
    )
    assert reason == (Atom("undefined_applications"), atoms("q", "r"))


def test_undefined_is_checked_before_duplicate_registered_names() -> None:
    reason = order_reason(app("a", "nope", registered=("r",)), app("b", registered=("r",)))
    assert reason == (Atom("undefined_applications"), atoms("nope"))


def entry(name: str, app_name: str) -> Term:
    """One {Name, App, Vsn, Dir} entry of a duplicate_register/duplicate_include pair."""
    return (Atom(name), Atom(app_name), erl_string("1"), erl_string(f"lib/{app_name}-1/ebin"))


def test_duplicate_register_lists_systools_pairs() -> None:
    applications = [app(name, registered=("r", name)) for name in ("a", "b", "c")]
    reason = order_reason(*applications)
    pairs = ((entry("r", "b"), entry("r", "c")), (entry("r", "a"), entry("r", "b")))
    assert reason == (Atom("duplicate_register"), ErlList(pairs))


def test_duplicate_include() -> None:
    reason = order_reason(app("a", includes="c"), app("b", includes="c"), app("c"))
    assert reason == (Atom("duplicate_include"), ErlList(((entry("c", "a"), entry("c", "b")),)))


def test_duplicate_modules_come_after_the_uses_rewrite() -> None:
    modules = (ModuleName("m"),)
    reason = order_reason(app("a", modules=modules), app("b", modules=modules))
    pair = (
        (Atom("m"), Atom("a"), erl_string("lib/a-1/ebin")),
        (Atom("m"), Atom("b"), erl_string("lib/b-1/ebin")),
    )
    assert reason == (Atom("duplicate_modules"), ErlList((pair,)))


def test_circular_dependencies() -> None:
    reason = order_reason(app("a", "b"), app("b", "c"), app("c", "a"))
    assert isinstance(reason, tuple) and reason[0] == Atom("circular_dependencies")
    assert reason == (
        Atom("circular_dependencies"),
        ErlList(tuple((Atom(name), erl_string("1")) for name in ("c", "a"))),
    )


def test_mutual_includes_are_refused_instead_of_looping() -> None:
    reason = order_reason(app("a", includes="b"), app("b", includes="a"))
    assert reason == (Atom("circular_includes"), atoms("a", "b"))


def test_sort_keeps_rel_order_when_nothing_depends() -> None:
    applications = [app(name) for name in "dcba"]
    assert names(sort_applications(applications, REL)) == list("dcba")


def test_an_included_app_may_use_its_includer() -> None:
    applications = [app("y", "x"), app("x", includes="y")]
    assert names(order_applications(applications, spec_of(*applications))) == ["y", "x"]


def test_sort_alone_counts_a_use_of_the_includer_as_missing() -> None:
    # find_all skips an app that includes the checking one, and it is not yet
    # visited, so sort_appls on its own reports it (the uses rewrite avoids this).
    with pytest.raises(ReleaseError) as caught:
        sort_applications([app("y", "x"), app("x", includes="y")], REL)
    assert caught.value.reason == (Atom("undefined_applications"), atoms("x"))


@st.composite
def acyclic_releases(draw: st.DrawFn) -> list[Application]:
    count = draw(st.integers(min_value=1, max_value=12))
    built = []
    for index in range(count):
        earlier = [f"a{other}" for other in range(index)]
        uses = draw(st.lists(st.sampled_from(earlier), unique=True) if earlier else st.just([]))
        built.append(app(f"a{index}", " ".join(uses)))
    return draw(st.permutations(built))


@given(acyclic_releases())
def test_sort_puts_every_used_application_first(applications: list[Application]) -> None:
    """sort_appls: "Sort applications according to dependencies among applications"."""
    ordered = sort_applications(applications, REL)
    assert sorted(names(ordered)) == sorted(names(applications))
    position = {application.name: index for index, application in enumerate(ordered)}
    for application in ordered:
        assert all(position[used] < position[application.name] for used in application.uses)
