"""A replaced read model, freed without stopping the process.

At 50,000 organisations a snapshot is over a million objects, and freeing it in one go (the moment
its last reference goes) holds the interpreter's lock for 0.2-0.25 s: every request in the process
waits that long (bench/bench_rebuild.py). So a reader that has been replaced is kept for a grace
period longer than any request may hold one, and then, if nothing but this thread still refers to
it, its large containers are emptied a batch at a time, letting other threads run between batches.

A reader still in use after the grace period (some caller kept it) is left alone, to be freed by
reference counting when its caller lets go: nothing is ever taken from under a caller.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oversight_bot.services.segments import SegmentReader

logger = logging.getLogger(__name__)
GRACE_S = 5.0  # longer than a request may take (the serving pool's deadline is 2.5 s)
BATCH = 2_000  # entries freed between two chances for other threads to run (about a millisecond)


def retire(held: list[SegmentReader], grace_s: float = GRACE_S) -> threading.Thread:
    """Free the reader in `held` gradually once `grace_s` has passed, on a thread of its own. It
    is handed over in a list that the thread empties, so that the caller keeps no reference to it
    (a reference held by the caller would make the reader look still in use)."""
    thread = threading.Thread(target=_free_later, args=(held, grace_s), name="read-model-retire", daemon=True)
    thread.start()
    return thread


def _free_later(held: list[SegmentReader], grace_s: float) -> None:
    time.sleep(grace_s)
    reader = held.pop()
    # Cached on the reader, and referring back to it: a cycle that reference counting never frees
    # (and the snapshot is frozen out of the cyclic collector's reach). Broken here, always.
    reader.__dict__.pop("positions", None)
    if not _only_here(reader):
        return
    for container in _containers(reader):
        _empty_gradually(container)


def _only_here(reader: SegmentReader) -> bool:
    """Whether nothing but this thread refers to the reader, its snapshot or its index. Each count
    includes getrefcount's own argument; the reader's also the two frames that hold it here."""
    return sys.getrefcount(reader) <= 3 and sys.getrefcount(reader.snapshot) <= 2 and sys.getrefcount(reader.index) <= 2


def _containers(reader: SegmentReader) -> Iterator[dict[Any, Any] | list[Any]]:
    """The reader's own large containers, referred to by nothing else: its snapshot's, its
    register's and its lookup index's (not the framework catalogue or the clock it shares with
    the reader that replaced it)."""
    for part in (reader.snapshot, reader.snapshot.register, reader.index):
        names = [f.name for f in fields(part)] if is_dataclass(part) else list(vars(part))
        for name in names:
            value = getattr(part, name)
            # References: the attribute, `value`, getrefcount's argument.
            if isinstance(value, dict | list) and len(value) > BATCH and sys.getrefcount(value) <= 3:
                yield value
            del value


def _empty_gradually(container: dict[Any, Any] | list[Any]) -> None:
    while container:
        if isinstance(container, dict):
            for key in list(container)[:BATCH]:
                del container[key]
        else:
            del container[-BATCH:]
        time.sleep(0)  # let the threads answering requests run
