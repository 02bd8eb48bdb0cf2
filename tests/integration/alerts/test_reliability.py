"""Delivering to Slack properly: rate limits, server errors, slow answers, permanent errors, and a
worker killed between sending and recording. Across all of them no alert is lost, and none is
delivered twice except in the documented window (an ambiguous send), where the duplicate carries
the same alert reference."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from oversight_bot.bootstrap import Application, slack_notifier
from oversight_bot.delivery.worker import DeliveryWorker, WorkerSettings
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.subscriptions import Destination, Target, TargetKind
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.ports import UnitOfWork
from oversight_bot.store.tables import AlertDeliveryRow
from tests.fakes import FakeClock
from tests.integration.alerts.conftest import (
    ADMIN_CHANNEL,
    ALL,
    CHANNEL,
    drain,
    import_q2,
    running,
    subscribe,
    worker_for,
)
from tests.integration.slack.conftest import text_of
from tests.oversight_cli import oversight
from tests.slack_standin import SlackStandIn, api_error, rate_limited, server_error, slow

RXV = Target(TargetKind.ORGANISATION, "RXV")  # moves 5 -> 4 in Q2: two events, one message


def deliveries(app: Application) -> list[AlertDeliveryRow]:
    with app.session_factory() as session:
        return list(session.scalars(select(AlertDeliveryRow).order_by(AlertDeliveryRow.id)))


def faked_worker(app: Application, clock: FakeClock, **settings: Any) -> DeliveryWorker:
    options = WorkerSettings(
        worker_id="fake", interval_s=0.0, admin_destination=Destination("slack", "", ADMIN_CHANNEL), **settings
    )
    return DeliveryWorker(app.uow, {"slack": slack_notifier(app)}, app.segments, clock, options)


def reference(call) -> str:  # type: ignore[no-untyped-def]
    return text_of(call.body).rsplit("Alert ref ", 1)[1].split()[0]


def test_a_storm_of_429s_is_waited_out_without_losing_or_repeating(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    standin.queue("chat.postMessage", rate_limited(1), rate_limited(1), rate_limited(1))
    worker = worker_for(baseline)
    drain([worker], lambda: len(standin.posts(CHANNEL)) == 1, timeout=20)
    calls = standin.calls_to("chat.postMessage")
    assert len(calls) == 4 and len(standin.posts(CHANNEL)) == 1
    assert all(later.at - earlier.at >= 0.95 for earlier, later in itertools.pairwise(calls))  # Retry-After honoured
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("sent", 1)}  # pacing is not failure
    worker.close()


def test_server_errors_are_retried_with_backoff(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    standin.queue("chat.postMessage", server_error(), server_error())
    worker.run_once()
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("retry", 1)}
    worker.run_once()
    assert len(standin.calls_to("chat.postMessage")) == 1  # not due yet: backoff
    clock.advance(6)
    worker.run_once()
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("retry", 2)}
    clock.advance(11)
    worker.run_once()
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("sent", 3)}
    assert len(standin.posts(CHANNEL)) == 1
    worker.close()


def test_an_alert_that_keeps_failing_is_declared_dead_and_can_be_requeued(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock, max_attempts=3)
    standin.queue("chat.postMessage", server_error(), server_error(), server_error())
    for _ in range(3):
        worker.run_once()
        clock.advance(3600)
    assert {d.status for d in deliveries(baseline)} == {"dead"}
    assert all("gave up after 3 attempts" in (d.last_error or "") for d in deliveries(baseline))
    with baseline.uow() as uow:
        assert uow.deliveries.requeue(None, clock.now()) == 2
        uow.commit()
    worker.run_once()
    assert {d.status for d in deliveries(baseline)} == {"sent"} and len(standin.posts(CHANNEL)) == 1
    worker.close()


def test_the_worker_waits_out_a_store_that_cannot_be_reached_and_then_delivers(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    attempts = itertools.count()

    def unreachable_at_first() -> UnitOfWork:
        if next(attempts) < 3:
            raise StoreUnavailable("the store is unavailable (OperationalError)")
        return baseline.uow()

    options = WorkerSettings(worker_id="flaky", interval_s=0.0, store_retry_s=0.05)
    worker = DeliveryWorker(
        unreachable_at_first, {"slack": slack_notifier(baseline)}, baseline.segments, baseline.clock, options
    )
    stop = threading.Event()
    running = threading.Thread(target=worker.run, args=(stop,))
    running.start()
    try:
        standin.wait_for("chat.postMessage")
        assert running.is_alive()  # it outlived the outage
    finally:
        stop.set()
        running.join(timeout=10)
        worker.close()
    assert len(standin.posts(CHANNEL)) == 1 and next(attempts) > 3


def test_the_deliveries_command_retries_only_the_ids_it_names_and_refuses_ids_that_are_not_there(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock, max_attempts=1)
    standin.queue("chat.postMessage", server_error())
    worker.run_once()
    worker.close()
    dead, other = sorted(d.id for d in deliveries(baseline) if d.status == "dead")  # RXV's two events
    settings = baseline.settings
    environment = {
        "OVERSIGHT_DATABASE_URL": baseline.engine.url.render_as_string(hide_password=False),
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-alerts",
        "OVERSIGHT_SLACK_SIGNING_SECRET": "s",
        "OVERSIGHT_SLACK_API_URL": settings.slack_api_url,
        "OVERSIGHT_SEED_ON_FIRST_USE": "false",
    }

    unknown = oversight("deliveries", "--retry", "--id", "99999", "--id", str(dead), env=environment)
    assert unknown.exit_code == 1 and "No delivery has id 99999" in unknown.stderr
    assert {d.status for d in deliveries(baseline)} == {"dead"}  # refused whole: nothing queued

    listed = oversight("deliveries", "--id", str(dead), "--json", env=environment)
    assert listed.exit_code == 0
    assert [(d["id"], d["status"]) for d in json.loads(listed.stdout)["deliveries"]] == [(dead, "dead")]

    retried = oversight("deliveries", "--retry", "--id", str(dead), env=environment)
    assert retried.exit_code == 0 and "1 dead alert(s) queued again." in retried.stdout
    assert {d.id: d.status for d in deliveries(baseline)} == {dead: "retry", other: "dead"}
    again = oversight("deliveries", "--retry", "--id", str(dead), env=environment)
    assert again.exit_code == 1 and f"Delivery {dead} is retry, not dead" in again.stderr


def test_a_slow_answer_is_an_ambiguous_send_repeated_once_with_the_same_reference(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    standin.queue("chat.postMessage", slow(3.5))  # past the 2 s send timeout: Slack got it, we never heard
    worker.run_once()
    assert {d.status for d in deliveries(baseline)} == {"retry"}
    clock.advance(6)
    worker.run_once()
    posts = standin.wait_for("chat.postMessage", 2)
    assert {d.status for d in deliveries(baseline)} == {"sent"}
    assert len(posts) == 2 and reference(posts[0]) == reference(posts[1])
    worker.close()


@pytest.mark.parametrize(
    ("error", "whole_workspace"), [("channel_not_found", False), ("is_archived", False), ("token_revoked", True)]
)
def test_a_permanent_error_stops_the_channel_says_why_and_tells_an_admin(
    baseline: Application, standin: SlackStandIn, error: str, whole_workspace: bool
) -> None:
    subscribe(baseline, RXV)
    subscribe(baseline, ALL, channel="C0OTHER")
    import_q2(baseline)
    standin.queue("chat.postMessage", api_error(error), channel=CHANNEL)
    worker = worker_for(baseline)
    drain(
        [worker],
        lambda: (
            bool(standin.posts(ADMIN_CHANNEL))
            and not [d for d in deliveries(baseline) if d.status in ("pending", "sending", "retry")]
        ),
    )
    statuses = Counter((d.channel, d.status) for d in deliveries(baseline))
    assert statuses[(CHANNEL, "dead")] == 2
    (notice,) = standin.posts(ADMIN_CHANNEL)
    assert f"Alerts to {CHANNEL} (slack) stopped: {error}" in text_of(notice.body)
    listing = baseline.conversation.respond("subscriptions", Actor("slack", "U1", CHANNEL, "T0STANDIN"))
    assert f"STOPPED: {error}" in "\n".join(line for s in listing.sections for line in s.lines)
    other = baseline.subscriptions.listing(Actor("slack", "U1", "C0OTHER", "T0STANDIN"))
    # The token gone stops every channel in the workspace; a channel gone stops only that channel.
    assert [s.disabled_reason is not None for s in other] == [whole_workspace]
    # Subscribing again is how a channel starts again.
    again = baseline.conversation.respond("subscribe RXV", Actor("slack", "U1", CHANNEL, "T0STANDIN"))
    assert again.public and "STOPPED" not in str(
        baseline.conversation.respond("subscriptions", Actor("slack", "U1", CHANNEL, "T0STANDIN"))
    )
    worker.close()


def test_a_worker_killed_between_sending_and_recording_leaves_one_recognisable_duplicate(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    subscribe(baseline, RXV)
    import_q2(baseline)
    standin.queue("chat.postMessage", slow(30))  # Slack takes the message and is slow to answer...
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")} | {
        "OVERSIGHT_DATABASE_URL": str(baseline.engine.url.render_as_string(hide_password=False)),
        "OVERSIGHT_SEED_ON_FIRST_USE": "false",
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-alerts",
        "OVERSIGHT_SLACK_SIGNING_SECRET": "s",
        "OVERSIGHT_SLACK_API_URL": standin.base_url,
        "OVERSIGHT_ALERT_LEASE_S": "2",
        "OVERSIGHT_ALERT_SEND_TIMEOUT_S": "60",
    }
    process = subprocess.Popen([sys.executable, "-m", "oversight_bot", "worker"], env=environment, cwd=tmp_path)
    try:
        standin.wait_for("chat.postMessage", 1, timeout=30)
        process.send_signal(signal.SIGKILL)  # ...and the worker dies before it can record the send
        process.wait(timeout=10)
    finally:
        process.kill()
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("sending", 1)}
    # The restarted worker's clock is past the dead worker's lease (2 s): no waiting for it in real time.
    worker = faked_worker(baseline, FakeClock(datetime.now(UTC) + timedelta(seconds=2.5)))
    drain([worker], lambda: {d.status for d in deliveries(baseline)} == {"sent"})
    posts = standin.calls_to("chat.postMessage")
    assert len(posts) == 2 and reference(posts[0]) == reference(posts[1])
    assert {(d.status, d.attempts) for d in deliveries(baseline)} == {("sent", 2)}
    worker.close()


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
def test_the_worker_outlives_a_store_that_stops_answering(
    baseline: Application, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """Another program holds the real store's write lock for a while: rounds fail, the worker goes on."""
    subscribe(baseline, RXV)
    import_q2(baseline)
    holder = sqlite3.connect(str(baseline.engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    options = WorkerSettings(worker_id="locked-out", interval_s=0.0, store_retry_s=0.1)
    worker = DeliveryWorker(
        baseline.uow, {"slack": slack_notifier(baseline)}, baseline.segments, baseline.clock, options
    )
    with running([worker]) as stop:
        deadline = time.monotonic() + 15
        while (
            "the store is unavailable; the alert worker tries again" not in caplog.text and time.monotonic() < deadline
        ):
            stop.wait(0.05)
        assert standin.posts(CHANNEL) == []
        holder.execute("ROLLBACK")
        holder.close()
        standin.wait_for("chat.postMessage", 1, timeout=15)
    assert len(standin.posts(CHANNEL)) == 1 and "the store is unavailable; the alert worker tries again" in caplog.text
