"""Mute, the daily digest and threading, through the worker and the Slack stand-in."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from oversight_bot.bootstrap import Application, slack_notifier
from oversight_bot.delivery.worker import DeliveryWorker, WorkerSettings
from oversight_bot.domain.subscriptions import Target, TargetKind
from oversight_bot.ingest.nof import read_nof_file
from tests.fakes import FakeClock
from tests.integration.alerts.conftest import ALL, CHANNEL, channel_actor, import_q2, subscribe
from tests.integration.alerts.test_reliability import deliveries
from tests.integration.slack.conftest import text_of
from tests.nof_files import write_nof
from tests.slack_standin import SlackStandIn, server_error


def faked_worker(app: Application, clock: FakeClock) -> DeliveryWorker:
    return DeliveryWorker(app.uow, {"slack": slack_notifier(app)}, app.segments, clock, WorkerSettings(interval_s=0.0))


def test_a_muted_channel_is_told_nothing_until_the_mute_ends(baseline: Application, standin: SlackStandIn) -> None:
    subscribe(baseline, ALL)
    baseline.subscriptions.mute(channel_actor(), minutes=120)
    import_q2(baseline)
    worker = faked_worker(baseline, FakeClock(baseline.clock.now()))
    worker.run_once()
    worker.run_once()
    assert standin.posts() == []
    rows = deliveries(baseline)
    assert rows and {d.status for d in rows} == {"suppressed"} and "muted until" in (rows[0].last_error or "")
    worker.close()


def test_a_digest_held_before_the_channel_muted_is_not_sent_while_it_is_muted(
    baseline: Application, standin: SlackStandIn
) -> None:
    subscribe(baseline, ALL)
    baseline.subscriptions.digest(channel_actor(), time(9, 0))
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    import_q2(baseline)
    worker.run_once()  # held for the digest
    baseline.subscriptions.mute(channel_actor(), minutes=3 * 24 * 60)  # "nothing is sent meanwhile"
    clock.advance(25 * 3600)  # past the digest's time, still inside the mute
    worker.run_once()
    assert standin.posts() == []
    assert {d.status for d in deliveries(baseline)} == {"suppressed"}
    worker.close()


def test_an_alert_waiting_to_be_retried_is_dropped_when_the_channel_mutes_or_unsubscribes(
    baseline: Application, standin: SlackStandIn
) -> None:
    rxv = Target(TargetKind.ORGANISATION, "RXV")
    subscribe(baseline, rxv)
    subscribe(baseline, ALL, channel="C0SECOND")
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    standin.queue("chat.postMessage", server_error(), server_error())
    worker.run_once()  # both channels' first sends fail: waiting to be retried
    assert {d.status for d in deliveries(baseline)} == {"retry"}
    baseline.subscriptions.unsubscribe(channel_actor(), rxv, frozenset())
    baseline.subscriptions.mute(channel_actor("C0SECOND"), minutes=120)
    clock.advance(60)
    worker.run_once()
    assert len(standin.calls_to("chat.postMessage")) == 2  # the two failures; nothing after
    notes = {d.channel: (d.status, d.last_error) for d in deliveries(baseline)}
    assert notes[CHANNEL] == ("suppressed", "unsubscribed before it was sent")
    assert notes["C0SECOND"][0] == "suppressed" and "muted until" in (notes["C0SECOND"][1] or "")
    worker.close()


def test_the_daily_digest_gathers_alerts_into_one_message_at_its_time(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RXV"))
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RDY"))
    baseline.subscriptions.digest(channel_actor(), time(9, 0))
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    import_q2(baseline)

    def worsen_rdy(row: dict[str, str]) -> dict[str, str]:
        if row["Trust_code"] == "RDY" and row["Quarter"] == "Q2 2025/26" and row["Metric_ID"] in ("OF5000", "OF5005"):
            row["Value"] = "4.0"
        return row

    baseline.importer.nof(read_nof_file(write_nof(tmp_path / "revised.csv", change=worsen_rdy)))  # a second batch
    worker.run_once()
    assert standin.posts() == []  # held for the digest
    due = min(d.next_attempt_at for d in deliveries(baseline))
    assert due.astimezone(worker.settings.zone).strftime("%H:%M") == "09:00"
    clock.set(due + timedelta(seconds=1))
    worker.run_once()
    (digest,) = standin.posts(CHANNEL)
    shown = text_of(digest.body)
    assert "Daily digest" in shown and "RXV" in shown and "RDY" in shown
    assert {d.status for d in deliveries(baseline)} == {"sent"}
    worker.close()


def test_with_threading_on_an_organisations_later_alerts_follow_in_its_thread(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RDY"))
    baseline.subscriptions.threading(channel_actor(), on=True)
    clock = FakeClock(baseline.clock.now())
    worker = faked_worker(baseline, clock)
    import_q2(baseline)

    def set_rdy(segment: str):  # type: ignore[no-untyped-def]
        def change(row: dict[str, str]) -> dict[str, str]:
            if (
                row["Trust_code"] == "RDY"
                and row["Quarter"] == "Q2 2025/26"
                and row["Metric_ID"] in ("OF5000", "OF5005")
            ):
                row["Value"] = segment
            return row

        return change

    baseline.importer.nof(read_nof_file(write_nof(tmp_path / "to4.csv", change=set_rdy("4.0"))))
    worker.run_once()
    baseline.importer.nof(read_nof_file(write_nof(tmp_path / "to3.csv", change=set_rdy("3.0"))))
    worker.run_once()
    first, second = standin.posts(CHANNEL)
    assert "thread_ts" not in first.body or first.body.get("thread_ts") is None
    assert first.answer is not None
    assert second.body["thread_ts"] == first.answer["ts"]  # the organisation's first alert heads its thread
    worker.close()
