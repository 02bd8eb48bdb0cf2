"""Subscriptions and per-destination alert settings, in SQLAlchemy."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from oversight_bot.domain.subscriptions import (
    ChannelSettings,
    Destination,
    EventKind,
    Filters,
    Subscription,
    Target,
    TargetKind,
)
from oversight_bot.store.db import dialect_insert
from oversight_bot.store.tables import AlertChannelRow, AlertDeliveryRow, SubscriptionRow


def subscription_from_row(row: SubscriptionRow) -> Subscription:
    return Subscription(
        destination=Destination(row.platform, row.workspace, row.channel, row.person),
        target=Target(TargetKind(row.target_kind), row.target_value),
        events=frozenset(EventKind(e) for e in row.events),
        filters=Filters(row.min_segment, row.worsened_only, frozenset(row.exclude or ())),
        created_by=row.created_by,
        created_at=row.created_at,
        id=row.id,
        disabled_reason=row.disabled_reason,
    )


def _destination_filter(destination: Destination, *, whole_workspace: bool = False) -> list[ColumnElement[bool]]:
    conditions = [SubscriptionRow.platform == destination.platform, SubscriptionRow.workspace == destination.workspace]
    if not whole_workspace:
        conditions.append(SubscriptionRow.channel == destination.channel)
    return conditions


class SqlAlchemySubscriptionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self) -> list[Subscription]:
        rows = self.session.scalars(
            select(SubscriptionRow).where(SubscriptionRow.removed_at.is_(None)).order_by(SubscriptionRow.id)
        )
        return [subscription_from_row(row) for row in rows]

    def for_destination(self, destination: Destination) -> list[Subscription]:
        query = select(SubscriptionRow).where(*_destination_filter(destination), SubscriptionRow.removed_at.is_(None))
        return [subscription_from_row(row) for row in self.session.scalars(query.order_by(SubscriptionRow.id))]

    def find(self, destination: Destination, target: Target) -> Subscription | None:
        row = self._row(destination, target)
        return subscription_from_row(row) if row is not None and row.removed_at is None else None

    def save(self, subscription: Subscription, at: datetime) -> Subscription:
        row = self._row(subscription.destination, subscription.target)
        fields = {
            "events": sorted(e.value for e in subscription.events),
            "min_segment": subscription.filters.min_segment,
            "worsened_only": subscription.filters.worsened_only,
            "exclude": sorted(subscription.filters.exclude),
            "disabled_reason": subscription.disabled_reason,
            "updated_at": at,
        }
        if row is None:
            row = SubscriptionRow(
                platform=subscription.destination.platform,
                workspace=subscription.destination.workspace,
                channel=subscription.destination.channel,
                target_kind=subscription.target.kind.value,
                target_value=subscription.target.value,
            )
            self.session.add(row)
        if row.removed_at is not None or row.id is None:
            # A new subscription, or one removed earlier and made again: it starts afresh.
            row.created_by, row.created_at = subscription.created_by, at
            row.removed_at = row.removed_by = None
        row.person = subscription.destination.person
        for name, value in fields.items():
            setattr(row, name, value)
        self.session.flush()
        return subscription_from_row(row)

    def remove(self, subscription_id: int, by: str, at: datetime) -> None:
        self.session.execute(
            update(SubscriptionRow).where(SubscriptionRow.id == subscription_id).values(removed_by=by, removed_at=at)
        )

    def disable(self, destination: Destination, reason: str, *, whole_workspace: bool) -> list[Subscription]:
        query = select(SubscriptionRow).where(
            *_destination_filter(destination, whole_workspace=whole_workspace),
            SubscriptionRow.removed_at.is_(None),
            SubscriptionRow.disabled_reason.is_(None),
        )
        rows = list(self.session.scalars(query))
        for row in rows:
            row.disabled_reason = reason[:300]
        self.session.flush()
        return [subscription_from_row(row) for row in rows]

    def settings(self, destination: Destination) -> ChannelSettings:
        row = self.session.get(AlertChannelRow, (destination.platform, destination.workspace, destination.channel))
        return settings_from_row(row)

    def all_settings(self) -> dict[str, ChannelSettings]:
        return {
            Destination(r.platform, r.workspace, r.channel).key: settings_from_row(r)
            for r in self.session.scalars(select(AlertChannelRow))
        }

    def save_settings(self, destination: Destination, settings: ChannelSettings, by: str, at: datetime) -> None:
        row = channel_row(self.session, destination)
        if row.digest_at is not None and settings.digest_at is None:
            self._release_digest(destination, at)
        row.muted_until = settings.muted_until
        row.digest_at = settings.digest_at.strftime("%H:%M") if settings.digest_at else None
        row.threading = settings.threading
        row.updated_by, row.updated_at = by, at

    def _release_digest(self, destination: Destination, at: datetime) -> None:
        """Digest off: what a digest was holding goes now (as one message), not at the digest's
        time, so that it neither waits nor holds back the alerts that follow it (delivery keeps a
        channel's alerts in order)."""
        D = AlertDeliveryRow
        held = update(D).where(
            D.platform == destination.platform,
            D.workspace == destination.workspace,
            D.channel == destination.channel,
            D.status == "pending",
            D.group_key.startswith("digest:"),
            D.next_attempt_at > at,
        )
        self.session.execute(held.values(next_attempt_at=at))

    def _row(self, destination: Destination, target: Target) -> SubscriptionRow | None:
        query = select(SubscriptionRow).where(
            *_destination_filter(destination),
            SubscriptionRow.target_kind == target.kind.value,
            SubscriptionRow.target_value == target.value,
        )
        return self.session.scalars(query).one_or_none()


def settings_from_row(row: AlertChannelRow | None) -> ChannelSettings:
    if row is None:
        return ChannelSettings()
    digest = time.fromisoformat(row.digest_at) if row.digest_at else None
    return ChannelSettings(muted_until=row.muted_until, digest_at=digest, threading=bool(row.threading))


def channel_row(session: Session, destination: Destination) -> AlertChannelRow:
    """The destination's settings row, made when first needed. Two workers may meet a new
    destination at once (fan-out on PostgreSQL): the insert gives way to the other's row."""
    key = (destination.platform, destination.workspace, destination.channel)
    row = session.get(AlertChannelRow, key)
    if row is None:
        insert = dialect_insert(session)
        values = {
            "platform": key[0],
            "workspace": key[1],
            "channel": key[2],
            "person": destination.person,
            "threading": False,
        }
        session.execute(insert(AlertChannelRow).values(values).on_conflict_do_nothing())
        row = session.get_one(AlertChannelRow, key)
    return row
