"""Python's cyclic garbage collector, paused while a large result is built.

Building the rows of a wide query (thousands to hundreds of thousands of tuples of terms) makes
as many new container objects. CPython starts a collection every 700 of them, and every tenth
of those, and so on: the oldest generation's collections traverse the whole result built so
far, again and again. On the M benchmark graph that was 15 to 80 ms of a query of 100 to 190
ms (``sources-of-entity`` for the largest network: 188 ms with the collector, 105 ms without).

The rows hold terms and tuples of terms: they make no reference cycle, so nothing is lost by not
collecting while they are made. Reference counting frees everything as usual; any cycle made
meanwhile (by another thread, say) is found by the first collection after the pause.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses in progress, in any thread
_resume = False  # whether the collector was enabled when the first of them began


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block. Pauses nest, and may overlap across threads:
    the collector is enabled again when the last one ends, if it was enabled when the first
    began (a program that turned it off keeps it off)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
