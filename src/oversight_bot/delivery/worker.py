"""Fan out, claim, send, record.

1. **Fan out:** each undispatched outbox event is matched against the subscriptions that existed
   when it happened; one delivery per (event, subscription), unique in the store, so that running
   fan-out twice sends nothing twice. Mute and digest are decided here.
2. **Claim:** per destination, the oldest due group of deliveries, at most one group a second per
   channel; the attempt is recorded (committed) before anything is sent.
3. **Send** through the destination platform's notifier, which never retries blindly.
4. **Record:** sent (with the platform's message id), rate limited (rescheduled after
   Retry-After), failed (backoff, then dead), or permanently failed (the destination's
   subscriptions disabled with the reason, an admin told).

A worker that dies between sending and recording leaves its claim to expire; the group is then
sent again. That is the one way an alert can arrive twice, and it carries the same "Alert ref" both
times so that a reader can tell (docs/alerts.md).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from oversight_bot.chat.alerts import CONCERN_KIND, compose_alert
from oversight_bot.chat.replies import Reply, ReplyKind, Section
from oversight_bot.domain.backoff import MAX_ATTEMPTS, gives_up, next_attempt_at
from oversight_bot.domain.outcomes import Failed, Outcome, RateLimited, Sent
from oversight_bot.domain.subscriptions import (
    AlertFacts,
    ChannelSettings,
    Destination,
    EventKind,
    RoutingInputs,
    Subscription,
    matches,
    route,
)
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.alerts import ClaimedGroup, EventRecord, NewDelivery
from oversight_bot.services.ports import Clock, UnitOfWork
from oversight_bot.services.segments import SegmentReader, SegmentService
from oversight_bot.serving import metrics

logger = logging.getLogger(__name__)
GAUGES_EVERY_S = 1.0  # how often the backlog gauges are read from the store (three counting queries)


class Notifier(Protocol):
    """Sends one message to one destination on one platform, once, and says what happened."""

    def send(self, destination: Destination, message: Reply, thread: str | None) -> Outcome: ...


@dataclass(frozen=True)
class WorkerSettings:
    worker_id: str = "worker"
    interval_s: float = 1.0  # per destination, after Slack's answer: Slack allows about one a second per channel
    lease_s: float = 60.0  # a claim older than this is taken to be a dead worker's
    channels_per_round: int = 50
    # Destinations whose turn comes this soon are claimed now, and sent at their turn exactly:
    # polling would otherwise add its own delay to every channel's one-a-second pace.
    lookahead_s: float = 0.3
    fan_out_batch: int = 500
    senders: int = 64  # destinations sent to at once (mostly waiting for their turn, or for Slack)
    idle_s: float = 0.05
    store_retry_s: float = 5.0  # how long to wait before trying a store that could not be reached
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    max_attempts: int = MAX_ATTEMPTS
    admin_destination: Destination | None = None


class DeliveryWorker:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        notifiers: Mapping[str, Notifier],
        segments: SegmentService,
        clock: Clock,
        settings: WorkerSettings | None = None,
    ) -> None:
        self.uow = uow
        self.notifiers = notifiers
        self.segments = segments
        self.clock = clock
        self.settings = settings or WorkerSettings()
        self._senders = ThreadPoolExecutor(max_workers=self.settings.senders, thread_name_prefix="alert-send")
        self._measured_at = -math.inf

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set. Sends run on a pool of threads while this loop goes on claiming,
        so that a channel whose turn comes is never kept waiting for another channel's send. A store
        that cannot be reached (restarting, locked by an import) is waited for, not a reason to stop:
        the worker is the only thing that would send what is queued."""
        in_flight: set[Future[None]] = set()
        while not stop.is_set():
            try:
                in_flight, idle = self._round(in_flight)
            except StoreUnavailable:
                logger.warning(
                    "the store is unavailable; the alert worker tries again in %.0f s", self.settings.store_retry_s
                )
                stop.wait(self.settings.store_retry_s)
                continue
            if idle:
                stop.wait(self.settings.idle_s)
        wait(in_flight)
        self._reap(in_flight)

    def _round(self, in_flight: set[Future[None]]) -> tuple[set[Future[None]], bool]:
        """Fan out, claim and start sending: the sends still in flight, and whether it found nothing to do."""
        in_flight = self._reap(in_flight)
        self._measure()
        busy = self.fan_out()
        capacity = min(self.settings.channels_per_round, self.settings.senders - len(in_flight))
        groups = self._claim(capacity) if capacity > 0 else []
        reader = self.segments.refresh() if groups else None
        for group in groups:
            in_flight.add(self._senders.submit(self._send, group, reader))  # type: ignore[arg-type]
        return in_flight, not busy and not groups

    def run_once(self) -> int:
        """One round, waiting for its sends (for tests): events fanned out and groups sent."""
        return sum(self.run_round())

    def run_round(self) -> tuple[int, int]:
        """One round, waiting for its sends (the CLI's --once): how many events it fanned out, and
        how many groups of alerts it tried to send."""
        self._measure()
        return self.fan_out(), self.deliver()

    def close(self) -> None:
        self._senders.shutdown(wait=True)

    def _measure(self) -> None:
        """The operators' backlog gauges (serving/metrics.py), from the store, about once a second."""
        if time.monotonic() - self._measured_at < GAUGES_EVERY_S:
            return
        self._measured_at = time.monotonic()
        with self.uow() as uow:
            metrics.OUTBOX_EVENTS.set(uow.outbox.depth())
            metrics.DELIVERIES_WAITING.set(uow.deliveries.waiting())
            for kind, at in uow.imports.last_at().items():
                metrics.LAST_IMPORT.labels(kind).set(at.timestamp())

    @staticmethod
    def _reap(in_flight: set[Future[None]]) -> set[Future[None]]:
        for future in [f for f in in_flight if f.done()]:
            error = future.exception()
            if error is not None:  # a bug, or the store gone: the claim's lease will bring it back
                logger.error("sending an alert failed: %s", type(error).__name__)
        return {f for f in in_flight if not f.done()}

    # -- fan-out ----------------------------------------------------------------------------------

    def fan_out(self) -> int:
        now = self.clock.now()
        with self.uow() as uow:
            events = uow.outbox.undispatched(self.settings.fan_out_batch)
            if not events:
                return 0
            reader = self.segments.refresh()  # events of an import just made: the snapshot that has it
            subscriptions = [s for s in uow.subscriptions.current() if s.is_active]
            settings = uow.subscriptions.all_settings()
            deliveries = [
                delivery
                for event in events
                for delivery in self._deliveries(event, subscriptions, settings, reader, now)
            ]
            uow.deliveries.add(deliveries, now)
            uow.outbox.mark_dispatched((e.id for e in events), now)
            uow.commit()
        return len(events)

    def _deliveries(
        self,
        event: EventRecord,
        subscriptions: list[Subscription],
        settings: Mapping[str, ChannelSettings],
        reader: SegmentReader,
        now: datetime,
    ) -> list[NewDelivery]:
        facts = alert_facts(event, reader)
        found = []
        for subscription in subscriptions:
            # A channel is told about what happened after it subscribed, not before.
            existed = subscription.created_at is None or subscription.created_at <= event.created_at
            if subscription.id is None or not existed or not matches(subscription, facts):
                continue
            inputs = RoutingInputs(
                now=now,
                local_now=now.astimezone(self.settings.zone),
                batch=event.batch,
                settings=settings.get(subscription.destination.key, ChannelSettings()),
            )
            routing = route(inputs)
            status = "suppressed" if routing.suppressed else "pending"
            due = routing.not_before or inputs.now
            found.append(
                NewDelivery(
                    event.id, subscription.id, subscription.destination, routing.group, status, due, routing.suppressed
                )
            )
        return found

    # -- sending ----------------------------------------------------------------------------------

    def deliver(self) -> int:
        groups = self._claim(self.settings.channels_per_round)
        if not groups:
            return 0
        reader = self.segments.refresh()
        list(self._senders.map(lambda group: self._send(group, reader), groups))
        return len(groups)

    def _claim(self, channels: int) -> list[ClaimedGroup]:
        s = self.settings
        with self.uow() as uow:
            groups = uow.deliveries.claim(
                self.clock.now(), s.worker_id, s.lease_s, s.interval_s, channels, s.lookahead_s
            )
            uow.commit()
        return groups

    def _send(self, group: ClaimedGroup, reader: SegmentReader) -> None:
        notifier = self.notifiers.get(group.destination.platform)
        message = compose_alert(group, reader)
        self._wait_for_turn(group)
        if notifier is None:
            outcome: Outcome = Failed(f"no notifier for {group.destination.platform}", permanent=True)
        else:
            outcome = notifier.send(group.destination, message, group.thread_ref)
        logger.debug(
            "alert group to %s:%s (deliveries %s): %s",
            group.destination.platform,
            group.destination.channel,
            ",".join(map(str, group.delivery_ids)),
            type(outcome).__name__,
        )
        metrics.DELIVERIES.labels(type(outcome).__name__.lower()).inc()
        self._record(group, outcome, answered=self.clock.now())

    def _wait_for_turn(self, group: ClaimedGroup) -> None:
        """Sleep (on a sending thread, never a request thread) until the destination's turn."""
        if group.not_before is not None:
            wait = (group.not_before - self.clock.now()).total_seconds()
            if 0 < wait <= self.settings.lookahead_s:
                time.sleep(wait)

    def _record(self, group: ClaimedGroup, outcome: Outcome, answered: datetime) -> None:
        now = self.clock.now()
        ids = group.delivery_ids
        with self.uow() as uow:
            # The channel's next message goes one interval after Slack answered this one. Slack's
            # limit is on arrivals, and this one arrived before its answer came back, so the gap
            # Slack sees is never shorter than the interval, however busy this machine is.
            uow.deliveries.defer_channel(group.destination, answered + timedelta(seconds=self.settings.interval_s))
            match outcome:
                case Sent(ref=ref):
                    uow.deliveries.sent(ids, ref, now)
                    codes = {e.ods_code for e in group.events}
                    if group.settings.threading and group.thread_ref is None and len(codes) == 1:
                        uow.deliveries.set_thread(group.destination, codes.pop(), ref)
                case RateLimited(retry_after_s=wait):
                    until = now + timedelta(seconds=wait)
                    uow.deliveries.retry(ids, until, "rate limited", counts=False)
                    uow.deliveries.defer_channel(group.destination, until)
                case Failed(error=error, permanent=True, whole_workspace=whole):
                    self._stop_destination(uow, group, error, whole)
                case Failed(error=error):
                    if gives_up(group.attempts, self.settings.max_attempts):
                        uow.deliveries.dead(ids, f"gave up after {group.attempts} attempts: {error}")
                    else:
                        uow.deliveries.retry(ids, next_attempt_at(group.attempts, now), error, counts=True)
            uow.commit()
        if isinstance(outcome, Failed) and outcome.permanent:
            self._tell_admin(group.destination, outcome.error)

    def _stop_destination(self, uow: UnitOfWork, group: ClaimedGroup, error: str, whole_workspace: bool) -> None:
        reason = f"{error} (alerts stopped {self.clock.now():%Y-%m-%d %H:%M} UTC)"
        uow.deliveries.dead(group.delivery_ids, error)
        disabled = uow.subscriptions.disable(group.destination, reason, whole_workspace=whole_workspace)
        cancelled = uow.deliveries.cancel_for(
            group.destination, f"subscription stopped: {error}", whole_workspace=whole_workspace
        )
        logger.warning(
            "alerts to %s stopped: %s; %d subscription(s) disabled, %d pending alert(s) cancelled",
            group.destination.key, error, len(disabled), cancelled,
        )  # fmt: skip

    def _tell_admin(self, destination: Destination, error: str) -> None:
        text = (
            f"Alerts to {destination.channel} ({destination.platform}) stopped: {error}. Its subscriptions are "
            "disabled; `subscribe` again in that channel to resume. `oversight deliveries --dead` lists what "
            "was not sent."
        )
        reply = Reply(ReplyKind.ERROR, "Alerts stopped", text, (Section(lines=(text,)),))
        # No one to tell, or the admins' own channel is the one that stopped: nothing is said.
        if not AdminChannel(self.settings.admin_destination, self.notifiers).tell(reply, unless_to=destination):
            logger.error("could not tell the admins that alerts to %s stopped", destination.key)


