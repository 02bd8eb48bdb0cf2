"""Shared helpers for the benchmarks: timing, percentiles, a seeded store in a temporary folder."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings


def seeded_app() -> Application:
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    return build(Settings(database_url=f"sqlite:///{folder / 'bench.db'}"))


def seeded_database_url() -> str:
    """A seeded store for a server started in another process."""
    app = seeded_app()
    url = str(app.engine.url)
    app.close()
    return url


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")


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


def slack_server_environment(database_url: str, signing_secret: str) -> dict[str, str]:
    """The settings a benchmark's Slack HTTP server runs with: a bot token no call reaches Slack
    with (its API address answers nothing), and quiet logs."""
    return {
        "OVERSIGHT_DATABASE_URL": database_url,
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-bench",
        "OVERSIGHT_SLACK_SIGNING_SECRET": signing_secret,
        "OVERSIGHT_SLACK_API_URL": "http://127.0.0.1:9/api/",
        "OVERSIGHT_LOG_LEVEL": "ERROR",
    }


def start_server(command: list[str], environment: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start `oversight serve ...` and wait until its /healthz answers (at most a minute)."""
    server = subprocess.Popen(
        command, env=os.environ | environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")
