"""Requests while the read model is rebuilt, at 50,000 organisations: `oversight serve --slack-http`
(one process) on a store of 50,000 synthetic providers (NHS England's first-release layout, as
bench_import_nof.py makes them), answering a steady stream of signed `/segment` requests and
`/healthz`, while another process imports a one-line alias file. The server notices the import
within a second and builds the new snapshot in the background; the worst latency of the requests
answered meanwhile is the figure. Goal: under 100 ms.

Run alone: .venv/bin/python bench/bench_rebuild.py [--providers N] [--store PATH] (building the
store takes a few minutes; it is left in a temporary folder, and --store reuses it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.slack_requests import SECRET, signed_headers, slash_command

import common
from bench_import_nof import _code, synthetic_first_release
from oversight_bot.bootstrap import build
from oversight_bot.config import Settings
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.services.retiring import GRACE_S

FORM = "application/x-www-form-urlencoded"
RETIRED_WITHIN_S = GRACE_S + 4.0
CLIENTS = 2


def build_store(folder: Path, providers: int) -> str:
    url = f"sqlite:///{folder / 'large.db'}"
    release = folder / "synthetic.csv"
    synthetic_first_release(release, providers, random.Random(7))
    app = build(Settings(database_url=url, seed_on_first_use=False))
    app.importer.nof(read_nof_file(release))
    app.close()
    return url


def environment(url: str) -> dict[str, str]:
    return common.slack_server_environment(url, SECRET) | {"OVERSIGHT_SEED_ON_FIRST_USE": "false"}


def version(base: str) -> int:
    page = httpx.get(f"{base}/metrics", timeout=5).text
    found = re.search(r"^oversight_read_model_version (\S+)", page, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--store", type=Path, help="a store an earlier run built (its path is printed), to reuse")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="oversight-rebuild-"))
    started = time.perf_counter()
    url = f"sqlite:///{args.store}" if args.store else build_store(folder, args.providers)
    print(f"store of {args.providers:,} synthetic providers: {url} ({time.perf_counter() - started:.0f} s)")
    port = 3700 + os.getpid() % 90
    command = [str(ROOT / ".venv/bin/oversight"), "serve", "--slack-http", "--host", "127.0.0.1", "--port", str(port)]
    server = common.start_server(command, environment(url), port)
    base = f"http://127.0.0.1:{port}"
    try:
        while httpx.get(f"{base}/readyz", timeout=30).status_code != 200:
            time.sleep(0.2)
        samples: list[tuple[float, float, str]] = []  # (when it was sent, seconds, what)
        stop = threading.Event()
        threads = [threading.Thread(target=ask, args=(base, n, stop, samples)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(3)  # requests before the rebuild, for comparison
        before = version(base)
        aliases = folder / "aliases.csv"
        # A new alias each run (a reused store already holds the last run's: that import would change nothing).
        aliases.write_text(f"alias,ods_code\nBENCHMARK{os.getpid()},{_code(1)}\n", encoding="utf-8")
        imported_at = time.perf_counter()
        importer = subprocess.Popen([str(ROOT / ".venv/bin/oversight"), "import", "aliases", str(aliases)],
                                    env=os.environ | environment(url), stdout=subprocess.DEVNULL)  # fmt: skip
        while version(base) == before:  # the server's own rebuild, whenever the import has committed
            if time.perf_counter() - imported_at > 600:
                raise RuntimeError("the server did not take up the import within 10 minutes")
            time.sleep(0.05)
        swapped_at = time.perf_counter()
        importer.wait()
        finished_at = time.perf_counter()
        # The replaced read model is freed after a grace period (services/retiring.py): measured too.
        time.sleep(max(0.0, swapped_at + RETIRED_WITHIN_S - time.perf_counter()))
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(samples, imported_at, swapped_at, finished_at)
    retired = [s for t, s, w in samples if w == "/segment" and swapped_at < t]
    print(
        f"/segment  from the swap until the old read model was freed ({RETIRED_WITHIN_S:.0f} s): n={len(retired)}  "
        f"p50 {common.percentile(retired, 0.5) * 1e3:6.1f} ms  p99 {common.percentile(retired, 0.99) * 1e3:6.1f} ms  "
        f"max {max(retired) * 1e3:6.1f} ms"
    )


def ask(base: str, client: int, stop: threading.Event, samples: list[tuple[float, float, str]]) -> None:
    """One client: /segment for a random provider, then /healthz, back to back."""
    rng = random.Random(client)
    n = 0
    with httpx.Client(timeout=30) as http:
        while not stop.is_set():
            n += 1
            body = slash_command("/segment", _code(rng.randrange(50_000)), response_url=f"http://127.0.0.1:9/{n}")
            headers = signed_headers(body, content_type=FORM)
            for what in ("/segment", "/healthz"):
                sent = time.perf_counter()
                if what == "/segment":
                    response = http.post(f"{base}/slack/events", content=body, headers=headers)
                else:
                    response = http.get(f"{base}/healthz")
                samples.append((sent, time.perf_counter() - sent, what))
                assert response.status_code == 200, response.text


def report(samples: list[tuple[float, float, str]], imported: float, swapped: float, finished: float) -> None:
    print(f"the import process (start, import, its own snapshot) ran {finished - imported:.1f} s; the server's")
    print(f"new read model was in use {swapped - imported:.1f} s after the import started")
    for what in ("/segment", "/healthz"):
        quiet = [s for t, s, w in samples if w == what and t < imported]
        during = [s for t, s, w in samples if w == what and imported <= t <= swapped]
        print(
            f"{what:<9} before: p50 {common.percentile(quiet, 0.5) * 1e3:6.1f} ms  max {max(quiet) * 1e3:6.1f} ms   "
            f"from the import to the swap: n={len(during)}  p50 {common.percentile(during, 0.5) * 1e3:6.1f} ms  "
            f"p99 {common.percentile(during, 0.99) * 1e3:6.1f} ms  max {max(during) * 1e3:6.1f} ms"
        )
    print(f"goal: the worst request during the rebuild under 100 ms ({CLIENTS} clients, back to back)")


if __name__ == "__main__":
    main()
