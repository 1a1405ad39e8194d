"""Read the code of OLD and NEW together, one application (both versions) at a time.

Why together: most beams of an upgraded application are the same bytes in
both releases (the unchanged modules, rebuilt identically), so NEW's copy of
such a beam is compared with OLD's, not decoded again
(``code_reader.BeamMemo``).  Keeping OLD's bytes only while its application
is read keeps the memory bounded.

Why per application: both versions of one application are also the unit of
work spread across processes (:mod:`diffing.workers`).  From
:data:`PARALLEL_MIN_BEAMS` beams on, worker processes take applications from
the end of the list while this process takes them from the front, cancelling
work items no worker has claimed yet; below that, starting a process costs
more than it saves.
The result does not depend on who read what: each release's applications,
warnings and errors come in the release's order.

Errors: if anything fails, the releases are read again one after the other,
in one process, exactly as :func:`diffing.code_reader.read_release_code`
reads them, so the error raised is the one a plain read raises first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from diffing.code_facts import ReleaseCode
from diffing.code_reader import (
    AppRead,
    BeamMemo,
    read_application_code,
    read_release_code,
    release_code,
)
from diffing.progress import Progress, report
from diffing.release import Application, Release
from diffing.workers import Pending, available_cpus, submit, worker_pool

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PARALLEL_MIN_BEAMS = 4000
READING = "reading beams"

Side = Literal["old", "new"]


@dataclass(frozen=True, slots=True)
class _Unit:
    """One application to read: its OLD and NEW versions (either may be absent)."""

    old: Application | None
    new: Application | None

    @property
    def beams(self) -> int:
        return sum(len(app.modules) for app in (self.old, self.new) if app is not None)


# What read_unit gives: OLD's read, NEW's read.
_UnitRead = tuple[AppRead, AppRead]


def read_code_pair(
    old: Release,
    new: Release,
    applications: Collection[str],
    *,
    complete: Callable[[ReleaseCode], ReleaseCode] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[ReleaseCode, ReleaseCode]:
    """The code of the ``applications`` of ``old`` and of ``new``, and each one's sys.config.

    Args:
        old: the release upgraded from (a tree on disk).
        new: the release upgraded to (a tree on disk).
        applications: the applications whose code to read.
        complete: what else to read into each release's code, OLD's first
            (the caller's own steps after ``read_release_code``).
        progress: called as beams are read (``"reading beams"``, beams done, beams in all).
        workers: processes to read with, this one included, when no ``pool``
            is given; default: the CPUs this process may run on.
        pool: worker processes already started (see :mod:`diffing.workers`).
            Below :data:`PARALLEL_MIN_BEAMS` beams, none is used.
        meanwhile: called in this process once the workers have their work
            (before reading, without workers; not at all when reading fails):
            other work of the caller's that does not need the code
            (importing what comes next).

    Returns:
        What ``complete(read_release_code(old, applications))`` and then the
        same for ``new`` return.
    """
    finish = complete if complete is not None else _as_is
    units = _units(old, new, applications)
    try:
        reads = _read_units(units, progress, workers, pool, meanwhile or _nothing)
    except Exception:  # the plain reads below raise the right error
        old_code = finish(read_release_code(old, applications))
        return old_code, finish(read_release_code(new, applications))
    old_code = finish(_release_code(old, units, reads, "old"))
    return old_code, finish(_release_code(new, units, reads, "new"))


def _as_is(code: ReleaseCode) -> ReleaseCode:
    return code


def _nothing() -> None:
    return None


def _units(old: Release, new: Release, applications: Collection[str]) -> list[_Unit]:
    names = [app.name for app in new.applications if app.name in applications]
    names += [app.name for app in old.applications if app.name in applications]
    return [_Unit(old.application(name), new.application(name)) for name in dict.fromkeys(names)]


def read_unit(unit: _Unit) -> _UnitRead:
    """Both versions of one application; NEW's unchanged beams are not decoded again."""
    memo: BeamMemo = {}
    old = read_application_code(unit.old, memo) if unit.old is not None else (None, [])
    new = read_application_code(unit.new, memo) if unit.new is not None else (None, [])
    return old, new


def _read_units(
    units: Sequence[_Unit],
    progress: Progress | None,
    workers: int | None,
    pool: ProcessPoolExecutor | None,
    meanwhile: Callable[[], object],
) -> list[_UnitRead]:
    total = sum(unit.beams for unit in units)
    counter = _Counter(progress, total)
    if total >= PARALLEL_MIN_BEAMS and pool is not None:
        return _shared(units, pool, counter, meanwhile)
    if total >= PARALLEL_MIN_BEAMS:
        wanted = (available_cpus() if workers is None else workers) - 1
        with worker_pool(wanted) as own_pool:
            if own_pool is not None:
                return _shared(units, own_pool, counter, meanwhile)
    meanwhile()
    reads = []
    for unit in units:
        reads.append(read_unit(unit))
        counter.add(unit.beams)
    return reads


def _shared(
    units: Sequence[_Unit],
    pool: ProcessPoolExecutor,
    counter: _Counter,
    meanwhile: Callable[[], object],
) -> list[_UnitRead]:
    # Workers take from the back (last submitted first in line), this process from the front.
    pending = {
        index: submit(pool, read_unit, units[index]) for index in reversed(range(len(units)))
    }
    meanwhile()
    return _share(units, pending, counter)


def _share(
    units: Sequence[_Unit], pending: dict[int, Pending[_UnitRead]], counter: _Counter
) -> list[_UnitRead]:
    reads: dict[int, _UnitRead] = {}
    for index, unit in enumerate(units):
        if not pending[index].cancel():
            break  # a worker has it, and every unit after it
        reads[index] = read_unit(unit)
        counter.add(unit.beams)
        # Take in what the workers finished meanwhile (from the back), so that
        # unpickling it is not all left for the end.
        _take_finished(units, pending, reads, counter, wait=False)
    _take_finished(units, pending, reads, counter, wait=True)
    return [reads[index] for index in range(len(units))]


def _take_finished(
    units: Sequence[_Unit],
    pending: dict[int, Pending[_UnitRead]],
    reads: dict[int, _UnitRead],
    counter: _Counter,
    wait: bool,
) -> None:
    for index in reversed(range(len(units))):
        if index in reads:
            continue
        call = pending[index]
        if call.cancelled() or not (wait or call.done()):
            return
        read = call.result()
        if read is None:
            raise RuntimeError("a worker could not read an application")
        reads[index] = read
        counter.add(units[index].beams)


class _Counter:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        report(progress, READING, 0, total)

    def add(self, beams: int) -> None:
        self.done += beams
        report(self.progress, READING, self.done, self.total)


def _release_code(
    release: Release, units: Sequence[_Unit], reads: Sequence[_UnitRead], side: Side
) -> ReleaseCode:
    by_name: dict[str, AppRead] = {}
    for unit, read in zip(units, reads, strict=True):
        application = unit.old if side == "old" else unit.new
        if application is not None:
            by_name[application.name] = read[0] if side == "old" else read[1]
    in_order = (by_name[app.name] for app in release.applications if app.name in by_name)
    return release_code(release, in_order)
