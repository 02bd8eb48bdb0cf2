"""Several workers at once on PostgreSQL (FOR UPDATE SKIP LOCKED), one on SQLite: every alert
delivered exactly once, and no channel sent to faster than its limit allows."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from oversight_bot.bootstrap import Application, build, delivery_worker, slack_notifier
from oversight_bot.domain.events import SegmentChanged
from oversight_bot.domain.quarters import Quarter
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from tests.conftest import SEEDS
from tests.integration.alerts.conftest import ALL, alert_settings, running, subscribe, wait_until
from tests.integration.alerts.test_reliability import deliveries
from tests.integration.slack.conftest import text_of
from tests.slack_standin import SlackStandIn

CHANNELS, EVENTS = 8, 5
WINDOW = 0.2  # the stand-in's per-channel limit for this test (Slack's is about a second)


def queue_events(app: Application, count: int) -> None:
    """`count` separate segment events, each its own batch, so each is its own message."""
    codes = itertools.cycle(["RWR", "RXG", "RDY", "RW1", "RR8"])
    with app.uow() as uow:
        for _ in range(count):
            event = SegmentChanged(next(codes), Quarter(2025, 2), Quarter(2025, 1), "NOF2025", 2, 3)
            uow.outbox.append([event], None, app.clock.now())
        uow.commit()


@pytest.mark.parametrize("workers", [pytest.param(4, id="4 workers")])
def test_workers_share_the_work_without_repeating_it(empty_db_url: str, standin: SlackStandIn, workers: int) -> None:
    many = workers if empty_db_url.startswith("postgresql") else 1  # SQLite: one worker, as documented
    app = build(alert_settings(empty_db_url, standin.base_url, alert_interval_s=WINDOW + 0.01))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    channels = [f"C0CH{n:02d}" for n in range(CHANNELS)]
    for channel in channels:
        subscribe(app, ALL, channel=channel)
    standin.channel_window_s = WINDOW
    queue_events(app, EVENTS)
    alert_workers = [delivery_worker(app, {"slack": slack_notifier(app)}, f"w{n}") for n in range(many)]
    with running(alert_workers):
        wait_until(lambda: len(standin.posts()) >= CHANNELS * EVENTS)
    posts = standin.posts()
    assert len(posts) == CHANNELS * EVENTS, f"{len(posts)} of {CHANNELS * EVENTS} delivered"
    refs = Counter((post.body["channel"], text_of(post.body).rsplit("Alert ref ", 1)[1]) for post in posts)
    assert all(count == 1 for count in refs.values())  # nothing twice
    assert Counter(post.body["channel"] for post in posts) == dict.fromkeys(channels, EVENTS)
    assert {d.status for d in deliveries(app)} == {"sent"}
    by_channel: dict[str, list[float]] = {}
    for post in posts:
        by_channel.setdefault(post.body["channel"], []).append(post.at)
    assert all(b - a >= WINDOW * 0.9 for times in by_channel.values() for a, b in itertools.pairwise(sorted(times)))
    if many > 1:
        claimed_by = {d.claimed_by for d in deliveries(app)}
        assert len(claimed_by) > 1  # the work really was shared
    app.close()
