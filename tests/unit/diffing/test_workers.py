"""Worker processes: results come back equal, failures come back as None, small trees get none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from diffing import workers
from diffing.code_facts import AppCode, ChildSpec, ModuleFacts, SupervisorFacts
from diffing.errors import InputError
from diffing.release import ModuleName
from diffing.terms import Atom, ErlList, ErlMap, erl_string
from diffing.workers import submit, worker_pool, workers_for_tree


def _facts() -> AppCode:
    spec = ChildSpec(
        Atom("w"), ModuleName("w"), "worker", (ModuleName("w"),), True, erl_string("t")
    )
    supervisor = SupervisorFacts("a_sup", (spec,), True)
    module = ModuleFacts(
        ModuleName("a_sup"),
        b"\x00" * 16,
        ErlList((2**100,)),
        ("supervisor",),
        False,
        frozenset({("init", 1)}),
        (ModuleName("supervisor"),),
        supervisor,
    )
    return AppCode("a", "1.0", (module,))


def _fail(message: str) -> None:
    raise InputError(Path("x.beam"), message)


def _echo(value: object) -> object:
    return value


def test_results_come_back_equal() -> None:
    value = (_facts(), ErlMap(((Atom("k"), 1),)), [None, "text"])
    with worker_pool(1) as pool:
        assert pool is not None
        assert submit(pool, _echo, value).result() == value


def test_a_failure_comes_back_as_none() -> None:
    with worker_pool(1) as pool:
        assert pool is not None
        assert submit(pool, _fail, "broken").result() is None


def test_no_pool_when_none_is_asked() -> None:
    with worker_pool(0) as pool:
        assert pool is None


@pytest.mark.parametrize(("applications", "expected"), [(3, 0), (16, 1)])
def test_only_trees_with_many_applications_start_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applications: int, expected: int
) -> None:
    monkeypatch.setattr(workers, "available_cpus", lambda: 2)
    for number in range(applications):
        (tmp_path / "lib" / f"app{number}-1.0").mkdir(parents=True)
    assert workers_for_tree(tmp_path) == expected
    assert workers_for_tree(tmp_path / "missing") == 0
    assert workers_for_tree(tmp_path / "release.tar.gz") == 0


def _two_values(value: object) -> Iterator[object]:
    yield value
    yield [value, value]


def _one_value_then_fail(message: str) -> Iterator[object]:
    yield message
    raise InputError(Path("x.beam"), message)


def test_a_child_sends_each_value_as_it_is_made() -> None:
    big = {"big": list(range(100_000))}
    child = workers.in_child(_two_values, big)
    assert child is not None  # every platform the tests run on can fork
    with child:
        assert child.next() == big
        assert child.next() == [big, big]
        assert child.next() is None  # the generator ended


def test_a_failing_child_gives_back_none() -> None:
    child = workers.in_child(_one_value_then_fail, "broken")
    assert child is not None
    with child:
        assert child.next() == "broken"
        assert child.next() is None


def test_a_child_left_before_its_end_is_reaped() -> None:
    child = workers.in_child(_two_values, list(range(1_000_000)))  # more than a pipe holds
    assert child is not None
    child.close()  # the child, still writing, ends on the closed pipe
