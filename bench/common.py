"""Shared helpers for the benchmarks: timing, percentiles, a seeded store in a temporary folder."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings


def seeded_app() -> Application:
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    return build(Settings(database_url=f"sqlite:///{folder / 'bench.db'}"))


def time_calls(call: Callable[[], object], repeat: int, warmup: int = 50) -> list[float]:
    """Seconds per call, one sample per call."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, samples: list[float]) -> str:
    median = statistics.median(samples) * 1e6
    p99 = percentile(samples, 0.99) * 1e6
    return f"{label:<52} median {median:9.1f} us   p99 {p99:9.1f} us   (n={len(samples)})"
