"""The systools oracle harness answers like OTP 25 and survives its VM failing.

Expected terms come from the reference (otp-release-handling.md §1.4, §4.15,
§6.1, §6.2); they prove that requests reach systools intact and that answers
come back as the exact ``diffing.terms`` values.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffing.term_reader import read_first_term_file
from diffing.term_writer import format_term
from diffing.terms import NIL, Atom, ErlList, ErlMap, Term, erl_list, erl_string
from oracle.oracle import (
    AppRecord,
    ErlangCrash,
    OracleDied,
    OracleRequestError,
    OracleTimeout,
    RelupBuilt,
    ScriptTranslated,
    SystoolsError,
    SystoolsOracle,
)
from oracle.release_factory import (
    AppDescription,
    OtpAppDescription,
    ReleaseScenario,
    WrittenRelease,
    modules,
    search_path,
    standard_release,
    write_release,
)

pytestmark = pytest.mark.erlang

A = Atom
PONR = A("point_of_no_return")
BP = A("brutal_purge")
SP = A("soft_purge")


def appup(vsn: str, old: str, instructions: list[Term]) -> Term:
    """An appup with the same instructions up from and down to ``old``."""
    entry = (erl_string(old), ErlList(tuple(instructions)))
    return (erl_string(vsn), erl_list(entry), erl_list(entry))


def write_pair(
    root: Path, oracle: SystoolsOracle, instructions: list[Term]
) -> tuple[WrittenRelease, WrittenRelease]:
    """Releases "1" and "2" of ``rel``: app ``a`` 1 -> 2 with module ``m``."""
    old_app = AppDescription("a", "1", modules("m"))
    new_app = AppDescription("a", "2", modules("m"), appup=appup("2", "1", instructions))
    old = write_release(root, standard_release("rel", "1", [old_app]), oracle)
    new = write_release(root, standard_release("rel", "2", [new_app]), oracle)
    return old, new


def loads(app: str, vsn: str, *module_names: str) -> list[Term]:
    mods = ErlList(tuple(A(name) for name in module_names))
    lib = (A("load_object_code"), (A(app), erl_string(vsn), mods))
    return [lib, PONR, *[(A("load"), (A(name), BP, BP)) for name in module_names]]


def suspended(script: ErlList) -> tuple[str, ...]:
    """The module names of the first suspend instruction of ``script``."""
    for instruction in script:
        match instruction:
            case (Atom("suspend"), ErlList() as names):
                return tuple(name.name for name in names if isinstance(name, Atom))
    raise AssertionError(f"no suspend in {script!r}")


def test_make_relup_on_a_generated_pair(systools_oracle: SystoolsOracle, tmp_path: Path) -> None:
    old, new = write_pair(tmp_path, systools_oracle, [(A("load_module"), A("m"))])
    outcome = systools_oracle.make_relup(
        new.rel_file, [old.rel_file], [old.rel_file], path=search_path(old, new)
    )
    up = (erl_string("1"), NIL, ErlList(tuple(loads("a", "2", "m"))))
    down = (erl_string("1"), NIL, ErlList(tuple(loads("a", "1", "m"))))
    assert outcome == RelupBuilt(
        (erl_string("2"), erl_list(up), erl_list(down)), "systools_relup", NIL
    )
    assert (tmp_path / "lib" / "a-2" / "ebin" / "m.beam").is_file()


def test_written_relup_file_holds_the_returned_term(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    old, new = write_pair(tmp_path / "tree", systools_oracle, [(A("load_module"), A("m"))])
    (tmp_path / "out").mkdir()
    described = (old.rel_file, erl_string("from one"))
    outcome = systools_oracle.make_relup(
        new.rel_file,
        [old.rel_file, described],
        [],
        path=search_path(old, new),
        outdir=tmp_path / "out",
    )
    assert isinstance(outcome, RelupBuilt)
    assert read_first_term_file(tmp_path / "out" / "relup") == outcome.relup
    # Entries come out in reverse order of the bases given (§1.4).
    assert [entry.description for entry in outcome.up] == [erl_string("from one"), NIL]


def test_bad_instruction_is_a_systools_rc_error(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    bad = (A("update"), A("m"), A("foo"))
    old, new = write_pair(tmp_path, systools_oracle, [bad])
    outcome = systools_oracle.make_relup(
        new.rel_file, [old.rel_file], [], path=search_path(old, new)
    )
    assert outcome == SystoolsError("systools_rc", (A("bad_instruction"), bad))
    assert outcome.as_term() == (A("error"), A("systools_rc"), (A("bad_instruction"), bad))


def test_missing_rel_file_is_a_systools_make_error(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    outcome = systools_oracle.make_relup(tmp_path / "nothing.rel", [], [])
    expected = (A("not_found"), erl_string(f"{tmp_path}/nothing.rel"))
    assert outcome == SystoolsError("systools_make", expected)


def test_a_crash_inside_systools_is_reported_with_its_class(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    old, new = write_pair(tmp_path, systools_oracle, [])
    bad_outdir = (A("outdir"), A("outdir1"))
    outcome = systools_oracle.make_relup(
        new.rel_file, [old.rel_file], [], extra_options=[bad_outdir]
    )
    assert isinstance(outcome, ErlangCrash)
    assert (outcome.kind, outcome.reason) == ("error", (A("badarg"), erl_list(bad_outdir)))
    assert outcome.as_term() == (A("EXIT"), (outcome.reason, outcome.stacktrace))


def test_faked_erts_and_sasl_versions(systools_oracle: SystoolsOracle, tmp_path: Path) -> None:
    restart = erl_list(A("restart_new_emulator"))
    new_sasl = OtpAppDescription(
        "sasl", "9.9", appup=(erl_string("9.9"), erl_list((b".*", restart)), NIL)
    )
    core = (OtpAppDescription("kernel"), OtpAppDescription("stdlib"), new_sasl)
    old = write_release(tmp_path, standard_release("rel", "1", []), systools_oracle)
    new = write_release(
        tmp_path, standard_release("new", "2", [], erts_vsn="99.0", core=core), systools_oracle
    )
    outcome = systools_oracle.make_relup(
        new.rel_file, [old.rel_file], [], path=search_path(old, new)
    )
    assert isinstance(outcome, RelupBuilt)
    erts = systools_oracle.otp_installation().erts_vsn
    changed = ((erl_string("new"), erl_string("99.0")), (erl_string("rel"), erl_string(erts)))
    assert outcome.warnings == erl_list((A("erts_vsn_changed"), changed))
    assert [entry.instructions for entry in outcome.up] == [
        erl_list(A("restart_new_emulator"), PONR)
    ]


def test_translate_scripts_otp_suite_case(systools_oracle: SystoolsOracle) -> None:
    """§6.1 translate item 7: foo uses [bar, baz], bar advanced, baz advanced and uses bar."""

    def update(module: str, change: Term, depends: list[str]) -> Term:
        return (A("update"), A(module), change, SP, SP, ErlList(tuple(map(A, depends))))

    script = [
        update("foo", A("soft"), ["bar", "baz"]),
        update("bar", (A("advanced"), NIL), []),
        update("baz", (A("advanced"), A("baz")), ["bar"]),
    ]
    apps = [AppRecord("test", "1.0", ("foo", "bar", "baz", "x", "y", "z"))]
    outcome = systools_oracle.translate_scripts("up", [script], apps, apps)
    order = erl_list(A("foo"), A("baz"), A("bar"))
    expected = erl_list(
        (A("load_object_code"), (A("test"), erl_string("1.0"), order)),
        PONR,
        (A("suspend"), order),
        *[(A("load"), (A(name), SP, SP)) for name in ("bar", "baz", "foo")],
        (A("code_change"), A("up"), erl_list((A("baz"), A("baz")), (A("bar"), NIL))),
        (A("resume"), erl_list(A("bar"), A("baz"), A("foo"))),
    )
    assert outcome == ScriptTranslated(expected)


def test_translate_scripts_error_and_unicode_atoms(systools_oracle: SystoolsOracle) -> None:
    name = "mø∞dule"
    apps = [AppRecord("test", "1.0", (name,))]
    loaded = systools_oracle.translate_scripts("up", [[(A("load_module"), A(name))]], apps, apps)
    assert loaded == ScriptTranslated(erl_list(*loads("test", "1.0", name)))
    unknown = systools_oracle.translate_scripts("dn", [[(A("update"), A("ba"))]], apps, apps)
    assert unknown == SystoolsError("systools_rc", (A("no_such_module"), A("ba")))


def test_incomparable_components_depend_on_atom_history(systools_oracle: SystoolsOracle) -> None:
    """§4.10: unrelated y and z come out in an order set by their atoms' table indices."""
    incomparable: set[tuple[str, ...]] = set()
    chain: set[tuple[str, ...]] = set()
    for attempt in range(32):
        x, y, z = (f"hx{attempt}", f"hy{attempt}", f"hz{attempt}")
        systools_oracle.intern_atoms([x, y, z])
        apps = [AppRecord("test", "1.0", (x, y, z))]
        for found, dependencies in ((incomparable, [y, z]), (chain, [y])):
            script = [
                (A("update"), A(x), ErlList(tuple(map(A, dependencies)))),
                (A("update"), A(y), erl_list(A(z))) if found is chain else (A("update"), A(y)),
                (A("update"), A(z)),
            ]
            outcome = systools_oracle.translate_scripts("up", [script], apps, apps)
            assert isinstance(outcome, ScriptTranslated)
            found.add(tuple(name[:2] for name in suspended(outcome.script)))
    assert incomparable == {("hx", "hy", "hz"), ("hx", "hz", "hy")}
    assert chain == {("hx", "hy", "hz")}


