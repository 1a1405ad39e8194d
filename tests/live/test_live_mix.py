"""A real mix release upgraded and downgraded with only what relup produced.

The Elixir example (examples/counter, see its README) is built twice with
``mix release``; its release step runs ``relup prepare``, which writes
``releases/RELEASES`` into the fresh 0.1.0 tree.  ``relup package`` makes the
0.2.0 upgrade package (appups and relup from the plan, the consolidated
protocols included), which is placed in the deployed 0.1.0 tree's
``releases/``.  A node started with ``bin/counter daemon`` is taken to 0.2.0
and back through release_handler (``unpack_release``, ``install_release``,
``make_permanent``), driven with ``bin/counter rpc``.  Checked each way: the
Counter.Server process and its count survive, its state struct gains (then
loses) the ``step`` field; the Ticker child added in 0.2.0 runs (then is
gone); the changed ``String.Chars`` and ``Counter.Describe`` implementations
answer with the new (then old) text; and the consolidated protocols that run
are those of the installed version (a new ``defimpl`` is found, then not).

Needs ``mix`` and ``erl``; without them the test is skipped, or fails when
``RELUP_REQUIRE_ERLANG=1``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_tool

from diffing.term_reader import read_first_term_file
from diffing.terms import Atom, ErlList, ErlMap, Term, as_text
from live.live_release import run_relup_command
from live.mix_release import MixNode, build_mix_release

pytestmark = [pytest.mark.erlang, pytest.mark.live]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "counter"
OLD, NEW = "0.1.0", "0.2.0"

# One Elixir expression describing everything the checks look at.
SNAPSHOT = """
state = :sys.get_state(Counter.Server)
ticker = Process.whereis(Counter.Ticker)
%{
  releases: for({_, v, _, s} <- :release_handler.which_releases(), do: {v, s}),
  server: inspect(Process.whereis(Counter.Server)),
  state: state,
  text: to_string(state),
  describe: Counter.Describe.describe(state),
  protocol_functions: Counter.Describe.__protocol__(:functions),
  ticker: if(ticker, do: to_string(:sys.get_state(ticker)), else: :none),
  children: Enum.sort(for {id, pid, _, _} <- Supervisor.which_children(Counter.Supervisor),
                          is_pid(pid), do: id),
  ticker_impl: String.Chars.impl_for(%{__struct__: Counter.Ticker}),
  consolidated: {Protocol.consolidated?(String.Chars), Protocol.consolidated?(Counter.Describe)},
  string_chars: to_string(:code.which(String.Chars)),
  describe_beam: to_string(:code.which(Counter.Describe)),
  ticker_loaded: :code.is_loaded(Counter.Ticker) != false
}
"""


@dataclass(frozen=True, slots=True)
class Snapshot:
    releases: dict[str, str]
    server: str
    state: dict[str, Term]
    text: str
    describe: str
    protocol_functions: Term
    ticker: Term
    children: list[str]
    ticker_impl: Term
    consolidated: Term
    string_chars: str
    describe_beam: str
    ticker_loaded: bool


@dataclass(frozen=True, slots=True)
class Builds:
    old_root: Path
    new_root: Path
    work: Path


def _text(term: Term) -> str:
    if isinstance(term, bytes):
        return term.decode("utf-8")
    text = as_text(term)
    assert text is not None, f"expected text, got {term!r}"
    return text


def _atom_name(term: Term) -> str:
    assert isinstance(term, Atom), term
    return term.name


def _release_status(entry: Term) -> tuple[str, str]:
    assert isinstance(entry, tuple) and len(entry) == 2
    return _text(entry[0]), _atom_name(entry[1])


def _snapshot(node: MixNode) -> Snapshot:
    data = node.rpc(SNAPSHOT)
    assert isinstance(data, ErlMap)
    values = {_atom_name(key): value for key, value in data.entries}
    releases = values["releases"]
    assert isinstance(releases, ErlList)
    state = values["state"]
    assert isinstance(state, ErlMap)
    children = values["children"]
    assert isinstance(children, ErlList)
    return Snapshot(
        releases=dict(_release_status(entry) for entry in releases.items),
        server=_text(values["server"]),
        state={_atom_name(key): value for key, value in state.entries},
        text=_text(values["text"]),
        describe=_text(values["describe"]),
        protocol_functions=values["protocol_functions"],
        ticker=values["ticker"],
        children=[_atom_name(child) for child in children.items],
        ticker_impl=values["ticker_impl"],
        consolidated=values["consolidated"],
        string_chars=_text(values["string_chars"]),
        describe_beam=_text(values["describe_beam"]),
        ticker_loaded=values["ticker_loaded"] == Atom("true"),
    )


@pytest.fixture(scope="module")
def builds() -> Iterator[Builds]:
    require_tool("mix", "Elixir's mix")
    with tempfile.TemporaryDirectory(prefix="relup-live-mix-") as temporary:
        work = Path(temporary)
        old_root = build_mix_release(EXAMPLE / "v1", work / "v1")
        new_root = build_mix_release(EXAMPLE / "v2", work / "v2")
        yield Builds(old_root, new_root, work)


def _release_handler(node: MixNode, calls: str) -> Term:
    return node.rpc(calls, timeout=180)


def test_the_release_step_ran_relup_prepare(builds: Builds) -> None:
    """mix.exs's release step wrote the RELEASES release_handler reads at boot."""
    term = read_first_term_file(builds.old_root / "releases" / "RELEASES")
    assert isinstance(term, ErlList) and len(term.items) == 1
    release = term.items[0]
    assert isinstance(release, tuple)
    assert [_text(release[1]), _text(release[2]), release[5]] == ["counter", OLD, Atom("permanent")]


