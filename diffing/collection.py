"""Pausing Python's cyclic garbage collector while big acyclic structures are built.

Reading terms, reading beams and planning build millions of small objects
that live on and form no cycles; the cyclic collector, left on, only rescans
them (a fifth of a 20,000-module plan's time at the default thresholds).
Reference counting frees everything else as usual while it is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """The block runs without the cyclic collector; it runs again after, if it ran before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
