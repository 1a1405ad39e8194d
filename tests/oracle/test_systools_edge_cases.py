"""Adversarial edge cases: relup against the real systools_rc / systools_relup (OTP 25).

Each family of edge cases is one parametrized test.  Every case runs the same
input through systools (the oracle VM) and through relup, and asserts the same
answer: the same term (and warnings), the same error origin and reason term,
or a crash on both sides.  systools_rc turns a crash inside its ``catch`` into
``{error, systools_rc, {Reason, Stack}}``; relup reports every crash as reason
``{'EXIT', crash}``, so those count as "both crash".

Each case also says which kind of answer systools gives (``ok``, ``error`` or
``crash``).  If systools answers with another kind, the case itself is wrong:
that raises ``CaseSetupError``, which an xfail does not swallow (xfails here
only expect ``AssertionError``).  Cases marked xfail are known disagreements,
each with a one-line diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from diffing.errors import ReleaseError, RelupError, TranslationError
from diffing.release import Application, AppName, ModuleName, StartType
from diffing.release_reader import load_release
from diffing.term_reader import parse_first_term
from diffing.term_writer import format_term
from diffing.terms import NIL, Atom, ErlList, Term, erl_list, erl_string
from oracle.oracle import (
    AppRecord,
    ErlangCrash,
    RelupBuilt,
    RelupOutcome,
    ScriptOutcome,
    ScriptTranslated,
    SystoolsError,
    SystoolsOracle,
)
from oracle.release_factory import (
    AnyApp,
    AppDescription,
    OtpAppDescription,
    ReleaseScenario,
    modules,
    search_path,
    standard_release,
    write_release,
)
from relup.api import make_relup
from render.relup_file import relup_to_term
from render.relup_terms import script_to_term
from upgrade.relup_builder import BaseRelease, RelupOptions, build_relup
from upgrade.translate import translate_scripts

pytestmark = pytest.mark.erlang

CRASH = (Atom("EXIT"), Atom("crash"))
Marks = pytest.MarkDecorator | tuple[()]
Mode = Literal["up", "dn"]
MODES: tuple[Mode, ...] = ("up", "dn")


class CaseSetupError(Exception):
    """systools answered with another kind than the case says: the case is wrong."""


def xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


# -- comparing outcomes ---------------------------------------------------------------------


def _is_caught_crash(outcome: SystoolsError) -> bool:
    """``{error, systools_rc, {Reason, Stack}}``: a crash inside translate_scripts' catch."""
    match outcome.reason:
        case (_, ErlList() as stack) if stack.items:
            return all(isinstance(frame, tuple) and len(frame) == 4 for frame in stack.items)
    return False


def _kind(outcome: RelupOutcome | ScriptOutcome) -> str:
    if isinstance(outcome, RelupBuilt | ScriptTranslated):
        return "ok"
    if isinstance(outcome, ErlangCrash) or _is_caught_crash(outcome):
        return "crash"
    return "error"


def assert_same(expect: str, ours: Term | RelupError, theirs: RelupOutcome | ScriptOutcome) -> None:
    if _kind(theirs) != expect:
        raise CaseSetupError(f"systools answered {theirs!r}, the case expects {expect}")
    if isinstance(theirs, RelupBuilt | ScriptTranslated):
        assert not isinstance(ours, RelupError), f"systools succeeded, relup raised {ours!r}"
        expected = theirs.script if isinstance(theirs, ScriptTranslated) else _built(theirs)
        assert ours == expected
        assert format_term(ours) == format_term(expected)  # tells 1 from 1.0, unlike ==
        return
    assert isinstance(ours, RelupError), f"systools failed ({theirs!r}), relup gave a result"
    if expect == "crash":
        assert isinstance(ours, TranslationError) and ours.reason == CRASH, ours
        return
    assert isinstance(theirs, SystoolsError)
    if isinstance(ours, ReleaseError):
        assert (theirs.module, ours.reason) == ("systools_make", theirs.reason)
        return
    assert isinstance(ours, TranslationError), ours
    assert (ours.origin, format_term(ours.reason)) == (theirs.module, format_term(theirs.reason))


def _built(theirs: RelupBuilt) -> Term:
    return (theirs.relup, theirs.warnings)


# -- systools_rc:translate_scripts ----------------------------------------------------------

