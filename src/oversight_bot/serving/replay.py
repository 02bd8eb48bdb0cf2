"""Refuse a signed request seen before: a signature proves who sent a request, not that it was
sent once. Each process remembers what it has seen, and the store remembers for all of them
(store/replays.py), so a replay is refused whichever process gets it.

If the store cannot answer within `SHARED_DEADLINE_S`, the process's own memory decides alone (and
says so in the log): a replay to the same process is still refused, and a replay to another one
could then only be answered from the in-memory read model (published NHS data), since everything
else needs the store that is not answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

logger = logging.getLogger(__name__)

WINDOW_S = 5 * 60  # Slack refuses timestamps older than this, so nothing older need be remembered
SHARED_DEADLINE_S = 0.5


class SeenRequests(Protocol):
    def first_sight(self, key: str, keep_until: int) -> bool: ...


class LocalMemory:
    """This process's memory of signatures, for the window, bounded in size."""

    def __init__(self, window_s: float = WINDOW_S, capacity: int = 200_000) -> None:
        self.window_s = window_s
        self.capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_sight(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - self.window_s or len(self._seen) > self.capacity
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True
