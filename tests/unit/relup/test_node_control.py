"""``relup.node_control``: builder detection, the reply protocol, and the drivers run for real.

The drivers (the text relx's ``eval`` and mix's ``rpc`` evaluate on the node)
are evaluated here by a real ``erl`` and ``elixir``, outside any release: the
same evaluation a node does, so the round trip expression -> reply -> term is
checked without booting one.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from diffing.errors import EXIT_FAILED, EXIT_INPUT, InputError
from diffing.terms import Atom, ErlList, ErlMap, Term, erl_string
from relup.node_control import (
    REPLY_MARKER,
    NodeControl,
    NodeError,
    ReleaseScript,
    decode_reply,
    detect_builder,
    elixir_driver,
    erlang_driver,
    find_release_script,
    reply_value,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"

# Expressions whose text would not survive shells, echo or quoting, and their values.
ROUND_TRIPS: list[tuple[str, Term]] = [
    ("1 + 2", 3),
    ('"a\\\\b \\"q\\" $x `y` \'z\'"', erl_string("a\\b \"q\" $x `y` 'z'")),
    ('unicode:characters_to_list(<<"héllo ✓"/utf8>>)', erl_string("héllo ✓")),
    (
        "X = [a, 'B c'], {X, #{k => 1}}",
        (ErlList((Atom("a"), Atom("B c"))), ErlMap(((Atom("k"), 1),))),
    ),
    ("lists:seq(1, 3000)", ErlList(tuple(range(1, 3001)))),
]
FAILURES = [
    ("1 = 2", "raised error:{badmatch,2}"),
    ("erlang:error(boom)", "raised error:boom"),
    ("foo(", "raised error:{badmatch,{error,"),
]


def _reply(marker_text: str) -> str:
    return REPLY_MARKER + base64.b64encode(marker_text.encode()).decode()


def test_detects_relx_and_mix_scripts() -> None:
    relx = 'erl_eval() {\n    case "$ERL_RPC" in\n    esac\n}\n'
    mix = 'rpc () {\n  exec "$REL_VSN_DIR/elixir" --rpc-eval "$RELEASE_NODE" "$1"\n}\n'
    assert detect_builder(relx) == "relx"
    assert detect_builder("relx_escript bin/install_upgrade.escript") == "relx"
    assert detect_builder(mix) == "mix"
    assert detect_builder('#!/bin/sh\nexec erl "$@"\n') is None


def test_a_release_root_names_its_script(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    (root / "bin").mkdir()
    (root / "bin" / "shop").write_text("#!/bin/sh\nerl_eval() {\n:\n}\n")
    assert find_release_script(root) == ReleaseScript(root, "shop", "relx")


def test_the_rel_copy_unpack_release_leaves_does_not_count_as_a_release(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    release_dir = root / "releases" / "1.0.0"
    shutil.copy(release_dir / "shop.rel", release_dir / "shop-1.0.0.rel")
    (root / "bin").mkdir()
    (root / "bin" / "shop").write_text("#!/bin/sh\nerl_eval() {\n:\n}\n")
    assert find_release_script(root).name == "shop"
    (release_dir / "other.rel").write_text((release_dir / "shop.rel").read_text())
    with pytest.raises(InputError, match="expected one release name, found other, shop"):
        find_release_script(root)


def test_a_root_without_a_known_script_is_an_input_error(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    with pytest.raises(InputError, match=r"bin/shop: cannot read the release script"):
        find_release_script(root)
    (root / "bin").mkdir()
    (root / "bin" / "shop").write_text("#!/bin/sh\nexec erl\n")
    with pytest.raises(InputError, match="not a relx or mix release script"):
        find_release_script(root)
    with pytest.raises(InputError, match="not a release root"):
        find_release_script(tmp_path)


def test_decode_reply_finds_the_marker_among_other_output() -> None:
    output = f'Warning: something\n"{_reply("ok [1,2]")}"\n'
    assert decode_reply(output) == "ok [1,2]"


def test_decode_reply_joins_a_reply_split_into_adjacent_strings() -> None:
    encoded = _reply("ok " + "x" * 300)
    split = f'"{encoded[:100]}"\n "{encoded[100:]}"'
    assert decode_reply(split) == "ok " + "x" * 300


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("Node 'shop@host' not responding to pings.", "no reply from the node; it printed: Node"),
        (f"{REPLY_MARKER}AAA", "unreadable reply from the node"),
        (REPLY_MARKER + base64.b64encode(b"\xff\xfe").decode(), "unreadable reply"),
    ],
)
def test_decode_reply_says_what_the_node_printed(output: str, message: str) -> None:
    with pytest.raises(NodeError, match=message) as raised:
        decode_reply(output)
    assert raised.value.exit_code == EXIT_FAILED
    assert "\n" not in str(raised.value)


def test_reply_value_reads_the_term_or_raises_with_the_expression() -> None:
    assert reply_value('ok {a,"b"}', "x") == (Atom("a"), erl_string("b"))
    with pytest.raises(
        NodeError, match=r"evaluating 1 = 2 on the node raised error:\{badmatch,2\}"
    ):
        reply_value("raised error:{badmatch,2}", "1 = 2")


def test_a_script_that_fails_is_a_one_line_node_error(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    (root / "bin").mkdir()
    script = root / "bin" / "shop"
    script.write_text("#!/bin/sh\nerl_eval() { :; }\necho 'Node is not running!'\nexit 1\n")
    script.chmod(0o755)
    node = NodeControl(find_release_script(root), dict(os.environ), timeout=10)
    with pytest.raises(
        NodeError, match=r"bin/shop eval exited 1 \(is the node running\?\): Node is not running!"
    ):
        node.evaluate("ok")


def test_a_relative_root_runs_the_script_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    (root / "bin").mkdir()
    script = root / "bin" / "shop"
    script.write_text("#!/bin/sh\nerl_eval() { :; }\necho 'Node is not running!'\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    release = find_release_script(Path("shop"))
    assert release.root == root
    node = NodeControl(release, dict(os.environ), timeout=10)
    # The script itself ran (and said the node is down), not "cannot run".
    with pytest.raises(NodeError, match=r"exited 1 \(is the node running\?\)"):
        node.evaluate("ok")


def test_a_script_that_hangs_times_out(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "shop")
    (root / "bin").mkdir()
    script = root / "bin" / "shop"
    script.write_text("#!/bin/sh\nerl_eval() { :; }\nexec sleep 30\n")
    script.chmod(0o755)
    node = NodeControl(find_release_script(root), dict(os.environ), timeout=0.5)
    with pytest.raises(NodeError, match=r"bin/shop eval: no answer within 0 s|within 1 s"):
        node.evaluate("ok")


def test_a_missing_script_is_an_input_exit_code(tmp_path: Path) -> None:
    release = ReleaseScript(tmp_path, "shop", "relx")
    with pytest.raises(NodeError, match="cannot run") as raised:
        NodeControl(release, {}).evaluate("ok")
    assert raised.value.exit_code == EXIT_INPUT


def _evaluate_with_erl(drivers: list[str], tmp_path: Path) -> list[str]:
    listing = tmp_path / "drivers.txt"
    listing.write_text("\n".join(drivers) + "\n", encoding="utf-8")
    program = (
        '{ok, Text} = file:read_file(os:getenv("RELUP_DRIVERS")), '
        'Lines = string:split(unicode:characters_to_list(Text), "\\n", all), '
        "[begin {ok, T, _} = erl_scan:string(L), {ok, E} = erl_parse:parse_exprs(T), "
        "{value, V, _} = erl_eval:exprs(E, []), io:put_chars([V, $\\n]) end "
        '|| L <- Lines, L =/= ""], halt().'
    )
    result = subprocess.run(
        ["erl", "-noshell", "-eval", program],
        env={**os.environ, "RELUP_DRIVERS": str(listing)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.erlang
def test_the_erlang_driver_round_trips_through_a_real_erl(tmp_path: Path) -> None:
    expressions = [text for text, _ in ROUND_TRIPS] + [text for text, _ in FAILURES]
    outputs = _evaluate_with_erl([erlang_driver(text) for text in expressions], tmp_path)
    assert len(outputs) == len(expressions)
    for (text, value), output in zip(ROUND_TRIPS, outputs, strict=False):
        assert reply_value(decode_reply(output), text) == value
    for (_text, said), output in zip(FAILURES, outputs[len(ROUND_TRIPS) :], strict=True):
        assert decode_reply(output).startswith(said)


@pytest.mark.erlang
def test_the_elixir_driver_round_trips_through_a_real_elixir(tmp_path: Path) -> None:
    require_tool("elixir", "Elixir")
    expressions = [text for text, _ in ROUND_TRIPS] + [text for text, _ in FAILURES]
    listing = tmp_path / "drivers.txt"
    listing.write_text("\n".join(elixir_driver(text) for text in expressions) + "\n")
    program = (
        'for line <- String.split(File.read!(System.fetch_env!("RELUP_DRIVERS")), "\\n", '
        "trim: true), do: Code.eval_string(line)"
    )
    result = subprocess.run(
        ["elixir", "-e", program],
        env={**os.environ, "RELUP_DRIVERS": str(listing)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outputs = result.stdout.splitlines()
    assert len(outputs) == len(expressions), result.stdout + result.stderr
    for (text, value), output in zip(ROUND_TRIPS, outputs, strict=False):
        assert reply_value(decode_reply(output), text) == value
    for (_text, said), output in zip(FAILURES, outputs[len(ROUND_TRIPS) :], strict=True):
        assert decode_reply(output).startswith(said)