class AdminChannel:
    """Where admins are told what they must know (alerts that stopped, releases imported or refused):
    `OVERSIGHT_SLACK_ADMIN_CHANNEL`, or Teams' admin conversation, through the alerts' notifiers."""

    def __init__(self, destination: Destination | None, notifiers: Mapping[str, Notifier]) -> None:
        self.destination = destination
        self.notifier = notifiers.get(destination.platform) if destination else None

    @property
    def configured(self) -> bool:
        return self.destination is not None and self.notifier is not None

    def tell(self, message: Reply, *, unless_to: Destination | None = None) -> bool:
        """Send `message`; True once it went, or when there is no one to tell (no admin channel, or
        `unless_to` is the admins' own channel)."""
        admin, notifier = self.destination, self.notifier
        if admin is None or notifier is None:
            return True
        if unless_to is not None and (admin.platform, admin.channel) == (unless_to.platform, unless_to.channel):
            return True
        outcome = notifier.send(admin, message, None)
        if not isinstance(outcome, Sent):
            logger.warning("the admins' channel did not take a message (%s)", type(outcome).__name__)
            return False
        return True


def alert_facts(event: EventRecord, reader: SegmentReader) -> AlertFacts:
    """What matching needs to know about an event: never a concern's text or its reporter's name."""
    organisation = reader.organisation(event.ods_code)
    latest = reader.snapshot.latest(event.ods_code)
    payload = event.payload
    segment, previous = payload.get("segment"), payload.get("previous_segment")
    return AlertFacts(
        kind=EventKind.CONCERNS if event.kind == CONCERN_KIND else EventKind.SEGMENT,
        ods_code=event.ods_code,
        # The ICB the organisation was in when the news happened: ICBs merge (42 became 36 in April 2026).
        icb_code=reader.icb_on(event.ods_code, event.created_at.date()),
        region=(latest.region if latest and latest.region else None) or (organisation.region if organisation else None),
        segment=int(segment) if segment is not None else None,
        worsened=segment is None or previous is None or int(segment) > int(previous),
        actor=payload.get("actor"),
    )
