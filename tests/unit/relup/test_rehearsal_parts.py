"""The parts of ``relup rehearse`` that need no running release: the copy, the check, Erlang."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diffing.errors import EXIT_INPUT, UsageError
from diffing.term_reader import read_first_term_file
from diffing.terms import Atom, ErlList, erl_string
from relup.node_control import NodeError
from relup.prepare import prepare_release
from relup.rehearsal import (
    UserCheck,
    judge_user_check,
    parse_user_check,
    user_check_expression,
)
from relup.rehearsal_copy import copy_release
from relup.scratch_node import find_erlang_binary
from unit.relup.erl_eval import evaluate_in_erl
from unit.relup.package_trees import tree_digest
from unit.relup.release_roots import RELX_SCRIPT, shared_root


def test_copying_one_version_of_a_shared_root_leaves_it_alone(tmp_path: Path) -> None:
    root = shared_root(tmp_path)
    before = tree_digest(root)
    copy = copy_release(f"{root}@1.0.0", tmp_path / "copy")
    assert tree_digest(root) == before
    target = tmp_path / "copy"
    assert (copy.vsn, copy.erts_vsn, copy.script.builder) == ("1.0.0", "13.1.5", "relx")
    assert copy.script.root == target
    assert sorted(path.name for path in (target / "releases").iterdir()) == [
        "1.0.0",
        "start_erl.data",
    ]
    assert (target / "releases" / "start_erl.data").read_text() == "13.1.5 1.0.0\n"
    assert (target / "bin" / "shop").read_text() == RELX_SCRIPT.format(vsn="1.0.0")
    assert not (target / "log").exists()
    # The rehearsal then prepares it: RELEASES lists 1.0.0 alone, permanent.
    prepare_release(target)
    releases = read_first_term_file(target / "releases" / "RELEASES")
    assert isinstance(releases, ErlList) and len(releases) == 1
    release = releases.items[0]
    assert isinstance(release, tuple)
    assert release[:4] == (
        Atom("release"),
        erl_string("shop"),
        erl_string("1.0.0"),
        erl_string("13.1.5"),
    )
    assert release[5] == Atom("permanent")


def test_a_root_that_boots_the_version_is_copied_as_it_is(tmp_path: Path) -> None:
    root = shared_root(tmp_path)
    shutil.rmtree(root / "releases" / "1.0.0")
    copy = copy_release(root, tmp_path / "copy")
    assert copy.vsn == "1.1.0"
    for kept in ("releases/RELEASES", "releases/start_erl.data", "bin/shop"):
        assert (tmp_path / "copy" / kept).read_bytes() == (root / kept).read_bytes()


def test_a_rel_file_in_a_root_names_its_version_and_a_lone_one_cannot_boot(
    tmp_path: Path,
) -> None:
    root = shared_root(tmp_path)
    copy = copy_release(root / "releases" / "1.0.0" / "shop.rel", tmp_path / "copy")
    assert copy.vsn == "1.0.0"
    assert (tmp_path / "copy" / "releases" / "start_erl.data").read_text() == "13.1.5 1.0.0\n"
    lone = shutil.copy(root / "releases" / "1.0.0" / "shop.rel", tmp_path / "shop.rel")
    with pytest.raises(UsageError, match="rehearse needs a release root or tarball"):
        copy_release(lone, tmp_path / "copy2")


def test_a_missing_erlang_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shared_root(tmp_path)
    (root / "erts-13.1.5" / "bin" / "erl").write_text("#!/bin/sh\n")
    assert find_erlang_binary(root, "erl") == str(root / "erts-13.1.5" / "bin" / "erl")
    shutil.rmtree(root / "erts-13.1.5")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-dir"))
    with pytest.raises(
        NodeError, match=r"no Erlang found: .* bundles no erts-\*/bin/erl and erl is not on PATH"
    ) as raised:
        find_erlang_binary(root, "erl")
    assert raised.value.exit_code == EXIT_INPUT


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("shop_check:run", UserCheck("shop_check", "run")),
        ("Counter.Check:ok?", None),
        ("Counter.Check:healthy", UserCheck("Elixir.Counter.Check", "healthy")),
        ("Elixir.Counter.Check:healthy", UserCheck("Elixir.Counter.Check", "healthy")),
        ("shop_check", None),
        ("shop_check:", None),
        (":run", None),
        ("a b:run", None),
    ],
)
def test_parse_user_check(text: str, check: UserCheck | None) -> None:
    if check is None:
        with pytest.raises(UsageError, match="expected MOD:FUN"):
            parse_user_check(text)
    else:
        assert parse_user_check(text) == check


def test_judging_what_the_check_answered() -> None:
    assert judge_user_check(Atom("ok")) == ("passed", "returned ok")
    assert judge_user_check(Atom("true")) == ("passed", "returned true")
    assert judge_user_check((Atom("returned"), erl_string("{error,low_stock}"))) == (
        "failed",
        "returned {error,low_stock}, not ok or true",
    )
    assert judge_user_check((Atom("raised"), erl_string("error:undef"))) == (
        "failed",
        "raised error:undef",
    )
    assert judge_user_check(ErlList()) == ("failed", "answered []")


@pytest.mark.erlang
@pytest.mark.parametrize(
    ("check", "outcome", "said"),
    [
        (UserCheck("erlang", "garbage_collect"), "passed", "returned true"),
        (UserCheck("io", "nl"), "passed", "returned ok"),
        (UserCheck("erlang", "node"), "failed", "returned nonode@nohost, not ok or true"),
        (UserCheck("erlang", "processes"), "failed", "returned [<0.0.0>,"),
        (UserCheck("no_such_module", "run"), "failed", "raised error:undef"),
    ],
)
def test_the_check_expression_on_a_real_vm(check: UserCheck, outcome: str, said: str) -> None:
    found_outcome, found_said = judge_user_check(evaluate_in_erl(user_check_expression(check)))
    assert found_outcome == outcome
    assert found_said.startswith(said)
