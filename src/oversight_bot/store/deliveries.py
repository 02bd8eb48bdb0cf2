"""Alert deliveries: fan-out rows, claiming with a lease, and recording what happened.

Claiming works one destination at a time, so that about one message a second goes to each
channel however many workers run. On PostgreSQL the destination's row is locked with
`FOR UPDATE SKIP LOCKED`, so several workers share the work without waiting on each other; SQLite
has no row locks (SQLAlchemy drops the clause there), so on SQLite run one worker.

A destination's alerts go in the order their events happened (outbox order): only the group of
its earliest unfinished delivery may be claimed, so a group waiting to be retried (a 500, a 429)
holds back the groups after it, and Q4's message never overtakes Q3's. Nothing is claimed while
the outbox holds events not yet fanned out, so that a group is whole (one message, not two) and
no earlier event's deliveries are still to come, whichever worker fans out what.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from oversight_bot.domain.subscriptions import Destination
from oversight_bot.services.alerts import ClaimedGroup, DeliveryInfo, EventRecord, NewDelivery
from oversight_bot.store.db import dialect_insert
from oversight_bot.store.subscriptions import channel_row, settings_from_row
from oversight_bot.store.tables import (
    AlertChannelRow,
    AlertDeliveryRow,
    AlertThreadRow,
    OutboxEventRow,
    SubscriptionRow,
)

D, C = AlertDeliveryRow, AlertChannelRow
DUE_STATUSES = ("pending", "retry")
UNFINISHED = (*DUE_STATUSES, "sending")
GROUP_LIMIT = 500


def event_record(row: OutboxEventRow) -> EventRecord:
    """An outbox row as the alert pipeline sees it. Its batch groups alerts into one message: one
    per import and quarter, so an import that adds Q3 and Q4 tells a channel of each in turn."""
    if row.import_id:
        batch = f"import:{row.import_id}:{row.quarter}" if row.quarter else f"import:{row.import_id}"
    else:
        batch = str(row.payload.get("batch") or f"event:{row.id}")
    return EventRecord(row.id, row.kind, row.ods_code, dict(row.payload), batch, row.created_at)


def _due(now: datetime, d: Any = D) -> Any:
    waiting = and_(d.status.in_(DUE_STATUSES), d.next_attempt_at <= now)
    abandoned = and_(d.status == "sending", d.claimed_until < now)  # a worker died mid-send
    return or_(waiting, abandoned)


def _is_due(d: AlertDeliveryRow, now: datetime) -> bool:
    """`_due`, for a row in hand."""
    if d.status in DUE_STATUSES:
        return d.next_attempt_at <= now
    return d.status == "sending" and d.claimed_until is not None and d.claimed_until < now


def _in_turn(now: datetime) -> Any:
    """A due delivery with no earlier delivery to its destination still waiting (to be retried,
    held for a digest, or in flight): the one kind that may be claimed."""
    earlier = aliased(AlertDeliveryRow)
    waiting_before = exists().where(
        earlier.platform == D.platform,
        earlier.workspace == D.workspace,
        earlier.channel == D.channel,
        earlier.event_id < D.event_id,
        earlier.status.in_(UNFINISHED),
        not_(_due(now, earlier)),
    )
    return and_(_due(now), ~waiting_before)


def _at(destination: Destination, *, whole_workspace: bool = False) -> list[Any]:
    conditions = [D.platform == destination.platform, D.workspace == destination.workspace]
    return conditions if whole_workspace else [*conditions, D.channel == destination.channel]


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, deliveries: Iterable[NewDelivery], at: datetime) -> int:
        new = list(deliveries)
        if not new:
            return 0
        # In one order, so that two workers making the same new destinations' rows never deadlock.
        for destination in sorted({d.destination for d in new}, key=lambda d: d.key):
            channel_row(self.session, destination)
        insert = dialect_insert(self.session)
        statement = insert(AlertDeliveryRow).on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
        self.session.execute(statement, [_new_row(d, at) for d in new])
        return len(new)

    def claim(
        self, now: datetime, worker: str, lease_s: float, interval_s: float, channels: int, lookahead_s: float = 0.0
    ) -> list[ClaimedGroup]:
        """Claim the next group for up to `channels` destinations whose turn comes within `lookahead_s`;
        each group says when its turn is (`not_before`), so that sending can keep exact time."""
        if self._fan_out_unfinished():
            return []
        due_destinations = select(D.platform, D.workspace, D.channel).where(_in_turn(now))
        # One message in flight per destination: the next waits for Slack's answer to the last.
        in_flight = select(D.platform, D.workspace, D.channel).where(D.status == "sending", D.claimed_until >= now)
        soon = now + timedelta(seconds=lookahead_s)
        free = or_(C.next_send_at.is_(None), C.next_send_at <= soon)
        destination = tuple_(C.platform, C.workspace, C.channel)
        query = (
            select(C)
            .where(destination.in_(due_destinations), destination.not_in(in_flight), free)
            .order_by(C.next_send_at.asc().nulls_first())
            .limit(channels)
            .with_for_update(skip_locked=True)
        )
        groups = []
        for channel in self.session.scalars(query):
            self._withdraw_unwanted(channel, now)
            turn = max(now, channel.next_send_at or now)
            group = self._claim_group(channel, now, worker, lease_s, turn)
            if group is not None:
                # Held until this group has gone; the worker sets the real next turn once it has.
                channel.next_send_at = turn + timedelta(seconds=interval_s)
                groups.append(group)
        self.session.flush()
        return groups

    def _fan_out_unfinished(self) -> bool:
        undispatched = select(OutboxEventRow.id).where(OutboxEventRow.dispatched_at.is_(None)).limit(1)
        return self.session.scalar(undispatched) is not None

    def _withdraw_unwanted(self, channel: AlertChannelRow, now: datetime) -> None:
        """Alerts queued before a channel muted, or before its subscription went, are not sent after:
        the mute's confirmation said nothing would be (a held digest, a retry after a 500)."""
        destination = Destination(channel.platform, channel.workspace, channel.channel, channel.person)
        queued = [*_at(destination), D.status.in_(DUE_STATUSES)]
        gone = select(SubscriptionRow.id).where(
            or_(SubscriptionRow.removed_at.is_not(None), SubscriptionRow.disabled_reason.is_not(None))
        )
        withdraw = update(D).where(*queued, D.subscription_id.in_(gone))
        self.session.execute(withdraw.values(status="suppressed", last_error="unsubscribed before it was sent"))
        settings = settings_from_row(channel)
        if settings.is_muted(now):
            note = f"muted until {settings.muted_until:%Y-%m-%d %H:%M} UTC"
            self.session.execute(update(D).where(*queued).values(status="suppressed", last_error=note))

    def _claim_group(
        self, channel: AlertChannelRow, now: datetime, worker: str, lease_s: float, turn: datetime
    ) -> ClaimedGroup | None:
        destination = Destination(channel.platform, channel.workspace, channel.channel, channel.person)
        waiting = self.session.scalars(
            select(D).where(*_at(destination), D.status.in_(UNFINISHED)).order_by(D.event_id, D.id).limit(GROUP_LIMIT)
        ).all()
        if not waiting or not _is_due(waiting[0], now):
            return None  # the earliest is not due yet: nothing after it may overtake it
        group = [d for d in waiting if d.group_key == waiting[0].group_key and _is_due(d, now)]
        for delivery in group:
            delivery.status, delivery.attempts = "sending", delivery.attempts + 1
            delivery.claimed_by, delivery.claimed_until = worker, now + timedelta(seconds=lease_s)
        event_ids = sorted({d.event_id for d in group})
        events = self.session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.id.in_(event_ids)).order_by(OutboxEventRow.id)
        )
        records = tuple(event_record(row) for row in events)
        settings = settings_from_row(channel)
        codes = {record.ods_code for record in records}
        thread = self.thread(destination, next(iter(codes))) if settings.threading and len(codes) == 1 else None
        return ClaimedGroup(
            destination,
            group[0].group_key,
            tuple(d.id for d in group),
            records,
            max(d.attempts for d in group),
            settings,
            thread,
            turn,
        )

    def sent(self, ids: Iterable[int], ref: str, at: datetime) -> None:
        self._update(ids, status="sent", message_ref=ref, sent_at=at, claimed_until=None, last_error=None)

    def retry(self, ids: Iterable[int], at: datetime, error: str, *, counts: bool) -> None:
        values: dict[str, Any] = {
            "status": "retry",
            "next_attempt_at": at,
            "last_error": error[:300],
            "claimed_until": None,
        }
        if not counts:
            values["attempts"] = D.attempts - 1  # a rate limit is Slack pacing us, not a failure
        self._update(ids, **values)

    def dead(self, ids: Iterable[int], error: str) -> None:
        self._update(ids, status="dead", last_error=error[:300], claimed_until=None)

    def cancel_for(self, destination: Destination, reason: str, *, whole_workspace: bool) -> int:
        statement = (
            update(D)
            .where(*_at(destination, whole_workspace=whole_workspace), D.status.in_((*DUE_STATUSES, "sending")))
            .values(status="dead", last_error=reason[:300], claimed_until=None)
        )
        return int(self.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    def defer_channel(self, destination: Destination, until: datetime) -> None:
        channel_row(self.session, destination).next_send_at = until

    def thread(self, destination: Destination, ods_code: str) -> str | None:
        row = self.session.get(
            AlertThreadRow, (destination.platform, destination.workspace, destination.channel, ods_code)
        )
        return row.parent_ref if row else None

    def set_thread(self, destination: Destination, ods_code: str, ref: str) -> None:
        key = (destination.platform, destination.workspace, destination.channel, ods_code)
        if self.session.get(AlertThreadRow, key) is None:
            self.session.add(
                AlertThreadRow(platform=key[0], workspace=key[1], channel=key[2], ods_code=key[3], parent_ref=ref)
            )

    def listing(self, *, dead_only: bool, limit: int, ids: Iterable[int] | None = None) -> list[DeliveryInfo]:
        query = select(D, OutboxEventRow.kind, OutboxEventRow.ods_code).join(
            OutboxEventRow, OutboxEventRow.id == D.event_id
        )
        if dead_only:
            query = query.where(D.status == "dead")
        if ids is not None:
            query = query.where(D.id.in_(list(ids)))
        rows = self.session.execute(query.order_by(D.id.desc()).limit(limit))
        return [_info(d, kind, code) for d, kind, code in rows]

    def requeue(self, ids: Iterable[int] | None, at: datetime) -> int:
        """Dead deliveries back in the queue; only those whose subscription is active again."""
        active = select(SubscriptionRow.id).where(
            SubscriptionRow.disabled_reason.is_(None), SubscriptionRow.removed_at.is_(None)
        )
        conditions = [D.status == "dead", D.subscription_id.in_(active)]
        if ids is not None:
            conditions.append(D.id.in_(list(ids)))
        statement = update(D).where(*conditions).values(status="retry", attempts=0, next_attempt_at=at, last_error=None)
        return int(self.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    def waiting(self) -> int:
        """Alerts not yet sent: due, scheduled (a retry, a digest) or in flight (for the operators' gauge)."""
        return self.session.scalar(select(func.count()).where(D.status.in_(UNFINISHED))) or 0

    def _update(self, ids: Iterable[int], **values: Any) -> None:
        self.session.execute(update(D).where(D.id.in_(list(ids))).values(**values))


def _info(d: AlertDeliveryRow, kind: str, code: str) -> DeliveryInfo:
    destination = f"{d.platform}:{d.workspace}:{d.channel}"
    return DeliveryInfo(
        d.id, d.event_id, kind, code, destination, d.status, d.attempts, d.next_attempt_at, d.last_error, d.message_ref
    )


def _new_row(delivery: NewDelivery, at: datetime) -> dict[str, Any]:
    return {
        "event_id": delivery.event_id,
        "subscription_id": delivery.subscription_id,
        "platform": delivery.destination.platform,
        "workspace": delivery.destination.workspace,
        "channel": delivery.destination.channel,
        "group_key": delivery.group[:80],
        "status": delivery.status,
        "next_attempt_at": delivery.next_attempt_at,
        "attempts": 0,
        "last_error": delivery.note,
        "created_at": at,
    }
