"""OTP's systools_rc_SUITE cases (``systools_rc_cases.py``), run against relup and against OTP.

* ``test_relup_matches_suite_case`` translates each case with relup and
  compares the Erlang term of the result with the table.
* ``test_suite_expectations_hold_on_otp`` keeps the table honest: one
  ``erl -noshell`` run translates every case with the real
  ``systools_rc:translate_scripts/4`` and each answer must equal the table's.

relup's modules are imported inside the tests so that collection works while
they are still being written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from diffing.release import Application, AppName, ModuleName
from diffing.terms import Atom, Term
from oracle.systools_rc_cases import (
    CASES,
    AnyOfScripts,
    AppDescription,
    ErrorReason,
    ExactScript,
    Expectation,
    RcCase,
)

ERLANG_TIMEOUT_SECONDS = 120


def read_term(text: str) -> Term:
    """The term written in ``text`` (no end dot needed), read by relup's reader."""
    from diffing.term_reader import parse_first_term

    return parse_first_term(text + " .")


def to_application(description: AppDescription) -> Application:
    return Application(
        name=AppName(description.name),
        vsn=description.vsn,
        start_type=description.start_type,
        description="",
        modules=tuple(ModuleName(module) for module in description.modules),
        uses=(),
        includes=(),
        registered=(),
        directory=Path("."),
    )


def accepted_scripts(expected: ExactScript | AnyOfScripts) -> tuple[Term, ...]:
    if isinstance(expected, ExactScript):
        return (read_term(expected.text),)
    return tuple(read_term(text) for text in expected.texts)


def _case_id(case: RcCase) -> str:
    return case.name


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_relup_matches_suite_case(case: RcCase) -> None:
    from diffing.errors import TranslationError
    from render.relup_terms import script_to_term
    from upgrade.translate import translate_scripts

    scripts = [read_term(text) for text in case.scripts]
    applications = [to_application(app) for app in case.applications]
    previous = [to_application(app) for app in case.previous_applications]
    expected = case.expected
    if isinstance(expected, ErrorReason):
        with pytest.raises(TranslationError) as raised:
            translate_scripts(case.mode, scripts, applications, previous)
        assert raised.value.origin == "systools_rc"
        assert raised.value.reason == read_term(expected.reason)
        return
    result = script_to_term(translate_scripts(case.mode, scripts, applications, previous))
    accepted = accepted_scripts(expected)
    if len(accepted) == 1:
        assert result == accepted[0]
    else:
        assert result in accepted, f"not one of the {len(accepted)} accepted orders"


# --- The same table on a real Erlang VM ----------------------------------------------

# Reads the cases written by _erlang_case_lines, translates each with systools_rc and
# prints {Index, Result}. One line each; a crash is printed as {crashed, Class, Reason}
# so that one bad case cannot hide the others.
_ERLANG_DRIVER = """
try
    {ok, Cases} = file:consult(os:getenv("RELUP_RC_CASES")),
    Record = fun({Name, Vsn, Modules, Type}) ->
        {application, Name, Type, Vsn, "", "", Modules, [], [], [], [], [],
         infinity, infinity, [], undefined, ""}
    end,
    Translate = fun({Index, Mode, Scripts, Appls, PreAppls}) ->
        Result =
            try systools_rc:translate_scripts(Mode, Scripts, lists:map(Record, Appls),
                                              lists:map(Record, PreAppls))
            catch Class:Reason -> {crashed, Class, Reason}
            end,
        io:format("~w.~n", [{Index, Result}])
    end,
    lists:foreach(Translate, Cases),
    halt(0)
catch
    Class:Reason ->
        io:format(standard_error, "driver failed: ~p:~p~n", [Class, Reason]),
        halt(2)
end.
"""


def _erlang_atom(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _erlang_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _erlang_applications(applications: Iterable[AppDescription]) -> str:
    records = (
        f"{{{_erlang_atom(app.name)}, {_erlang_string(app.vsn)}, "
        f"[{', '.join(_erlang_atom(module) for module in app.modules)}], "
        f"{_erlang_atom(app.start_type)}}}"
        for app in applications
    )
    return "[" + ", ".join(records) + "]"


def _erlang_case_lines(cases: Iterable[RcCase]) -> str:
    """One ``file:consult`` term per case; the scripts are pasted in as written."""
    lines = []
    for index, case in enumerate(cases):
        scripts = ",\n  ".join(case.scripts)
        lines.append(
            f"{{{index}, {case.mode},\n [{scripts}],\n"
            f" {_erlang_applications(case.applications)},\n"
            f" {_erlang_applications(case.previous_applications)}}}.\n"
        )
    return "".join(lines)


def _erl_or_skip() -> str:
    erl = shutil.which("erl")
    if erl is not None:
        return erl
    if os.environ.get("RELUP_REQUIRE_ERLANG") == "1":
        pytest.fail("erl is not on PATH but RELUP_REQUIRE_ERLANG=1")
    pytest.skip("erl is not on PATH; set RELUP_REQUIRE_ERLANG=1 to make this a failure")


@pytest.fixture(scope="module")
def otp_results(tmp_path_factory: pytest.TempPathFactory) -> Mapping[int, Term]:
    """systools_rc's answer for every case, keyed by case index, from one VM."""
    from diffing.term_reader import parse_terms

    erl = _erl_or_skip()
    cases_file = tmp_path_factory.mktemp("systools_rc") / "cases.terms"
    cases_file.write_text(_erlang_case_lines(CASES), encoding="utf-8")
    completed = subprocess.run(
        [erl, "-noshell", "-eval", _ERLANG_DRIVER],
        capture_output=True,
        text=True,
        timeout=ERLANG_TIMEOUT_SECONDS,
        env={**os.environ, "RELUP_RC_CASES": str(cases_file)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: dict[int, Term] = {}
    for answer in parse_terms(completed.stdout):
        assert isinstance(answer, tuple) and isinstance(answer[0], int), answer
        results[answer[0]] = answer[1]
    assert sorted(results) == list(range(len(CASES))), "erl did not answer every case"
    return results


def _accepted_answers(expected: Expectation) -> tuple[Term, ...]:
    if isinstance(expected, ErrorReason):
        return ((Atom("error"), Atom("systools_rc"), read_term(expected.reason)),)
    return tuple((Atom("ok"), script) for script in accepted_scripts(expected))


@pytest.mark.erlang
@pytest.mark.parametrize("index", range(len(CASES)), ids=[case.name for case in CASES])
def test_suite_expectations_hold_on_otp(index: int, otp_results: Mapping[int, Term]) -> None:
    accepted = _accepted_answers(CASES[index].expected)
    answer = otp_results[index]
    if len(accepted) == 1:
        assert answer == accepted[0]
    else:
        assert answer in accepted, f"OTP gave an order the table does not list: {answer!r}"
