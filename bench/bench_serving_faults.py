"""`/healthz` and `/segment` while the store hangs: `oversight serve --slack-http` on 127.0.0.1 over a
SQLite store whose write lock another program holds for the whole run, while a stream of requests
that must write (`/oversight subscribe`) keeps arriving and waiting on it. Goal: /healthz p99 under
50 ms; /segment answered from memory as usual.

Run alone: .venv/bin/python bench/bench_serving_faults.py
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.slack_requests import SECRET, signed_headers, slash_command

import common

FORM = "application/x-www-form-urlencoded"
SAMPLES = 400


def serve(database_url: str, port: int):  # type: ignore[no-untyped-def]
    environment = common.slack_server_environment(database_url, SECRET)
    command = [str(ROOT / ".venv/bin/oversight"), "serve", "--slack-http", "--host", "127.0.0.1", "--port", str(port)]
    return common.start_server(command, environment, port)


def main() -> None:
    database_url = common.seeded_database_url()
    port = 3800 + os.getpid() % 90
    server = serve(database_url, port)
    base = f"http://127.0.0.1:{port}"
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    stop = threading.Event()
    writes: list[tuple[float, str]] = []

    def keep_writing() -> None:
        with httpx.Client(timeout=10) as client:
            n = 0
            while not stop.is_set():
                n += 1
                body = slash_command("/oversight", "subscribe RWR", response_url=f"http://127.0.0.1:9/w/{n}")
                started = time.perf_counter()
                answer = client.post(
                    f"{base}/slack/events", content=body, headers=signed_headers(body, content_type=FORM)
                )
                writes.append((time.perf_counter() - started, answer.json().get("text", "")[:40]))

    try:
        holder.execute("BEGIN IMMEDIATE")  # the store's write lock, held for the whole run
        writers = [threading.Thread(target=keep_writing) for _ in range(4)]
        for writer in writers:
            writer.start()
        time.sleep(1)
        with httpx.Client(timeout=10) as client:
            health = []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                assert client.get(f"{base}/healthz").status_code == 200
                health.append(time.perf_counter() - started)
            segment = []
            for n in range(SAMPLES):
                body = slash_command("/segment", "Leeds Teaching", response_url=f"http://127.0.0.1:9/s/{n}")
                started = time.perf_counter()
                answer = client.post(
                    f"{base}/slack/events", content=body, headers=signed_headers(body, content_type=FORM)
                )
                segment.append(time.perf_counter() - started)
                assert answer.status_code == 200 and "RR8" in answer.text
        stop.set()
        for writer in writers:
            writer.join()
    finally:
        holder.close()
        server.terminate()
        server.wait(timeout=30)
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    print(f"SQLite write lock held throughout; 4 clients sending /oversight subscribe meanwhile ({len(writes)} sent)")
    for label, samples in (("/healthz", health), ("/segment", segment)):
        p50, p99 = common.percentile(samples, 0.5), common.percentile(samples, 0.99)
        print(f"{label:<10} n={SAMPLES}  p50 {ms(p50)}  p99 {ms(p99)}  max {ms(max(samples))}")
    slowest = max(w[0] for w in writes)
    print(f"subscribe (must write): slowest answer {ms(slowest)}; answered: {sorted({w[1] for w in writes})}")
    print("goal: /healthz p99 under 50 ms; /segment unaffected; writes answered 'try again' inside Slack's 3 s")


if __name__ == "__main__":
    main()
