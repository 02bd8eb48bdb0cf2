"""Fixtures for alert delivery: a store holding a Q1 baseline, the Slack stand-in, workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from oversight_bot.bootstrap import Application, build, delivery_worker, slack_notifier
from oversight_bot.config import Settings
from oversight_bot.delivery.worker import DeliveryWorker
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.subscriptions import DEFAULT_EVENTS, EventKind, Filters, Target, TargetKind
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from tests.conftest import NOF_FILE, SEEDS
from tests.nof_files import q1_only
from tests.slack_requests import SECRET
from tests.slack_standin import SlackStandIn

CHANNEL = "C0ALERTS"
ADMIN_CHANNEL = "C0ADMIN"


def alert_settings(database_url: str, api_url: str, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "seed_on_first_use": False,
        "slack_bot_token": "xoxb-alerts",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        "slack_admin_channel": ADMIN_CHANNEL,
        "alert_interval_s": 0.05,
        "alert_send_timeout_s": 2,
    }
    return Settings(**(values | more))


@pytest.fixture
def baseline(empty_db_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[Application]:
    """Trusts from ODS and NHS England's Q1 file: a store that knows Q1, so that Q2 is news."""
    app = build(alert_settings(empty_db_url, standin.base_url))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    app.importer.nof(read_nof_file(q1_only(tmp_path / "q1.csv")))
    yield app
    app.close()


def channel_actor(channel: str = CHANNEL, user: str = "U0SUBSCRIBER") -> Actor:
    return Actor("slack", user, channel, "T0STANDIN")


def subscribe(
    app: Application,
    target: Target,
    channel: str = CHANNEL,
    events: frozenset[EventKind] = DEFAULT_EVENTS,
    filters: Filters | None = None,
) -> None:
    app.subscriptions.subscribe(channel_actor(channel), target, events, filters or Filters())


def import_q2(app: Application) -> int:
    return len(app.importer.nof(read_nof_file(NOF_FILE)).events)


def worker_for(app: Application, worker_id: str = "w1") -> DeliveryWorker:
    return delivery_worker(app, {"slack": slack_notifier(app)}, worker_id)


@contextmanager
def running(workers: list[DeliveryWorker]) -> Iterator[threading.Event]:
    """The workers' own loops on threads, as `oversight worker` runs them; stopped and closed after."""
    stop = threading.Event()
    threads = [threading.Thread(target=worker.run, args=(stop,)) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for worker in workers:
            worker.close()


def wait_until(done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `done` until it is true or `timeout` has passed (the caller's assertions then say what failed)."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def drain(workers: list[DeliveryWorker], until: Any, timeout: float = 30.0) -> None:
    """Run rounds until `until()` is true (or fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("the alert workers did not finish in time")
        if not sum(worker.run_once() for worker in workers):
            time.sleep(0.02)


ALL = Target(TargetKind.ALL)