App = tuple[str, str, tuple[str, ...], StartType]
APP_SETS: dict[str, tuple[tuple[App, ...], tuple[App, ...]]] = {
    "standard": (
        (("a", "1", ("m", "n", "o", "p"), "permanent"), ("b", "2", ("q",), "transient")),
        (("a", "0", ("m", "n", "o", "x"), "permanent"), ("c", "1", ("r",), "temporary")),
    ),
    # Repeated names and modules: keysearch and get_lib take the first.
    "repeats": (
        (("a", "1", ("m", "m", "n"), "load"), ("a", "2", ("z",), "temporary"),
         ("b", "1", ("n", "q"), "permanent")),
        (("c", "1", ("r", "r"), "permanent"), ("c", "2", ("s",), "load"),
         ("a", "0", ("m",), "transient")),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RcCase:
    name: str
    expect: str
    scripts: tuple[str, ...]
    mode: Mode = "up"
    apps: str = "standard"


def _application(app: App) -> Application:
    name, vsn, names, start_type = app
    return Application(
        AppName(name), vsn, start_type, "", tuple(map(ModuleName, names)), (), (), (), Path(".")
    )


def run_rc_case(case: RcCase, oracle: SystoolsOracle) -> None:
    scripts = [parse_first_term(text + " .") for text in case.scripts]
    to_apps, from_apps = APP_SETS[case.apps]
    theirs = oracle.translate_scripts(
        case.mode,
        ErlList(tuple(scripts)),
        [AppRecord(*app) for app in to_apps],
        [AppRecord(*app) for app in from_apps],
    )
    try:
        ours: Term | RelupError = script_to_term(
            translate_scripts(
                case.mode,
                scripts,
                [_application(a) for a in to_apps],
                [_application(a) for a in from_apps],
            )
        )
    except RelupError as error:
        ours = error
    assert_same(case.expect, ours, theirs)


def rc(name: str, expect: str, *scripts: str, mode: Mode = "up", apps: str = "standard") -> object:
    return pytest.param(RcCase(name, expect, scripts, mode, apps), id=f"{name}-{mode}")


def both_modes(name: str, expect: str, *scripts: str, apps: str = "standard") -> list[object]:
    return [rc(name, expect, *scripts, mode=mode, apps=apps) for mode in MODES]


SYNTAX_CASES = [
    # Improper lists: expand_script crashes outside the catch, check_syntax's lists:foreach
    # inside it (caught); is_list and check_list accept them until then.
    rc("improper-script", "crash", "[{update, m} | foo]"),
    rc("improper-nested-list", "crash", "[[{update, m} | foo]]"),
    rc("improper-depmods-load-module", "crash", "[{load_module, m, [n | o]}]"),
    rc("improper-depmods-update-change", "crash", "[{update, m, {advanced, x}, [n | o]}]"),
    rc("improper-object-code-modules", "crash", '[{load_object_code, {a, "1", [m | x]}}]'),
    rc("improper-bad-element-first", "error", "[{purge, [1 | x]}]"),
    rc("improper-sync-nodes", "crash", "[{sync_nodes, id, [a | b]}]"),
    rc("improper-code-change", "crash", "[{code_change, [{m, x} | y]}]"),
    rc("improper-lib-vsn-accepted", "ok",
       '[{load_object_code, {a, [49 | x], [m]}}, point_of_no_return,'
       " {load, {m, brutal_purge, brutal_purge}}]"),
    rc("improper-apply-args-accepted", "ok", "[{apply, {m, f, [a | b]}}]"),
    # is_tuple accepts any size: expanded, then refused by check_change.
    rc("change-empty-tuple", "error", "[{update, m, {}}]"),
    rc("change-three-tuple", "error", "[{update, m, {advanced, 1, 2}}]"),
    rc("change-tuple-with-depmods", "error", "[{update, m, {a}, []}]"),
    rc("supervisor-with-depmods", "error", "[{update, m, supervisor, []}]"),
    # Which error wins: fields in check_op order, scripts in order, merge before syntax.
    rc("update8-type-before-timeout", "error",
       "[{update, m, dinamic, -1, sofft, soft_purg, brutal_purge, [1]}]"),
    rc("update8-timeout-before-change", "error",
       "[{update, m, static, -1, sofft, soft_purg, brutal_purge, [1]}]"),
    rc("update7-change-before-purge", "error", "[{update, m, 7, sofft, soft_purg, x, [1]}]"),
    rc("update6-module-first", "error", '[{update, "m", sofft, soft_purg, brutal_purge, [1]}]'),
    rc("timeout-float", "error", "[{update, m, 1.0, soft, soft_purge, brutal_purge, []}]"),
    rc("timeout-zero", "error", "[{update, m, 0, soft, soft_purge, brutal_purge, []}]"),
    rc("code-change-list-before-mode", "error", "[{code_change, sideways, x}]"),
    rc("code-change-mode", "error", "[{code_change, sideways, [{m, x}]}]"),
    rc("code-change-entry", "error", "[{code_change, up, [x]}]"),
    rc("suspend-three-tuple-entry", "error", "[{suspend, [{m, 1, 2}]}]"),
    rc("suspend-zero-timeout", "error", "[{suspend, [{m, 0}]}]"),
    rc("sync-nodes-mfa", "error", "[{sync_nodes, id, {m, 1, []}}]"),
    rc("sync-nodes-two-tuple", "error", "[{sync_nodes, id, {m, f}}]"),
    rc("apply-list-not-tuple", "error", "[{apply, [m, f, []]}]"),
    rc("load-object-code-two-tuple", "error", '[{load_object_code, {a, "1"}}]'),
    rc("load-object-code-lib-first", "error", '[{load_object_code, {"a", x, y}}]'),
    rc("add-application-bad-type", "error", "[{add_application, b, bogus}]"),
    rc("add-application-name-first", "error", '[{add_application, "b", bogus}]'),
    rc("ponr-twice-before-syntax", "error",
       "[{update, bad, bad}]", "[point_of_no_return, point_of_no_return]"),
    rc("bad-op-before-ponr-is-expanded", "error",
       "[{update, m}, point_of_no_return]", "[point_of_no_return, point_of_no_return]"),
    rc("ponr-tuple-is-unknown", "error", "[{apply, {m, f, []}}, {point_of_no_return}]"),
    rc("mnesia-backup-first", "error", "[mnesia_backup, {bad}]"),
    rc("non-instructions", "error", '[{}, 1, 1.5, "", <<>>, #{}]'),
    # Nested lists are spliced one level deep, unexpanded.
    rc("nested-short-forms", "error", "[[{update, m}]]"),
    rc("nested-add-module", "ok", "[[{add_module, o}], {update, m}]"),
    rc("nested-twice-is-one-instruction", "error", "[[{add_module, o}, [{x}]]]"),
    rc("nested-string", "error", '["ab"]'),
    rc("legacy-atoms-pass-through", "ok", "[restart, {update, m}, reboot]"),
    *both_modes("all-short-forms", "ok",
                "[{load_module, m}, {update, n, [m]}, {update, o, {advanced, x}},"
                " {update, p, supervisor}, {add_module, q}, {delete_module, x, []}]"),
]  # fmt: skip


@pytest.mark.parametrize("case", SYNTAX_CASES)
def test_syntax_guards_and_error_order(case: RcCase, systools_oracle: SystoolsOracle) -> None:
    run_rc_case(case, systools_oracle)


CHECK_AND_MERGE_CASES = [
    rc("no-object-code", "error", "[{load, {m, brutal_purge, brutal_purge}}, {suspend, [zz]}]"),
    rc("object-code-after-ponr-moves", "ok",
       '[point_of_no_return, {load_object_code, {a, "1", [m]}},'
       " {load, {m, brutal_purge, brutal_purge}}]"),
    rc("suspended-not-resumed-keeps-duplicates", "error",
       "[{suspend, [m, {m, 5}, n, m]}, {resume, [n]}]"),
    rc("resumed-not-suspended", "error", "[{suspend, [m]}, {resume, [m, m, n, n]}]"),
    rc("suspend-before-start-stop", "error", "[{suspend, [zz]}, {start, [yy]}]"),
    rc("start-not-stop", "error", "[{start, [m]}, {stop, [n]}]"),
    rc("stop-not-start", "error", "[{start, [m]}, {stop, [m, n]}]"),
    rc("code-change-unsuspended-is-fine", "ok", "[{code_change, up, [{m, 1}]}]"),
    rc("union-order-and-duplicates", "ok",
       '[{load_object_code, {a, "1", [m, m, n]}}, {load_object_code, {b, "1", [q]}},'
       ' {load_object_code, {a, "1", [n, o, m]}}]'),
    rc("conflicting-last-reported", "error",
       '[{load_object_code, {a, "1", [m]}}, {load_object_code, {a, "2", [n]}},'
       ' {load_object_code, {a, "3", [o]}}]'),
    rc("lib-vsn-compared-with-double-equals", "ok",
       "[{load_object_code, {a, [49.0], [m]}}, {load_object_code, {a, [49], [n]}}]"),
    rc("hand-written-vs-generated-version", "error",
       '[{load_object_code, {b, "9", [q]}}, point_of_no_return, {update, q}]'),
    rc("hand-written-merged-with-generated", "ok",
       '[{load_object_code, {b, "2", [x]}}, {load_object_code, {zz, "1", [y]}},'
       " {apply, {m, f, []}}, point_of_no_return, {update, q}, {update, n, [q]}]"),
    rc("before-parts-of-scripts-in-order", "ok",
       '[{apply, {m, f, []}}, {load_object_code, {a, "1", [m]}}, point_of_no_return,'
       " {update, n}]", "[{apply, {x, y, []}}, point_of_no_return, {update, o}]"),
    *both_modes("get-lib-first-application", "ok", "[{update, q}, {load_module, n}]",
                apps="repeats"),
]  # fmt: skip


@pytest.mark.parametrize("case", CHECK_AND_MERGE_CASES)
def test_low_level_checks_and_list_helpers(case: RcCase, systools_oracle: SystoolsOracle) -> None:
    run_rc_case(case, systools_oracle)


DEPENDENCY_CASES = [
    *both_modes("forced-chain", "ok",
                "[{update, m, [n]}, {update, n, [o]}, {load_module, o, [p]}, {delete_module, p}]"),
    *both_modes("self-loop", "ok", "[{update, m, [m]}, {update, n, [n, m]}]"),
    *both_modes("cycle-then-dependent", "ok",
                "[{update, m, [n]}, {update, n, [m]}, {update, o, [m]}]"),
    *both_modes("block-at-first-member", "ok",
                "[{update, m}, {apply, {a, b, []}}, {update, n, [m]}, {update, q}]"),
    *both_modes("static-dynamic-code-change", "ok",
                "[{update, q, dynamic, infinity, {advanced, e}, soft_purge, soft_purge, [n]},"
                " {update, n, static, 3, {advanced, f}, soft_purge, soft_purge, []}]"),
    *both_modes("delete-module-pair", "ok",
                "[{update, q, static, 3, {advanced, e}, soft_purge, soft_purge, [n]},"
                " {load_module, n, soft_purge, soft_purge, []}, {delete_module, x, [q]}]"),
    rc("add-module-becomes-load-module", "ok",
       "[{add_module, o, [n]}, {update, n, [m]}, {update, m}]"),
    rc("muldef-across-scripts", "error", "[{delete_module, q}]", "[{update, q}]"),
    rc("muldef-before-undef", "error", "[{update, m, [zz]}, {update, m}]"),
    rc("undef-in-order", "error", "[{update, m, [zz, yy]}]", "[{update, n, [xx]}]"),
    rc("no-such-module", "error", "[{update, zz}]"),
    rc("no-such-module-in-dependency-order", "error",
       "[{update, zz}, {update, m, [yy]}, {update, yy}]"),
]  # fmt: skip


@pytest.mark.parametrize("case", DEPENDENCY_CASES)
def test_dependency_order(case: RcCase, systools_oracle: SystoolsOracle) -> None:
    run_rc_case(case, systools_oracle)


APPLICATION_CASES = [
    *both_modes("add-remove-restart", "ok",
                "[{add_application, b, load}, {remove_application, c}, {restart_application, a}]"),
    *both_modes("add-none", "ok", "[{add_application, b, none}]"),
    *both_modes("add-temporary-with-dependency", "ok",
                "[{add_application, b, temporary}]", "[{update, m, [q]}]"),
    rc("add-twice-is-muldef", "error", "[{add_application, b}, {add_application, b, load}]"),
    rc("remove-present", "error", "[{remove_application, a}]"),
    rc("remove-unknown", "error", "[{remove_application, c}, {remove_application, zz}]"),
    rc("restart-unknown-in-target", "error", "[{restart_application, c}]"),
    rc("add-unknown-before-update", "error", "[{add_application, zz}, {update, yy}]"),
    rc("application-errors-before-dependencies", "error",
       "[{update, m, [yy]}, {add_application, zz}]"),
    rc("keysearch-first-duplicate-modules", "error", "[{add_application, a}]", apps="repeats"),
    rc("remove-first-duplicate", "ok", "[{remove_application, c}]", apps="repeats"),
]  # fmt: skip


@pytest.mark.parametrize("case", APPLICATION_CASES)
def test_application_instructions(case: RcCase, systools_oracle: SystoolsOracle) -> None:
    run_rc_case(case, systools_oracle)


RESTART_CASES = [
    *both_modes("new-emulator-and-emulator", "ok",
                "[restart_emulator, {update, m}]", "[restart_new_emulator, restart_emulator]",
                "[restart_new_emulator]"),
    *both_modes("emulator-only", "ok", "[restart_emulator, {apply, {m, f, []}}, restart_emulator]"),
    *both_modes("new-emulator-nested", "ok", "[[restart_new_emulator], {update, m}]"),
]  # fmt: skip


@pytest.mark.parametrize("case", RESTART_CASES)
def test_emulator_restart_placement(case: RcCase, systools_oracle: SystoolsOracle) -> None:
    run_rc_case(case, systools_oracle)


# -- systools:make_relup on release trees -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelupCase:
    name: str
    expect: str
    new: ReleaseScenario
    bases: tuple[ReleaseScenario, ...]
    restart_emulator: bool = False
    warnings_as_errors: bool = False
    raw_files: tuple[tuple[str, bytes], ...] = ()  # written after the releases, over any file


def run_relup_case(case: RelupCase, oracle: SystoolsOracle, root: Path) -> None:
    new, *bases = (
        write_release(root, release, oracle, compile_beams=False)
        for release in (case.new, *case.bases)
    )
    for relative, data in case.raw_files:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    base_files = [base.rel_file for base in bases]
    theirs = oracle.make_relup(
        new.rel_file,
        base_files,
        base_files,
        path=search_path(new, *bases),
        restart_emulator=case.restart_emulator,
        warnings_as_errors=case.warnings_as_errors,
    )
    try:
        _, relup = make_relup(
            new.rel_file,
            base_files[0],
            also_from=base_files[1:],
            options=RelupOptions(restart_emulator=case.restart_emulator),
            warnings_as_errors=case.warnings_as_errors,
        )
        warnings = ErlList(tuple(warning.term for warning in reversed(relup.warnings)))
        ours: Term | RelupError = (relup_to_term(relup), warnings)
    except RelupError as error:
        ours = error
    assert_same(case.expect, ours, theirs)


def releases(
    name: str,
    expect: str,
    new: ReleaseScenario,
    *bases: ReleaseScenario,
    restart_emulator: bool = False,
    warnings_as_errors: bool = False,
    marks: Marks = (),
) -> object:
    case = RelupCase(name, expect, new, bases, restart_emulator, warnings_as_errors)
    return pytest.param(case, id=name, marks=marks)


def upgrade(
    name: str,
    expect: str,
    appup: str | None,
    old_vsn: str = "1",
    *,
    raw_appup: bytes | None = None,
    warnings_as_errors: bool = False,
    marks: Marks = (),
) -> object:
    """Application ``a`` (module ``m``) from ``old_vsn`` to "2", with this appup text."""
    new = standard_release("r", "2", [_app("a", "2", "m", appup=appup)])
    old = standard_release("r", "1", [_app("a", old_vsn, "m")])
    raw = () if raw_appup is None else (("lib/a-2/ebin/a.appup", raw_appup),)
    case = RelupCase(name, expect, new, (old,), False, warnings_as_errors, raw)
    return pytest.param(case, id=name, marks=marks)


def _app(name: str, vsn: str, *names: str, **keys: Any) -> AppDescription:
    return AppDescription(name, vsn, modules(*names), **keys)


def _appup_to(vsn: str, old: str, instructions: str = "[]") -> str:
    return f'{{"{vsn}", [{{"{old}", {instructions}}}], [{{"{old}", {instructions}}}]}}.\n'


def _upgraded(
    name: str, module: str, uses: tuple[str, ...] = (), **keys: Any
) -> tuple[AppDescription, AppDescription]:
    """``name`` 1 -> 2, loading ``module`` both ways."""
    applications = ("kernel", "stdlib", *uses)
    appup = _appup_to("2", "1", f"[{{load_module, {module}}}]")
    old = _app(name, "1", module, applications=applications, **keys)
    return old, _app(name, "2", module, applications=applications, appup=appup, **keys)


def core(
    kernel: str | None = None,
    stdlib: str | None = None,
    sasl: str | None = None,
    sasl_appup: str | None = None,
) -> tuple[OtpAppDescription, ...]:
    """The core applications, at the installed versions unless faked."""
    return (
        OtpAppDescription("kernel", kernel),
        OtpAppDescription("stdlib", stdlib),
        OtpAppDescription("sasl", sasl, appup=sasl_appup),
    )


def lookup(up_list: str, down_list: str = '[{"1", []}]') -> str:
    return f'{{"2", {up_list}, {down_list}}}.\n'


A1, B1, D1 = _app("a", "1", "m"), _app("b", "1", "n"), _app("d", "1", "o")
A2 = _upgraded("a", "m")[1]
A_INCLUDES_B = _app("a", "1", "m", included_applications=("b",))
LOAD_M = "[{load_module, m}]"
NO_ENTRY = '{"2", [{"0", []}], []}.\n'
FULL_KEYS = tuple(
    (key, parse_first_term(value + " ."))
    for key, value in (
        ("env", '[{k, v}, {k2, "s"}]'), ("mod", "{m, [x]}"), ("maxT", "5"),
        ("maxP", "infinity"), ("start_phases", "[{go, []}]"), ("id", '"ident"'),
        ("optional_applications", "[b]"),
    )
)  # fmt: skip

ENTRY_LOOKUP_CASES = [
    upgrade("exact-key", "ok", lookup(f'[{{"0", []}}, {{"1", {LOAD_M}}}]')),
    upgrade("down-list-going-down", "ok", lookup('[{"1", []}]', f'[{{"1", {LOAD_M}}}]')),
    upgrade("float-key-is-not-the-version", "ok",
            lookup(f'[{{[49.0], {LOAD_M}}}, {{"1", []}}]')),
    upgrade("atom-integer-and-three-tuple-keys-skipped", "ok",
            lookup(f"[{{'1', {LOAD_M}}}, {{1, {LOAD_M}}}, {{\"1\", {LOAD_M}, x}},"
                   ' {"1", []}]')),
    upgrade("match-before-improper-tail", "ok", lookup(f'[{{"1", {LOAD_M}}} | foo]')),
    upgrade("improper-tail-reached", "crash", lookup('[{"0", []} | foo]')),
    upgrade("up-list-not-a-list", "crash", lookup("foo")),
    upgrade("instructions-not-a-list", "crash", lookup('[{"1", foo}]')),
    upgrade("instructions-improper", "crash", lookup('[{"1", [{load_module, m} | b]}]')),
    upgrade("instructions-nested-improper", "crash", lookup('[{"1", [[a | b]]}]')),
    upgrade("instructions-a-string", "error", lookup('[{"1", "ab"}]')),
    upgrade("bad-pattern-after-match-unused", "ok",
            lookup(f'[{{"1", {LOAD_M}}}, {{<<"(">>, []}}]')),
    upgrade("bad-pattern-before-match", "crash", lookup(f'[{{<<"(">>, []}}, {{"1", {LOAD_M}}}]')),
    upgrade("no-relup-names-the-record", "error", lookup('[{"0", []}]')),
    releases("no-relup-full-record", "error",
             standard_release("r", "2", [B1, _app("a", "2", "m", registered=("r1", "r2"),
                              applications=("kernel", "stdlib", "b"), extra_keys=FULL_KEYS,
                              appup=NO_ENTRY)]),
             standard_release("r", "1", [A1, B1])),
    releases("no-relup-record-uses-rewritten", "error",
             standard_release("r", "2", [A_INCLUDES_B, B1, _app("c", "2", "p", appup=NO_ENTRY,
                              applications=("stdlib", "d", "b", "kernel")), D1]),
             standard_release("r", "1", [A_INCLUDES_B, B1, _app("c", "1", "p"), D1])),
]  # fmt: skip


@pytest.mark.parametrize("case", ENTRY_LOOKUP_CASES)
def test_appup_entry_lookup(
    case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


def pattern(
    name: str, expect: str, regex: str, old_vsn: str = "1.0", diagnosis: str | None = None
) -> object:
    """Key ``<<regex>>`` loads m; the exact key after it loads nothing, so a miss shows."""
    text = lookup(f'[{{<<"{regex}">>, {LOAD_M}}}, {{"{old_vsn}", []}}]', f'[{{"{old_vsn}", []}}]')
    return upgrade(name, expect, text, old_vsn, marks=xfail(diagnosis) if diagnosis else ())


PCRE_ONLY = "Python re rejects PCRE syntax that re:run accepts"
PYTHON_ONLY = "Python re accepts what PCRE rejects (re:run badarg)"
CLASSES = "Python str patterns use Unicode classes, PCRE (no ucp) Latin-1 tables"

# Patterns are Erlang source text: "\\\\." here is \\. in the appup, the regex \. .
VERSION_PATTERN_CASES = [
    pattern("leftmost-alternative-not-full-match", "ok", "1|1\\\\.0"),
    pattern("otp-style-anchored", "ok", "^8\\\\.5\\\\.0(?:\\\\.[0-9]+)+$", "8.5.0.1"),
    pattern("posix-class-in-brackets", "ok", "[[:digit:]]\\\\.[[:digit:]]"),
    pattern("inline-caseless", "ok", "(?i)1\\\\.0-RC", "1.0-rc"),
    pattern("dot-is-one-code-point", "ok", "1\\\\..", "1.\u00e9"),
    pattern("empty-pattern-matches-nothing-whole", "ok", ""),
    pattern("unbalanced-parenthesis", "crash", "1\\\\.0)"),
    pattern("absolute-end-z", "ok", "1\\\\.0\\\\z"),
    pattern("negated-posix-class", "ok", "1\\\\.[[:^alpha:]]"),
    pattern("quoted-literal", "ok", "\\\\Q1.0\\\\E"),
    pattern("hex-brace-escape", "ok", "\\\\x{31}\\\\.0"),
    pattern("unknown-letter-escape-is-literal", "ok", "1\\\\y0", "1y0"),
    pattern("named-group", "ok", "(?<v>1)\\\\.0"),
    pattern("brace-without-minimum-is-literal", "ok", "1{,3}", "11"),
    pattern("unicode-u-escape", "crash", "\\\\u0031\\\\.0"),
    pattern("posix-class-outside-brackets", "crash", "[:digit:]\\\\.0"),
    pattern("digit-class-is-ascii", "ok", "\\\\d", "\u0661"),
    pattern("word-class-stops-at-latin1", "ok", "1\\\\.\\\\w", "1.\u0436"),
    pattern("alpha-class-includes-latin1", "ok", "1\\\\.[[:alpha:]]", "1.\u00e9"),
]  # fmt: skip


@pytest.mark.parametrize("case", VERSION_PATTERN_CASES)
def test_appup_version_patterns(
    case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


FILE_REASON = "relup_builder._file_problem says {parse, File, parse}; systools: "
LATIN1_APPUP = '{"2", [{"1", [{apply, {m, f, ["\u00e9"]}}]}], [{"1", []}]}.\n'
READER = "diffing.term_reader rejects {}, which erl_parse:parse_term accepts"

APPUP_FILE_CASES = [
    upgrade("missing-appup", "error", None),
    upgrade("empty-appup", "error", None, raw_appup=b""),
    upgrade("comment-only-appup", "error", "% nothing here\n"),
    upgrade("two-tuple-appup", "error", '{"2", [{"1", []}]}.\n'),
    upgrade("syntax-error-appup", "error", '{"2", [{"1", [}], []}.\n',
            marks=xfail("the parse error message is ours, not erl_parse's (same file, line)")),
    upgrade("byte-order-mark", "error", None, raw_appup=b"\xef\xbb\xbf" + lookup("[]").encode()),
    upgrade("latin1-without-coding-comment", "error", None,
            raw_appup=LATIN1_APPUP.encode("latin-1")),
    upgrade("latin1-with-coding-comment", "ok", None,
            raw_appup=("%% coding: latin-1\n" + LATIN1_APPUP).encode("latin-1")),
    upgrade("parenthesised-segment-in-unused-entry", "ok",
            lookup('[{"0", [{apply, {m, f, [<<(1)>>]}}]}, {"1", []}]')),
    upgrade("parenthesised-terms-in-used-entry", "ok",
            lookup('[{"1", [{load_module, (m)}, {apply, {m, f, [(-1), -(2), <<(1):(8)>>]}}]}]')),
    upgrade("external-fun-in-unused-entry", "ok",
            lookup('[{"0", [{apply, {m, f, [fun lists:map/2]}}]}, {"1", []}]')),
    upgrade("external-fun-in-used-entry", "ok",
            lookup('[{"1", [{apply, {m, f, [fun lists:map/2, fun \'a b\':c/0]}}]}]')),
    upgrade("only-first-term-read", "ok", lookup(f'[{{"1", {LOAD_M}}}]') + "{x}. garbage ((("),
    upgrade("last-dot-at-end-of-file", "ok", lookup(f'[{{"1", {LOAD_M}}}]').rstrip()),
    upgrade("appup-version-mismatch-warns-twice", "ok", '{"3", [{"1", []}], [{"1", []}]}.\n'),
    upgrade("appup-version-float-list-is-equal", "ok", '{[50.0], [{"1", []}], [{"1", []}]}.\n'),
    upgrade("appup-version-atom", "ok", "{'2', [{\"1\", []}], [{\"1\", []}]}.\n"),
    upgrade("appup-version-binary-as-error", "error", '{<<"2">>, [{"1", []}], [{"1", []}]}.\n',
            warnings_as_errors=True),
]  # fmt: skip


@pytest.mark.parametrize("case", APPUP_FILE_CASES)
def test_appup_file_reading(
    case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


def _pair(name: str, old_apps: list[AnyApp], new_apps: list[AnyApp]) -> object:
    new = standard_release("r", "2", new_apps)
    return releases(name, "ok", new, standard_release("r", "1", old_apps))


C_LOAD = _app("c", "1", "o", start_type="load")
B2_INCLUDES_C = _app("b", "2", "n", included_applications=("c",), appup=_appup_to("2", "1"))
B3_OVERRIDE = _app("b", "3", "n", included_applications=("c",), rel_included=(),
                   appup=_appup_to("3", "1"))  # fmt: skip
B4_FOUR_TUPLE = _app("b", "4", "n", included_applications=("c",), start_type="load",
                     rel_included=("c",), appup=_appup_to("4", "1"))  # fmt: skip
CHAIN = [_upgraded("c", "mc", ("b",)), _upgraded("a", "ma"), _upgraded("b", "mb", ("a",))]
INCLUDES = [_upgraded("c", "mc", ("b",)), _upgraded("b", "mb"),
            _upgraded("a", "ma", included_applications=("b",))]  # fmt: skip
RESTARTED = _app("a", "2", "m", "m2", start_type="transient",
                 appup=_appup_to("2", "1", "[{restart_application, a}]"))  # fmt: skip
TWO_BASE_VERSIONS = _app("a", "2", appup='{"2", [{"1", []}, {"0", [{apply, {x, y, []}}]}],'
                                         ' [{"1", []}, {"0", []}]}.\n')  # fmt: skip

RELEASE_CHANGE_CASES = [
    *(_pair(f"added-and-removed-start-type-{start_type}",
            [A1, _app("c", "1", "o", start_type=start_type)],
            [A1, _app("b", "1", "n", start_type=start_type)])
      for start_type in ("load", "none", "temporary", "transient", None)),
    _pair("same-version-start-type-changed", [_app("a", "1", "m", start_type="load")],
          [_app("a", "1", "m", start_type="temporary")]),
    _pair("included-application-appears", [A1, B1], [A1, B2_INCLUDES_C, C_LOAD]),
    _pair("rel-include-override-empty", [A1, B1], [A1, B3_OVERRIDE, C_LOAD]),
    _pair("four-tuple-rel-entry", [A1, B1], [A1, C_LOAD, B4_FOUR_TUPLE]),
    _pair("restart-application-takes-new-type", [_app("a", "1", "m", start_type="temporary")],
          [RESTARTED]),
    _pair("application-listed-twice", [A1],
          [A1, _app("b", "1"), _app("b", "1", start_type="load")]),
    _pair("base-lists-application-twice", [_app("a", "0"), _app("a", "1")], [TWO_BASE_VERSIONS]),
    _pair("uses-chain-against-rel-order", [old for old, _ in CHAIN], [new for _, new in CHAIN]),
    _pair("includes-and-uses", [old for old, _ in INCLUDES], [new for _, new in INCLUDES]),
]  # fmt: skip


@pytest.mark.parametrize("case", RELEASE_CHANGE_CASES)
def test_release_changes(case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


SASL_23 = _appup_to("2.3", "2.1", "[restart_new_emulator]")

EMULATOR_CASES = [
    releases("erts-changed", "ok", standard_release("r", "2", [A2], erts_vsn="99.0"),
             standard_release("r", "1", [A1])),
    releases("erts-changed-and-restart-option", "ok",
             standard_release("new", "2", [A2], erts_vsn="99.0"),
             standard_release("old", "1", [A1]), restart_emulator=True),
    releases("restart-option-only", "ok", standard_release("r", "2", [A2]),
             standard_release("r", "1", [A1]), restart_emulator=True),
    releases("two-bases-one-erts", "ok", standard_release("r", "2", [A2], erts_vsn="99.0"),
             standard_release("r", "1", [A1]), standard_release("r", "0", [A1], erts_vsn="98.0"),
             restart_emulator=True),
    # Vsn < "2.2" compares strings: "10.0" and "2.10" count as pre-R15, "2.2" does not.
    *(releases(f"pre-r15-sasl-{vsn}", "ok",
               standard_release("r", "2", [A2], erts_vsn="99.0", core=core(sasl=vsn)),
               standard_release("r", "1", [A1], core=core(sasl=vsn)), restart_emulator=True)
      for vsn in ("2.1", "10.0", "2.2", "2.10")),
    releases("pre-r15-from-appup-restart", "ok",
             standard_release("r", "2", [A2], core=core(sasl="2.3", sasl_appup=SASL_23)),
             standard_release("r", "1", [A1], core=core(sasl="2.1")), restart_emulator=True),
    releases("real-otp-core-appups", "ok", standard_release("r", "2", [A1]),
             standard_release("r", "1", [A1], core=core("8.4.1", "4.1.1", "4.1")),
             restart_emulator=True),
    releases("real-otp-core-appup-pattern", "ok", standard_release("r", "2", [A1]),
             standard_release("r", "1", [A1], core=core("8.5.0.1"))),
    releases("real-otp-core-no-relup", "error", standard_release("r", "2", [A1]),
             standard_release("r", "1", [A1], core=core("8.5.0"))),
]  # fmt: skip


@pytest.mark.parametrize("case", EMULATOR_CASES)
def test_emulator_restart_and_old_sasl(
    case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


BAD_VSN_A, BAD_VSN_B = (
    _app(name, "2", module, appup=_appup_to("9", "1", f"[{{load_module, {module}}}]"))
    for name, module in (("a", "m"), ("b", "n"))
)
NO_SASL = core()[:2]
B_LOAD_INCLUDES_A = _app("b", "1", "n", included_applications=("a",), rel_included=("a",),
                         start_type="load")  # fmt: skip
BAD_INSTRUCTION = _app("a", "2", "m", appup=_appup_to("9", "1", "[{x}]"))

WARNING_CASES = [
    releases("warnings-as-errors-without-warnings", "ok", standard_release("r", "2", [A2]),
             standard_release("r", "1", [A1]), warnings_as_errors=True),
    releases("warnings-as-errors-erts", "error",
             standard_release("r", "2", [A2], erts_vsn="99.0"),
             standard_release("r", "1", [A1]), warnings_as_errors=True),
    releases("warnings-order-apps-bases-directions", "ok",
             standard_release("r", "2", [BAD_VSN_A, BAD_VSN_B], erts_vsn="99.0"),
             standard_release("r", "1", [A1, B1]), standard_release("r", "0", [A1, B1])),
    releases("same-base-twice", "ok", standard_release("r", "2", [A2]),
             standard_release("r", "1", [A1]), standard_release("r", "1", [A1])),
    releases("translation-error-beats-warnings-as-errors", "error",
             standard_release("r", "2", [BAD_INSTRUCTION]), standard_release("r", "1", [A1]),
             warnings_as_errors=True),
    releases("missing-sasl-in-top", "error",
             standard_release("r", "2", [A1, B_LOAD_INCLUDES_A], core=NO_SASL),
             standard_release("r", "1", [A1])),
    releases("missing-sasl-in-a-later-base", "error", standard_release("r", "2", [A1]),
             standard_release("r", "1", [A1]),
             standard_release("r", "0", [A1, B_LOAD_INCLUDES_A], core=NO_SASL)),
]  # fmt: skip


@pytest.mark.parametrize("case", WARNING_CASES)
def test_warnings_options_and_entry_order(
    case: RelupCase, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    run_relup_case(case, systools_oracle, tmp_path)


@pytest.mark.parametrize(
    "description",
    [erl_string("from one"), Atom("an_atom"), (Atom("tagged"), erl_list(1, 2.5)), NIL],
    ids=["string", "atom", "tuple", "empty"],
)
def test_base_descriptions(
    description: Term, systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    """systools copies the Descr of ``{RelFile, Descr}`` into the entry; relup, BaseRelease's."""
    new, old = (
        write_release(
            tmp_path, standard_release("r", vsn, [app]), systools_oracle, compile_beams=False
        )
        for vsn, app in (("2", A2), ("1", A1))
    )
    bases = [(old.rel_file, description)]
    theirs = systools_oracle.make_relup(new.rel_file, bases, bases, path=search_path(new, old))
    base = BaseRelease(load_release(old.rel_file), description)
    relup = build_relup(load_release(new.rel_file), [base], [base])
    assert_same("ok", (relup_to_term(relup), NIL), theirs)
