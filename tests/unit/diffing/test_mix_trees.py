"""Reading and diffing mix release trees: the bundled Elixir example (examples/counter).

What the trees hold is in examples/counter/README.md: the consolidated
``String.Chars`` and ``Counter.Describe`` change between 0.1.0 and 0.2.0, the
other consolidated protocols do not; an inline supervisor gains the shorthand
child ``{Counter.Ticker, 0}``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diffing.changes import ModuleChange
from diffing.code_facts import ReleaseCode
from diffing.compare import diff_releases
from diffing.consolidated import read_consolidated
from diffing.errors import InputError
from diffing.release_reader import load_release, load_release_code
from diffing.terms import Atom

COUNTER = Path(__file__).resolve().parents[3] / "examples" / "counter"
OLD, NEW = COUNTER / "rel-0.1.0", COUNTER / "rel-0.2.0"
PROTOCOLS = [
    "Elixir.Collectable",
    "Elixir.Counter.Describe",
    "Elixir.Enumerable",
    "Elixir.IEx.Info",
    "Elixir.Inspect",
    "Elixir.List.Chars",
    "Elixir.String.Chars",
]


def _code(root: Path) -> ReleaseCode:
    return load_release_code(root, applications={"counter"}, erlang_root=None)


def _kinds(changes: tuple[ModuleChange, ...]) -> dict[str, str]:
    return {change.module: change.kind for change in changes}


def test_a_mix_tree_reads_like_any_release_root() -> None:
    release = load_release(OLD, erlang_root=None)
    assert (release.name, release.vsn) == ("counter", "0.1.0")
    assert sorted(app.name for app in release.applications) == [
        "compiler",
        "counter",
        "elixir",
        "iex",
        "kernel",
        "logger",
        "sasl",
        "stdlib",
    ]
    counter = release.application("counter")
    assert counter is not None and "Elixir.Counter.Server" in counter.modules


def test_consolidated_protocols_are_read_beside_the_rel_file() -> None:
    consolidated = _code(OLD).consolidated
    assert consolidated is not None
    assert consolidated.directory == "releases/0.1.0/consolidated"
    assert consolidated.version_directory == "0.1.0"
    assert [module.name for module in consolidated.modules] == PROTOCOLS


def test_a_release_without_consolidated_protocols_has_none(tmp_path: Path) -> None:
    tree = shutil.copytree(OLD, tmp_path / "tree")
    shutil.rmtree(tree / "releases" / "0.1.0" / "consolidated")
    assert read_consolidated(load_release(tree, erlang_root=None)) is None


def test_a_consolidated_file_naming_another_module_is_refused(tmp_path: Path) -> None:
    tree = shutil.copytree(OLD, tmp_path / "tree")
    directory = tree / "releases" / "0.1.0" / "consolidated"
    (directory / "Elixir.Inspect.beam").rename(directory / "Elixir.Other.beam")
    with pytest.raises(InputError, match=r"holds module Elixir\.Inspect, not Elixir\.Other"):
        read_consolidated(load_release(tree, erlang_root=None))


def test_the_diff_compares_consolidated_protocols_by_md5() -> None:
    diff = diff_releases(_code(OLD), _code(NEW))
    assert diff.consolidated is not None
    assert (diff.consolidated.old_directory, diff.consolidated.new_directory) == (
        "releases/0.1.0/consolidated",
        "releases/0.2.0/consolidated",
    )
    assert _kinds(diff.consolidated.modules) == {
        "Elixir.Counter.Describe": "changed",
        "Elixir.String.Chars": "changed",
    }


def test_shadowed_protocol_modules_leave_the_application_diff() -> None:
    """lib/counter-VSN/ebin/Elixir.Counter.Describe.beam changed too, but never runs."""
    diff = diff_releases(_code(OLD), _code(NEW))
    counter = diff.application("counter")
    assert counter is not None
    assert _kinds(counter.modules) == {
        "Elixir.Counter.Application": "changed",
        "Elixir.Counter.Describe.Counter.State": "changed",
        "Elixir.Counter.Describe.Counter.Ticker": "added",
        "Elixir.Counter.Server": "changed",
        "Elixir.Counter.State": "changed",
        "Elixir.Counter.Ticker": "added",
        "Elixir.String.Chars.Counter.State": "changed",
        "Elixir.String.Chars.Counter.Ticker": "added",
    }


def test_consolidation_on_one_side_only_is_warned_and_shadows_nothing(tmp_path: Path) -> None:
    tree = shutil.copytree(NEW, tmp_path / "tree")
    shutil.rmtree(tree / "releases" / "0.2.0" / "consolidated")
    diff = diff_releases(_code(OLD), _code(tree))
    assert diff.consolidated is None
    assert [w.code for w in diff.warnings] == ["protocols-consolidated-once"]
    counter = diff.application("counter")
    assert counter is not None
    assert "Elixir.Counter.Describe" in _kinds(counter.modules)


def test_the_inline_supervisor_s_shorthand_children_are_read() -> None:
    """Supervisor.start_link([Counter.Server, {Counter.Ticker, 0}], name: ...) in start/2."""
    counter = _code(NEW).application("counter")
    assert counter is not None
    callback = counter.module("Elixir.Counter.Application")
    assert callback is not None and callback.supervisor is not None
    facts = callback.supervisor
    assert facts.elixir_inline and facts.specs_complete
    assert facts.registered_name == "Elixir.Counter.Supervisor"
    assert [(spec.id, spec.modules, spec.term) for spec in facts.child_specs] == [
        (Atom("Elixir.Counter.Server"), ("Elixir.Counter.Server",), Atom("Elixir.Counter.Server")),
        (
            Atom("Elixir.Counter.Ticker"),
            ("Elixir.Counter.Ticker",),
            (Atom("Elixir.Counter.Ticker"), 0),
        ),
    ]
    assert all(spec.elixir_shorthand and spec.literal for spec in facts.child_specs)


def test_the_added_shorthand_child_is_a_child_change() -> None:
    diff = diff_releases(_code(OLD), _code(NEW))
    counter = diff.application("counter")
    assert counter is not None
    assert [(c.supervisor, c.kind, c.child_id) for c in counter.children] == [
        ("Elixir.Counter.Application", "added", Atom("Elixir.Counter.Ticker"))
    ]


def test_a_deployed_tree_s_unpack_copy_of_the_rel_file_is_skipped(tmp_path: Path) -> None:
    """unpack_release copies releases/NAME-VSN.rel into releases/VSN/ beside NAME.rel."""
    tree = shutil.copytree(NEW, tmp_path / "tree")
    version_dir = tree / "releases" / "0.2.0"
    shutil.copy(version_dir / "counter.rel", version_dir / "counter-0.2.0.rel")
    assert load_release(tree, erlang_root=None).spec.path == version_dir / "counter.rel"
    shutil.copy(version_dir / "counter.rel", version_dir / "other-0.2.0.rel")
    with pytest.raises(InputError, match=r"holds several \.rel files"):
        load_release(tree, erlang_root=None)
