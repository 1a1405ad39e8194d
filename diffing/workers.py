"""Worker processes reading beside this one: started by fork, results pickled compactly.

Reading a big release pair is most of ``relup plan``'s time and splits well
(releases, then applications), so the reading runs on every CPU the process
may use.  Workers are forked (they start with every module imported, no
re-import) and their results come back pickled by :class:`_CompactPickler`:
the default pickling of slotted dataclasses rebuilds each object through
``dataclasses.fields``, which cost half of what a worker saved.

:func:`in_child` runs a generator in a process forked just for it (plain
``os.fork``, no pool: it costs a few milliseconds), for work at the end of a
run that splits in two; each value it yields comes back as soon as it is made.

A call that raises in a worker comes back as None (our exceptions carry
fields their pickling loses): the caller then makes the call itself, so the
error raised is exactly the one a plain run raises, in the same order.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import os
import pickle
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from diffing.code_facts import AppCode, ChildSpec, ModuleFacts, PrivFile, SupervisorFacts
from diffing.release import Application, Appup, RelApplication, Release, ReleaseSpec
from diffing.terms import Atom, BitString, ErlList, ErlMap, OpaqueTerm

if TYPE_CHECKING:  # concurrent.futures is imported only when a pool starts
    from concurrent.futures import Future, ProcessPoolExecutor

Result = TypeVar("Result")

# A release tree with this many application directories is worth reading in
# two processes from the start (its OLD and NEW load side by side): below it,
# starting a worker costs more than the loading it saves.
MANY_APPLICATIONS = 16

# The frozen dataclasses workers send back: releases and code facts.
_PICKLED_BY_FIELDS: tuple[type, ...] = (
    Release,
    ReleaseSpec,
    RelApplication,
    Application,
    Appup,
    AppCode,
    ModuleFacts,
    SupervisorFacts,
    ChildSpec,
    PrivFile,
    Atom,
    ErlList,
    ErlMap,
    BitString,
    OpaqueTerm,
)
_FIELD_NAMES = {
    kind: tuple(field.name for field in dataclasses.fields(kind)) for kind in _PICKLED_BY_FIELDS
}


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def workers_for_tree(source: str | Path) -> int:
    """Worker processes to start before reading the release tree ``source``: none for
    a small tree, a tarball or anything else, else one less than the CPUs."""
    try:
        applications = len(os.listdir(Path(source) / "lib"))
    except (OSError, ValueError):
        return 0
    return available_cpus() - 1 if applications >= MANY_APPLICATIONS else 0


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` forked processes for the block, or None (none asked, no fork)."""
    import multiprocessing  # imported here: most runs never start a worker

    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Pending(Generic[Result]):
    """A call running in a worker."""

    def __init__(self, future: Future[bytes | None]) -> None:
        self.future = future

    def cancel(self) -> bool:
        """Take the call back if no worker has started it."""
        return self.future.cancel()

    def cancelled(self) -> bool:
        return self.future.cancelled()

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> Result | None:
        """The call's result (waiting for it), or None when it raised."""
        pickled = self.future.result()
        return None if pickled is None else pickle.loads(pickled)


def submit(
    pool: ProcessPoolExecutor, function: Callable[..., Result], *arguments: object
) -> Pending[Result]:
    """``function(*arguments)`` in a worker (both must pickle: module-level functions)."""
    return Pending(pool.submit(_call, function, arguments))


def _call(function: Callable[..., object], arguments: tuple[object, ...]) -> bytes | None:
    try:
        result = function(*arguments)
    except Exception:
        return None
    buffer = io.BytesIO()
    _CompactPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


class _CompactPickler(pickle.Pickler):
    """Pickles the registered dataclasses as a call of their class with their fields."""

    def reducer_override(self, obj: object) -> Any:  # a (class, fields) pair, or NotImplemented
        names = _FIELD_NAMES.get(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple([getattr(obj, name) for name in names])


def in_child(
    function: Callable[..., Iterator[Result]], *arguments: object
) -> ChildMessages[Result] | None:
    """Start the generator ``function(*arguments)`` in a forked child; None where
    processes cannot fork.

    The child sends each value the generator yields as soon as it is made, so
    the caller can work on the first while the child makes the next.  Read
    them with :meth:`ChildMessages.next`, then :meth:`ChildMessages.close`.
    """
    if not hasattr(os, "fork"):
        return None
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(reading)
        _child_main(writing, function, arguments)
    os.close(writing)
    return ChildMessages(reading, child)


class ChildMessages(Generic[Result]):
    """The values a child started by :func:`in_child` sends, in order."""

    def __init__(self, reading: int, child: int) -> None:
        self._pipe = os.fdopen(reading, "rb")
        self._child = child

    def next(self) -> Result | None:
        """The next value (waiting for it), or None when the generator raised or ended,
        or the child died: the caller then makes the value itself."""
        header = self._pipe.read(_LENGTH.size)
        if len(header) != _LENGTH.size:
            return None
        (size,) = _LENGTH.unpack(header)
        payload = self._pipe.read(size)
        if len(payload) != size:
            return None
        result: Result = pickle.loads(payload)
        return result

    def close(self) -> None:
        """Stop listening and reap the child (it may still be writing: it ends on a closed pipe)."""
        self._pipe.close()
        os.waitpid(self._child, 0)

    def __enter__(self) -> ChildMessages[Result]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_LENGTH = struct.Struct(">Q")


def _child_main(
    writing: int, function: Callable[..., Iterator[object]], arguments: tuple[object, ...]
) -> None:
    # Never returns: the child must not run the parent's cleanups or flush its
    # buffered output a second time, so it leaves through os._exit.
    # Nor collect: it lives for one call, and a collection would write to
    # every object's header, copying the pages it shares with the parent.
    gc.disable()
    status = 1
    try:
        with os.fdopen(writing, "wb") as pipe:
            for value in function(*arguments):
                payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.write(_LENGTH.pack(len(payload)) + payload)
                pipe.flush()
        status = 0
    finally:
        os._exit(status)
