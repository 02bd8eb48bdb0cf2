"""Blocking work (the store, Bolt's synchronous dispatch) run off the event loop, on a bounded
pool of threads, each piece with a deadline shorter than Slack's 3 seconds.

A piece of work that misses its deadline is answered "try again" at once; if it had not started
it never will (its queued future is cancelled), and if it had, its thread finishes it in the
background (a thread cannot be stopped) while the event loop goes on answering everyone else. So
one stuck query holds one thread and slows only its own request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from oversight_bot.errors import TooSlow

T = TypeVar("T")

DEADLINE_S = 2.5  # Slack waits 3 s for an answer; the rest is the network's
THREADS = 16


class Offload:
    def __init__(self, threads: int = THREADS, deadline_s: float = DEADLINE_S) -> None:
        self.deadline_s = deadline_s
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="serve")

    async def run(self, work: Callable[[], T], deadline_s: float | None = None) -> T:
        """`work()` on the pool; TooSlow if it has not finished by the deadline."""
        future = asyncio.get_running_loop().run_in_executor(self._pool, work)
        try:
            return await asyncio.wait_for(future, deadline_s or self.deadline_s)
        except TimeoutError:
            raise TooSlow(f"no answer within {deadline_s or self.deadline_s:g} s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
