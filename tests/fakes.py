"""Test doubles for the services' ports: a clock the test moves by hand, and an in-memory unit of
work whose repositories keep what the concern and subscription use cases need, in dictionaries.

They behave as the store does where a use case can tell: a transaction's writes are kept only if
it commits (each repository works on a copy until then), references are numbered from 1, the audit
trail is hash-chained, listings are newest first. The store's own tests check the SQL side.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from oversight_bot.domain.actors import Reporter
from oversight_bot.domain.audit import GENESIS, AuditEntry, AuditRecord, ChainHead, chain_hash
from oversight_bot.domain.concerns import Concern, Status, reference_for
from oversight_bot.domain.subscriptions import ChannelSettings, Destination, Subscription, Target
from oversight_bot.services import ports


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


@dataclass
class StoredConcern:
    concern: Concern
    reporter: Reporter | None
    submission_key: str | None
    updated_at: datetime


@dataclass
class Tables:
    """What the in-memory store holds: the state a committed transaction leaves."""

    concerns: dict[str, StoredConcern] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    messages: list[tuple[str, str, dict[str, Any], datetime]] = field(default_factory=list)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    settings: dict[Destination, ChannelSettings] = field(default_factory=dict)
    cancelled: list[tuple[Destination, str]] = field(default_factory=list)
    next_id: int = 1


class InMemoryConcerns:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, concern: Concern, reporter: Reporter | None, submission_key: str | None) -> Concern:
        number = self.tables.next_id
        self.tables.next_id += 1
        stored = replace(concern, reference=reference_for(concern.created_at.year, number))
        kept = reporter if concern.raised_as.keeps_identity else None
        self.tables.concerns[stored.reference] = StoredConcern(stored, kept, submission_key, concern.created_at)
        return stored

    def by_submission(self, submission_key: str) -> Concern | None:
        return next((s.concern for s in self.tables.concerns.values() if s.submission_key == submission_key), None)

    def get(self, reference: str) -> Concern | None:
        stored = self.tables.concerns.get(reference)
        return stored.concern if stored else None

    def reporter(self, reference: str) -> Reporter | None:
        stored = self.tables.concerns.get(reference)
        return stored.reporter if stored else None

    def listing(self, ods_code: str | None, status: Status | None, limit: int) -> list[Concern]:
        found = [
            s.concern
            for s in reversed(self.tables.concerns.values())
            if (ods_code is None or s.concern.ods_code == ods_code) and (status is None or s.concern.status is status)
        ]
        return found[:limit]

    def set_status(self, reference: str, status: Status, outcome: str | None, at: datetime) -> None:
        stored = self.tables.concerns[reference]
        stored.concern = replace(stored.concern, status=status, outcome=outcome or stored.concern.outcome)
        stored.updated_at = at

    def open_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stored in self.tables.concerns.values():
            if stored.concern.status is not Status.CLOSED:
                counts[stored.concern.ods_code] = counts.get(stored.concern.ods_code, 0) + 1
        return counts

    def closed_before(self, moment: datetime) -> list[Concern]:
        return [
            s.concern
            for s in self.tables.concerns.values()
            if s.concern.status is Status.CLOSED and s.updated_at < moment
        ]

    def delete(self, reference: str) -> None:
        self.tables.concerns.pop(reference, None)

    def all_for_audit(self) -> list[tuple[Concern, bool]]:
        return [(s.concern, s.reporter is not None) for s in self.tables.concerns.values()]


class InMemoryAudit:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def append(self, entry: AuditEntry) -> AuditRecord:
        head = self.head()
        record = AuditRecord(head.seq + 1, entry, head.hash, chain_hash(head.hash, entry, head.seq + 1))
        self.tables.audit.append(record)
        return record

    def records(self) -> Generator[AuditRecord, None, None]:
        yield from list(self.tables.audit)

    def head(self) -> ChainHead:
        """An unkeyed chain (the in-memory fakes test the service, not the keyed links)."""
        last = self.tables.audit[-1] if self.tables.audit else None
        return ChainHead(last.id, last.hash) if last else ChainHead(0, GENESIS)


class InMemoryOutbox:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def append_message(self, kind: str, ods_code: str, payload: dict[str, Any], at: datetime) -> None:
        self.tables.messages.append((kind, ods_code, payload, at))

    def append(self, events: Iterable[Any], import_id: int | None, at: datetime) -> None:
        raise NotImplementedError("segment events come from imports, which the store's tests cover")

    def undispatched(self, limit: int) -> list[Any]:
        raise NotImplementedError("the delivery worker's tests run on the real store")

    def mark_dispatched(self, event_ids: Iterable[int], at: datetime) -> None:
        raise NotImplementedError("the delivery worker's tests run on the real store")

    def depth(self) -> int:
        raise NotImplementedError("the delivery worker's tests run on the real store")


class InMemorySubscriptions:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def current(self) -> list[Subscription]:
        return [s for s in self.tables.subscriptions.values() if s.disabled_reason is None]

    def for_destination(self, destination: Destination) -> list[Subscription]:
        return [s for s in self.tables.subscriptions.values() if s.destination == destination]

    def find(self, destination: Destination, target: Target) -> Subscription | None:
        return next((s for s in self.for_destination(destination) if s.target == target), None)

    def save(self, subscription: Subscription, at: datetime) -> Subscription:
        if subscription.id is None:
            subscription = replace(subscription, id=self.tables.next_id)
            self.tables.next_id += 1
        assert subscription.id is not None
        self.tables.subscriptions[subscription.id] = subscription
        return subscription

    def remove(self, subscription_id: int, by: str, at: datetime) -> None:
        self.tables.subscriptions.pop(subscription_id, None)

    def disable(self, destination: Destination, reason: str, *, whole_workspace: bool) -> list[Subscription]:
        stopped = []
        for key, subscription in self.tables.subscriptions.items():
            same = subscription.destination.workspace == destination.workspace
            if same and (whole_workspace or subscription.destination.channel == destination.channel):
                stopped.append(replace(subscription, disabled_reason=reason))
                self.tables.subscriptions[key] = stopped[-1]
        return stopped

    def settings(self, destination: Destination) -> ChannelSettings:
        return self.tables.settings.get(destination, ChannelSettings())

    def all_settings(self) -> dict[str, ChannelSettings]:
        return {d.channel: s for d, s in self.tables.settings.items()}

    def save_settings(self, destination: Destination, settings: ChannelSettings, by: str, at: datetime) -> None:
        self.tables.settings[destination] = settings


class InMemoryDeliveries:
    """Only what stopping a destination needs: which queued alerts were cancelled, and why."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def cancel_for(self, destination: Destination, reason: str, *, whole_workspace: bool) -> int:
        self.tables.cancelled.append((destination, reason))
        return 0


