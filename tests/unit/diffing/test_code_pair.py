"""Reading OLD's and NEW's code side by side gives what two plain reads give.

Whatever the path taken (one process, or worker processes sharing the
applications), the ReleaseCode values, warnings and errors are those of
``read_release_code(old)`` then ``read_release_code(new)``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diffing import code_pair, code_reader
from diffing.code_facts import ReleaseCode
from diffing.code_pair import READING, read_code_pair
from diffing.code_reader import read_release_code
from diffing.errors import InputError
from diffing.release import Release
from diffing.release_reader import load_code_pair, load_release, load_release_pair
from diffing.workers import worker_pool

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "shop"


@pytest.fixture()
def trees(tmp_path: Path) -> tuple[Path, Path]:
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", tmp_path / "new")
    return old, new


@pytest.fixture(params=[1, 2], ids=["one process", "two processes"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(code_pair, "PARALLEL_MIN_BEAMS", 0)  # the example is small
    yield int(request.param)


def _releases(trees: tuple[Path, Path]) -> tuple[Release, Release, frozenset[str]]:
    old, new = (load_release(tree, erlang_root=None) for tree in trees)
    names = frozenset(app.name for app in new.applications) & {a.name for a in old.applications}
    return old, new, names


def test_same_code_as_two_plain_reads(trees: tuple[Path, Path], workers: int) -> None:
    old, new, names = _releases(trees)
    expected = (read_release_code(old, names), read_release_code(new, names))
    assert read_code_pair(old, new, names, workers=workers) == expected
    assert any(code.modules for code in expected[1].applications)


def test_missing_beams_warn_in_release_order(trees: tuple[Path, Path], workers: int) -> None:
    (trees[1] / "lib" / "shop-1.1.0" / "ebin" / "shop_cart.beam").unlink()
    (trees[0] / "lib" / "old_metrics-0.1.0" / "ebin" / "old_metrics.beam").unlink()
    old, new, names = _releases(trees)
    old_code, new_code = read_code_pair(old, new, names, workers=workers)
    assert new_code.warnings == read_release_code(new, names).warnings
    assert old_code.warnings == read_release_code(old, names).warnings
    assert any("shop_cart.beam: listed in shop.app but missing" in w for w in new_code.warnings)


def test_first_error_is_the_plain_reads_first(trees: tuple[Path, Path], workers: int) -> None:
    # NEW's catalog (read with OLD's, before shop) and OLD's shop are damaged:
    # a plain read meets OLD's shop first, and so must the paired read.
    (trees[1] / "lib" / "catalog-1.0.0" / "ebin" / "catalog.beam").write_bytes(b"junk")
    (trees[0] / "lib" / "shop-1.0.0" / "ebin" / "shop_app.beam").write_bytes(b"FOR1")
    old, new, names = _releases(trees)
    with pytest.raises(InputError) as plain:
        read_release_code(old, names)
    with pytest.raises(InputError) as paired:
        read_code_pair(old, new, names, workers=workers)
    assert str(paired.value) == str(plain.value)
    assert "shop_app.beam" in str(paired.value)


def test_a_beam_unchanged_in_new_is_decoded_once(
    trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, names = _releases(trees)
    decoded: list[str] = []
    original = code_reader._decoded

    def counting(data: bytes, path: str) -> object:
        decoded.append(Path(path).name)
        return original(data, path)

    monkeypatch.setattr(code_reader, "_decoded", counting)
    read_code_pair(old, new, names, workers=1)
    beams = {
        (release, path.name, path.read_bytes())
        for release, tree in (("old", trees[0]), ("new", trees[1]))
        for path in tree.glob("lib/*/ebin/*.beam")
        if path.parts[-3].rsplit("-", 1)[0] in names
    }
    distinct = {(name, data) for _, name, data in beams}
    assert sorted(decoded) == sorted(name for name, _ in distinct)
    assert len(decoded) < len(beams)  # some modules did not change


def test_progress_counts_every_beam(trees: tuple[Path, Path], workers: int) -> None:
    old, new, names = _releases(trees)
    calls: list[tuple[str, int, int]] = []
    read_code_pair(old, new, names, workers=workers, progress=lambda *call: calls.append(call))
    total = sum(len(app.modules) for r in (old, new) for app in r.applications if app.name in names)
    assert calls[0] == (READING, 0, total)
    assert calls[-1] == (READING, total, total)
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)


def test_meanwhile_runs_once_before_this_process_reads(
    trees: tuple[Path, Path], workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, names = _releases(trees)
    events: list[str] = []  # this process's (a worker appends to its own copy)
    plain = code_pair.read_application_code

    def read(*arguments: Any) -> Any:
        events.append("read")
        return plain(*arguments)

    monkeypatch.setattr(code_pair, "read_application_code", read)
    result = read_code_pair(
        old, new, names, workers=workers, meanwhile=lambda: events.append("meanwhile")
    )
    assert result == (read_release_code(old, names), read_release_code(new, names))
    assert events[0] == "meanwhile"  # before this process reads anything
    assert events.count("meanwhile") == 1 and "read" in events


def test_complete_runs_on_old_then_new(trees: tuple[Path, Path]) -> None:
    old, new, names = _releases(trees)
    seen: list[str] = []

    def complete(code: ReleaseCode) -> ReleaseCode:
        seen.append(code.release.spec.vsn)
        return code

    read_code_pair(old, new, names, complete=complete)
    assert seen == [old.spec.vsn, new.spec.vsn]


def test_load_code_pair_wants_trees(trees: tuple[Path, Path]) -> None:
    old, new, names = _releases(trees)
    assert load_code_pair(old, new, names)[1].release is new
    with pytest.raises(ValueError, match="two release trees"):
        load_code_pair(old, Release(new.spec, new.applications), names)


def test_new_loaded_by_a_worker_is_the_release_load_release_reads(
    trees: tuple[Path, Path],
) -> None:
    with worker_pool(1) as pool:
        assert pool is not None
        old, new = load_release_pair(*trees, erlang_root=None, pool=pool)
    assert (old, new) == (
        load_release(trees[0], erlang_root=None),
        load_release(trees[1], erlang_root=None),
    )


def test_errors_come_in_plain_order_when_a_worker_loads_new(
    trees: tuple[Path, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    with worker_pool(1) as pool, pytest.raises(InputError) as only_new:
        load_release_pair(trees[0], missing, erlang_root=None, pool=pool)
    assert str(only_new.value) == f"{missing}: no such file or directory"
    (trees[0] / "releases").rename(tmp_path / "moved")
    with worker_pool(1) as pool, pytest.raises(InputError) as both:
        load_release_pair(trees[0], missing, erlang_root=None, pool=pool)
    assert str(trees[0]) in str(both.value)  # OLD's error, not NEW's