def test_two_hundred_requests_are_fast_and_silent(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    old, new = write_pair(tmp_path, systools_oracle, [(A("load_module"), A("m"))])
    paths = search_path(old, new)
    started = time.monotonic()
    outcomes = {
        systools_oracle.make_relup(new.rel_file, [old.rel_file], [old.rel_file], path=paths)
        for _ in range(200)
    }
    elapsed = time.monotonic() - started
    print(f"200 make_relup requests took {elapsed:.2f} s")
    assert elapsed < 30
    assert len(outcomes) == 1 and isinstance(outcomes.pop(), RelupBuilt)
    assert systools_oracle.stray_output() == ""


def erlang_terms() -> st.SearchStrategy[Term]:
    """Terms of every kind the protocol carries (map keys kept clear of 1 == 1.0)."""
    atoms = st.text(st.characters(codec="utf-8"), max_size=12).map(Atom)
    scalars: st.SearchStrategy[Term] = st.one_of(
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        atoms,
        st.text(max_size=12).map(erl_string),
        st.binary(max_size=12),
    )
    keys = st.one_of(atoms, st.binary(max_size=4))

    def containers(children: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
        items = st.lists(children, max_size=4).map(tuple)
        return st.one_of(
            items.map(ErlList),
            items,
            st.lists(st.tuples(keys, children), max_size=3).map(lambda pairs: ErlMap(tuple(pairs))),
            st.tuples(items.filter(bool), scalars).map(lambda pair: ErlList(*pair)),
        )

    return st.recursive(scalars, containers, max_leaves=12)


@given(term=erlang_terms())
def test_terms_survive_a_round_trip_through_erlang(
    systools_oracle: SystoolsOracle, term: Term
) -> None:
    echoed = systools_oracle.echo(term)
    # format_term tells 1 from 1.0, which Python's == does not.
    assert echoed == term and format_term(echoed) == format_term(term)


def test_erlang_format_returns_the_printed_text(systools_oracle: SystoolsOracle) -> None:
    term = (A("a"), erl_list(erl_string("ab"), 1.5))
    assert systools_oracle.erlang_format("~tp and ~w", [term, A("b")]) == '{a,["ab",1.5]} and b'


def test_a_malformed_request_is_a_harness_error(systools_oracle: SystoolsOracle) -> None:
    with pytest.raises(OracleRequestError, match="no_such_request"):
        systools_oracle.request((A("no_such_request"),))
    systools_oracle.ping()


def test_a_killed_vm_is_restarted() -> None:
    with SystoolsOracle() as oracle:
        oracle.ping()
        pid = oracle.vm_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while oracle.vm_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        oracle.ping()
        assert oracle.starts == 2 and oracle.vm_pid != pid


def test_a_vm_dying_mid_request_fails_clearly_and_is_restarted() -> None:
    with SystoolsOracle() as oracle:
        oracle.ping()
        pid = oracle.vm_pid
        assert pid is not None
        killer = threading.Timer(0.2, os.kill, (pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(OracleDied, match="died during"):
            oracle.request((A("sleep"), 10_000))
        killer.join()
        oracle.ping()
        assert oracle.starts == 2


def test_a_timeout_fails_clearly_and_the_next_request_restarts() -> None:
    with SystoolsOracle(request_timeout=0.3) as oracle:
        with pytest.raises(OracleTimeout, match="did not answer"):
            oracle.request((A("sleep"), 5000))
        assert oracle.vm_pid is None
        oracle.ping()
        assert oracle.starts == 2


def test_factory_refuses_conflicting_descriptions(
    systools_oracle: SystoolsOracle, tmp_path: Path
) -> None:
    first = ReleaseScenario("rel", "1", (AppDescription("a", "1", modules("m")),))
    second = ReleaseScenario("rel", "2", (AppDescription("a", "1", modules("n")),))
    write_release(tmp_path, first, systools_oracle)
    with pytest.raises(ValueError, match="different content"):
        write_release(tmp_path, second, systools_oracle)
