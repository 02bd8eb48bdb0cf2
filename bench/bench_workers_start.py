"""`oversight serve --slack-http --workers 2` starting on a busy machine: the time from the command
to the first `/healthz` answer and to the first answered `/segment`, with 0, 1 and 2 other
processes spinning on the CPU (2 cores), and whether any worker had to be restarted.

Run alone: .venv/bin/python bench/bench_workers_start.py
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.slack_requests import SECRET, signed_headers, slash_command

import common

RUNS = 3
LIMIT_S = 120.0


def spin() -> None:
    while True:
        pass


def start_once(database_url: str, port: int) -> tuple[float, float, str]:
    environment = os.environ | common.slack_server_environment(database_url, SECRET)
    command = [str(ROOT / ".venv/bin/oversight"), "serve", "--slack-http", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2"]  # fmt: skip
    started = time.perf_counter()
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    healthy = answered = float("nan")
    try:
        with httpx.Client(timeout=5) as http:
            while time.perf_counter() - started < LIMIT_S and answered != answered:
                try:
                    if healthy != healthy and http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        healthy = time.perf_counter() - started
                    body = slash_command("/segment", "RWR", response_url=f"http://127.0.0.1:9/{time.time_ns()}")
                    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
                    response = http.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers)
                    if response.status_code == 200 and "RWR" in response.text:
                        answered = time.perf_counter() - started
                except httpx.TransportError:
                    time.sleep(0.05)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    restarts = stderr.decode(errors="replace").count("exited with")
    return healthy, answered, f"{restarts} worker restart(s)"


def main() -> None:
    database_url = common.seeded_database_url()
    port = 3600 + os.getpid() % 90
    print(f"oversight serve --slack-http --workers 2 on the seeded SQLite store, 2 cores, {RUNS} starts each")
    for busy in (0, 1, 2):
        spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
        for spinner in spinners:
            spinner.start()
        try:
            results = [start_once(database_url, port) for _ in range(RUNS)]
        finally:
            for spinner in spinners:
                spinner.terminate()
                spinner.join()
        healthy = [r[0] for r in results]
        answered = [r[1] for r in results]
        print(
            f"{busy} process(es) spinning: first /healthz {statistics.median(healthy):5.1f} s "
            f"(max {max(healthy):5.1f}), first /segment answer {statistics.median(answered):5.1f} s "
            f"(max {max(answered):5.1f}); {', '.join(sorted({r[2] for r in results}))}"
        )


if __name__ == "__main__":
    main()