def test_upgrade_and_downgrade_with_relup_output_only(builds: Builds, tmp_path: Path) -> None:
    deployed = shutil.copytree(builds.old_root, tmp_path / "deploy", symlinks=True)
    package = deployed / "releases" / f"counter-{NEW}.tar.gz"
    packaged = run_relup_command(
        ["package", str(builds.old_root), str(builds.new_root), "-o", str(package)]
    )
    assert packaged.returncode == 0, packaged.stderr
    with MixNode(deployed, tmp_path / "scratch", "counter") as node:
        assert node.rpc("Counter.Server.bump(5)") == 5
        before = _snapshot(node)
        assert before.releases == {OLD: "permanent"}
        assert before.state == {"__struct__": Atom("Elixir.Counter.State"), "count": 5}
        assert (before.text, before.ticker, before.ticker_impl) == (
            "count=5",
            Atom("none"),
            Atom("nil"),
        )
        assert before.string_chars.endswith(
            f"/releases/{OLD}/consolidated/Elixir.String.Chars.beam"
        )

        up = _release_handler(
            node,
            f':release_handler.unpack_release(~c"counter-{NEW}")\n'
            f'{{:ok, _, _}} = :release_handler.install_release(~c"{NEW}")\n'
            f':release_handler.make_permanent(~c"{NEW}")',
        )
        assert up == Atom("ok")
        after_up = _snapshot(node)
        assert after_up.releases == {NEW: "permanent", OLD: "old"}
        assert after_up.server == before.server, "Counter.Server was restarted, not upgraded"
        assert after_up.state == {
            "__struct__": Atom("Elixir.Counter.State"),
            "count": 5,
            "step": 1,
        }
        assert after_up.text == "count=5 step=1"
        assert after_up.describe == "a counter at 5, stepping by 1"
        assert after_up.children == ["Elixir.Counter.Server", "Elixir.Counter.Ticker"]
        assert after_up.ticker == b"ticks=0"
        assert after_up.ticker_impl == Atom("Elixir.String.Chars.Counter.Ticker")
        assert after_up.consolidated == (Atom("true"), Atom("true"))
        assert after_up.string_chars.endswith(
            f"/releases/{NEW}/consolidated/Elixir.String.Chars.beam"
        )
        assert after_up.describe_beam.endswith(
            f"/releases/{NEW}/consolidated/Elixir.Counter.Describe.beam"
        )
        assert node.rpc("Counter.Server.bump()") == 6  # bump/0 adds the new step

        down = _release_handler(
            node,
            f'{{:ok, _, _}} = :release_handler.install_release(~c"{OLD}")\n'
            f':release_handler.make_permanent(~c"{OLD}")',
        )
        assert down == Atom("ok")
        after_down = _snapshot(node)
        assert after_down.releases == {NEW: "old", OLD: "permanent"}
        assert after_down.server == before.server
        assert after_down.state == {"__struct__": Atom("Elixir.Counter.State"), "count": 6}
        assert (after_down.text, after_down.describe) == ("count=6", "a counter at 6")
        assert after_down.protocol_functions == before.protocol_functions
        assert after_down.children == ["Elixir.Counter.Server"]
        assert (after_down.ticker, after_down.ticker_impl) == (Atom("none"), Atom("nil"))
        assert not after_down.ticker_loaded
        assert after_down.consolidated == (Atom("true"), Atom("true"))
        assert after_down.string_chars == before.string_chars
        assert after_down.describe_beam == before.describe_beam