class InMemoryUnitOfWork:
    """One transaction over `Tables`: the repositories work on a copy, kept only by `commit()`."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.committed = False

    def __enter__(self) -> Self:
        self.store.lock.acquire()
        self._tables = copy.deepcopy(self.store.tables)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.store.lock.release()

    def commit(self) -> None:
        if self.store.fail_commits:
            from oversight_bot.errors import StoreUnavailable

            raise StoreUnavailable("the in-memory store was told to fail")
        self.store.tables = self._tables
        self.committed = True

    @property
    def concerns(self) -> ports.ConcernRepository:
        return InMemoryConcerns(self._tables)

    @property
    def audit(self) -> ports.AuditLog:
        return InMemoryAudit(self._tables)

    @property
    def outbox(self) -> ports.Outbox:
        return InMemoryOutbox(self._tables)

    @property
    def subscriptions(self) -> ports.SubscriptionRepository:
        return InMemorySubscriptions(self._tables)

    @property
    def deliveries(self) -> ports.DeliveryRepository:
        return InMemoryDeliveries(self._tables)  # type: ignore[return-value]  # cancelling is all they do here

    @property
    def organisations(self) -> ports.OrganisationRepository:
        raise NotImplementedError("organisations come from imports, which the store's tests cover")

    @property
    def metrics(self) -> ports.MetricRepository:
        raise NotImplementedError("metrics come from imports, which the store's tests cover")

    @property
    def assessments(self) -> ports.AssessmentRepository:
        raise NotImplementedError("assessments come from imports, which the store's tests cover")

    @property
    def imports(self) -> ports.ImportLog:
        raise NotImplementedError("the import log is the store's")

    @property
    def register(self) -> ports.RegisterRepository:
        raise NotImplementedError("the register's history comes from imports, which the store's tests cover")

    @property
    def releases(self) -> ports.ReleaseRecords:
        raise NotImplementedError(
            "the release checks' records are the store's (tests/integration/test_release_checks.py)"
        )


class InMemoryStore:
    """The tables and a `uow` factory for the services: `ConcernService(store.uow, clock, access)`."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.lock = threading.RLock()
        self.fail_commits = False

    def uow(self) -> ports.UnitOfWork:
        return InMemoryUnitOfWork(self)
