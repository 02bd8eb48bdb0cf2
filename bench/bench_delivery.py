"""Alert delivery: 2,000 alerts to 50 channels through the Slack stand-in, which enforces about one
message a second per channel (429 with Retry-After beyond it), with 1 and 4 `oversight worker`
processes on PostgreSQL. Reports the elapsed time against the minimum the rate limit allows
(goal: within 10 %), alerts lost (goal 0) and alerts delivered twice (goal 0).

Needs PostgreSQL's server binaries (apt-get install postgresql); starts its own throwaway server.
Run alone: .venv/bin/python bench/bench_delivery.py
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text
from tests import postgres
from tests.slack_standin import SlackStandIn

from oversight_bot.bootstrap import build
from oversight_bot.config import Settings
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.events import SegmentChanged
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.subscriptions import DEFAULT_EVENTS, Filters, Target, TargetKind
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.store.tables import AlertDeliveryRow

CHANNELS, PER_CHANNEL = 50, 40
WINDOW_S = 1.0
SEEDS = ROOT / "seeds"


def run(server: postgres.PostgresServer, workers: int) -> None:
    database = f"bench_{workers}_{os.getpid()}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {database}"))
    admin.dispose()
    url = server.url(database)
    standin = SlackStandIn()
    standin.channel_window_s = WINDOW_S
    settings = Settings(
        database_url=url,
        seed_on_first_use=False,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="s",
        slack_api_url=standin.base_url,
    )
    app = build(settings)
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    channels = [f"C0BENCH{n:02d}" for n in range(CHANNELS)]
    for channel in channels:
        app.subscriptions.subscribe(
            Actor("slack", "U0BENCH", channel, "T0BENCH"), Target(TargetKind.ALL), DEFAULT_EVENTS, Filters()
        )
    processes = [start_worker(url, standin.base_url, n) for n in range(workers)]
    time.sleep(3)  # let the workers start and go idle
    codes = itertools.cycle(["RWR", "RXG", "RDY", "RW1", "RR8", "RHM", "RTH", "RV5"])
    started = time.monotonic()
    with app.uow() as uow:
        for _ in range(PER_CHANNEL):  # each event its own batch: one message per channel each
            uow.outbox.append(
                [SegmentChanged(next(codes), Quarter(2025, 2), Quarter(2025, 1), "NOF2025", 2, 3)],
                None,
                app.clock.now(),
            )
        uow.commit()
    expected = CHANNELS * PER_CHANNEL
    deadline = started + 600
    while len(standin.posts()) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    time.sleep(3)  # anything still in flight would show up as a duplicate now
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
    report(app, standin, workers, elapsed, expected, started)
    app.close()
    standin.close()


def start_worker(url: str, api_url: str, n: int) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")} | {
        "OVERSIGHT_DATABASE_URL": url,
        "OVERSIGHT_SEED_ON_FIRST_USE": "false",
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-bench",
        "OVERSIGHT_SLACK_SIGNING_SECRET": "s",
        "OVERSIGHT_SLACK_API_URL": api_url,
        "OVERSIGHT_LOG_LEVEL": "ERROR",
    }
    command = [str(ROOT / ".venv/bin/oversight"), "worker"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def report(app, standin: SlackStandIn, workers: int, elapsed: float, expected: int, started: float) -> None:  # type: ignore[no-untyped-def]
    posts = standin.posts()
    first, last = min(p.at for p in posts) - started, max(p.at for p in posts) - started
    refs = Counter((p.body["channel"], p.body["blocks"][-1]["elements"][0]["text"]) for p in posts)
    duplicated = sum(count - 1 for count in refs.values())
    with app.session_factory() as session:
        sent = session.scalar(
            select(func.count()).select_from(AlertDeliveryRow).where(AlertDeliveryRow.status == "sent")
        )
    lost = expected - len(refs)
    minimum = (PER_CHANNEL - 1) * WINDOW_S
    limited = sum(1 for c in standin.calls_to("chat.postMessage") if not c.accepted)
    print(
        f"{workers} worker(s): {len(posts):,} of {expected:,} alerts in {elapsed:.1f} s; minimum the limit allows "
        f"{minimum:.0f} s ({elapsed / minimum - 1:+.1%}); lost {lost}; duplicated {duplicated}; "
        f"recorded sent {sent:,}; 429s {limited:,}; first alert after {first:.2f} s, last after {last:.1f} s"
    )


def main() -> None:
    server = postgres.start()
    try:
        print(f"{CHANNELS} channels x {PER_CHANNEL} alerts, stand-in limit 1 message/s/channel, PostgreSQL, 2 cores")
        for workers in (1, 4):
            run(server, workers)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
