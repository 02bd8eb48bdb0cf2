"""The alert pipeline's shared types: events read back from the outbox, and deliveries claimed
for sending (what a platform answered is `domain/outcomes.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oversight_bot.domain.subscriptions import ChannelSettings, Destination


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An outbox event as stored. Its payload never holds a concern's text or reporter."""

    id: int
    kind: str
    ods_code: str
    payload: dict[str, Any]
    batch: str  # what it came with: "import:12", "concern:C-2026-000123"
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewDelivery:
    event_id: int
    subscription_id: int
    destination: Destination
    group: str
    status: str  # "pending" or "suppressed"
    next_attempt_at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedGroup:
    """Deliveries to one destination that go out as one message, claimed by one worker."""

    destination: Destination
    group: str
    delivery_ids: tuple[int, ...]
    events: tuple[EventRecord, ...]
    attempts: int  # the highest attempt number among them, this one included
    settings: ChannelSettings
    thread_ref: str | None  # the organisation's thread, when threading is on and one exists
    not_before: datetime | None = None  # the destination's turn: send no earlier


@dataclass(frozen=True, slots=True)
class DeliveryInfo:
    """A delivery as `oversight deliveries` lists it."""

    id: int
    event_id: int
    event_kind: str
    ods_code: str
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_ref: str | None
