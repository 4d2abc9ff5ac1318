"""Python's cyclic garbage collector, paused while a large result is built.

Building the rows of a wide query (thousands to hundreds of thousands of tuples of terms) makes
as many new container objects. CPython starts a collection every 700 of them, and every tenth
of those, and so on: the older generations' collections traverse the result built so far, and
what the process already holds, again and again. How much that costs depends on the process:
on the M benchmark store, in a process holding earlier results, ``sources-of-entity`` for the
largest network took 202-211 ms with the collector and 115-119 ms without; in a fresh process
the wide queries lose 0-10 % to it.

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
