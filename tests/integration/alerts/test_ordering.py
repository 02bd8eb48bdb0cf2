"""Alerts to a channel arrive in the order things happened: an import that adds Q2, Q3 and Q4 tells
each channel of Q2, then Q3, then Q4, even when a message fails (500) or is rate limited (429) and
is sent again later, and with several workers sharing the channels on PostgreSQL."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oversight_bot.bootstrap import Application, slack_notifier
from oversight_bot.delivery.worker import DeliveryWorker, WorkerSettings
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.ingest.nof import read_nof_file
from tests.fakes import FakeClock
from tests.integration.alerts.conftest import ADMIN_CHANNEL, ALL, CHANNEL, channel_actor, running, subscribe, wait_until
from tests.integration.alerts.test_reliability import deliveries
from tests.integration.slack.conftest import text_of
from tests.nof_files import Q3, Q4, write_cumulative
from tests.slack_standin import Answer, SlackStandIn, rate_limited, server_error

Q2 = "Q2 2025/26"
QUARTER = re.compile(r"Q[1-4] \d{4}/\d{2}")


def import_q2_to_q4(app: Application, folder: Path) -> int:
    """NHS England's cumulative file after Q1: one import announcing Q2, Q3 and Q4, one group each."""
    return len(app.importer.nof(read_nof_file(write_cumulative(folder / "q1-q4.csv"))).events)


def quarters_told(standin: SlackStandIn, channel: str = CHANNEL) -> list[str]:
    """The quarter each message to `channel` is about, in the order Slack accepted them."""
    found = []
    for post in standin.posts(channel):
        quarters = set(QUARTER.findall(text_of(post.body).splitlines()[0]))
        assert len(quarters) == 1, f"a message about more than one quarter: {quarters}"
        found.append(quarters.pop())
    return found


def worker_on(app: Application, clock: object, worker_id: str = "w1", **settings: object) -> DeliveryWorker:
    options = WorkerSettings(
        worker_id=worker_id,
        interval_s=0.0,
        admin_destination=Destination("slack", "", ADMIN_CHANNEL),
        **settings,  # type: ignore[arg-type]
    )
    return DeliveryWorker(app.uow, {"slack": slack_notifier(app)}, app.segments, clock, options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failure", "wait_s"),
    [pytest.param(server_error(), 6, id="500, retried after backoff"), pytest.param(rate_limited(2), 3, id="429")],
)
def test_a_quarter_that_failed_is_told_before_the_next_quarter(
    baseline: Application, standin: SlackStandIn, tmp_path: Path, failure: Answer, wait_s: float
) -> None:
    subscribe(baseline, ALL)
    import_q2_to_q4(baseline, tmp_path)
    clock = FakeClock(baseline.clock.now())
    worker = worker_on(baseline, clock)
    standin.queue("chat.postMessage", failure)
    worker.run_once()  # Q2's message fails
    assert standin.posts(CHANNEL) == []
    for _ in range(3):
        worker.run_once()
    assert standin.posts(CHANNEL) == []  # Q3 and Q4 wait for Q2; they do not overtake it
    clock.advance(wait_s)
    while worker.run_once():
        pass
    assert quarters_told(standin) == [Q2, Q3, Q4]
    assert {d.status for d in deliveries(baseline)} == {"sent"}
    worker.close()


def test_a_quarter_waiting_in_a_digest_does_not_hold_back_alerts_once_the_digest_is_off(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    """Turning the digest off sends what it held at once, ahead of what follows."""
    subscribe(baseline, ALL)
    baseline.subscriptions.digest(channel_actor(), (baseline.clock.now() + timedelta(hours=3)).time())
    import_q2_to_q4(baseline, tmp_path)
    worker = worker_on(baseline, baseline.clock)
    worker.run_once()
    assert standin.posts(CHANNEL) == []  # held for the digest
    baseline.subscriptions.digest(channel_actor(), None)
    while worker.run_once():
        pass
    (digest,) = standin.posts(CHANNEL)
    assert all(quarter in text_of(digest.body) for quarter in (Q2, Q3, Q4))
    worker.close()


class FastClock:
    """Time passing twenty times faster than it does: a 5 s backoff is a quarter of a second."""

    def __init__(self, start: datetime, factor: float = 20.0) -> None:
        self.start, self.factor, self.began = start, factor, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.began) * self.factor)


CHANNELS = ("C0ORDER0", "C0ORDER1", "C0ORDER2", "C0ORDER3")


def test_several_workers_keep_each_channels_quarters_in_order_through_failures(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    """Workers race to fan out (a few events each) and to claim, while channels fail and are paced."""
    many = 3 if baseline.engine.dialect.name == "postgresql" else 1  # SQLite: one worker, as documented
    for channel in CHANNELS:
        subscribe(baseline, ALL, channel=channel)
    standin.queue("chat.postMessage", server_error(), channel=CHANNELS[0])
    standin.queue("chat.postMessage", rate_limited(1), rate_limited(1), channel=CHANNELS[1])
    standin.queue("chat.postMessage", server_error(), rate_limited(1), server_error(), channel=CHANNELS[2])
    clock = FastClock(baseline.clock.now())
    workers = [worker_on(baseline, clock, f"w{n}", fan_out_batch=4, idle_s=0.01) for n in range(many)]
    with running(workers):
        import_q2_to_q4(baseline, tmp_path)  # committed while the workers run
        wait_until(lambda: len(standin.posts()) >= 3 * len(CHANNELS))
    for channel in CHANNELS:
        assert quarters_told(standin, channel) == [Q2, Q3, Q4], channel
    assert Counter(post.body["channel"] for post in standin.posts()) == dict.fromkeys(CHANNELS, 3)
    assert {d.status for d in deliveries(baseline)} == {"sent"}
