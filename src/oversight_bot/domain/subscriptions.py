"""Channel subscriptions to alerts, and the rules that decide which alert goes where.

A subscription belongs to a destination (a channel, or a person's direct messages), not to the
person who made it. It names a target (one organisation, an ICB, a region, or everything), the
kinds of event it wants, and filters. Subscribing again merges into what is there; it never
resets it (the GitHub app's users asked for exactly this, reference/chat.md §A.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum


class EventKind(StrEnum):
    SEGMENT = "segment"  # segment moves, the financial override, segment 5
    CONCERNS = "concerns"  # a concern logged about an organisation


DEFAULT_EVENTS = frozenset({EventKind.SEGMENT, EventKind.CONCERNS})


class TargetKind(StrEnum):
    ORGANISATION = "organisation"
    ICB = "icb"
    REGION = "region"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    value: str = ""  # ODS code, ICB code or region name; empty for ALL

    def __str__(self) -> str:
        return "all organisations" if self.kind is TargetKind.ALL else f"{self.kind.value}:{self.value}"


@dataclass(frozen=True, slots=True)
class Destination:
    """Where alerts go: a channel (or a direct-message conversation) on a platform, in a workspace."""

    platform: str
    workspace: str
    channel: str
    person: str | None = None  # set when the destination is one person's direct messages

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"


@dataclass(frozen=True, slots=True)
class Filters:
    min_segment: int | None = None  # only moves into this segment or worse
    worsened_only: bool = False
    exclude: frozenset[str] = frozenset()  # ODS codes

    def merged(self, newer: Filters) -> Filters:
        """Filters named again replace their old value; exclusions add up."""
        return Filters(
            min_segment=newer.min_segment if newer.min_segment is not None else self.min_segment,
            worsened_only=self.worsened_only or newer.worsened_only,
            exclude=self.exclude | newer.exclude,
        )


@dataclass(frozen=True, slots=True)
class Subscription:
    destination: Destination
    target: Target
    events: frozenset[EventKind]
    filters: Filters = Filters()
    created_by: str = ""
    created_at: datetime | None = None
    id: int | None = None
    disabled_reason: str | None = None

    @property
    def is_active(self) -> bool:
        return self.disabled_reason is None


def subscribe(existing: Subscription | None, wanted: Subscription) -> Subscription:
    """Merge a new `subscribe` into what the destination already has for that target.

    Events named are added to those held; filters are merged; a disabled subscription is enabled
    again (subscribing is how a channel says "try again"). The creator and date stay the first ones.
    """
    if existing is None:
        return wanted
    return replace(
        existing,
        events=existing.events | wanted.events,
        filters=existing.filters.merged(wanted.filters),
        disabled_reason=None,
    )


def unsubscribe(existing: Subscription, events: frozenset[EventKind] | None) -> Subscription | None:
    """Remove the named events (all when none are named); None when nothing is left."""
    remaining = frozenset() if not events else existing.events - events
    return replace(existing, events=remaining) if remaining else None


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What an event says about itself, for matching: never a concern's text or reporter."""

    kind: EventKind
    ods_code: str
    icb_code: str | None = None
    region: str | None = None
    segment: int | None = None
    worsened: bool = True
    actor: str | None = None  # who caused it, when a person did (for self-suppression)


def matches(subscription: Subscription, alert: AlertFacts) -> bool:
    """Whether the subscription wants this alert (nof.md §5; chat.md §A.3)."""
    if not subscription.is_active or alert.kind not in subscription.events:
        return False
    if not _targets(subscription.target, alert) or alert.ods_code in subscription.filters.exclude:
        return False
    if _own_action(subscription.destination, alert):
        return False
    return alert.kind is not EventKind.SEGMENT or _segment_filters(subscription.filters, alert)


def _targets(target: Target, alert: AlertFacts) -> bool:
    match target.kind:
        case TargetKind.ALL:
            return True
        case TargetKind.ORGANISATION:
            return target.value == alert.ods_code
        case TargetKind.ICB:
            return alert.icb_code is not None and target.value == alert.icb_code
        case TargetKind.REGION:
            return alert.region is not None and target.value.lower() == alert.region.lower()
    return False


def _own_action(destination: Destination, alert: AlertFacts) -> bool:
    """A person is never alerted about their own action in their own direct messages. A channel is
    a shared space: its alert stands, whoever is in it."""
    return destination.person is not None and alert.actor is not None and destination.person == alert.actor


def _segment_filters(filters: Filters, alert: AlertFacts) -> bool:
    if filters.worsened_only and not alert.worsened:
        return False
    return filters.min_segment is None or (alert.segment is not None and alert.segment >= filters.min_segment)


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """A destination's delivery preferences."""

    muted_until: datetime | None = None
    digest_at: time | None = None  # daily digest time, in `digest_zone` (set by the caller)
    threading: bool = False

    def is_muted(self, now: datetime) -> bool:
        return self.muted_until is not None and now < self.muted_until


def next_digest(after: datetime, at: time) -> datetime:
    """The first daily digest time strictly after `after` (same time zone as `after`)."""
    candidate = after.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > after else candidate + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Routing:
    """What to do with one alert for one subscription, decided at fan-out."""

    suppressed: str | None = None  # why it is not sent (muted)
    not_before: datetime | None = None  # held for the digest
    group: str = ""  # alerts with the same group go out as one message


@dataclass(frozen=True, slots=True)
class RoutingInputs:
    now: datetime
    local_now: datetime  # `now` in the digest time zone
    batch: str  # the import (or concern) the event came from
    settings: ChannelSettings = field(default_factory=ChannelSettings)


def route(inputs: RoutingInputs) -> Routing:
    """Mute suppresses until it ends; digest holds alerts for one daily message; otherwise alerts
    from one batch (an import, a concern) to one destination go out together as one message. So a
    quarter that moves 40 trusts gives a channel one list, however many of its subscriptions match,
    and a channel is never told the same thing twice."""
    settings = inputs.settings
    if settings.is_muted(inputs.now):
        return Routing(suppressed=f"muted until {settings.muted_until:%Y-%m-%d %H:%M} UTC")
    if settings.digest_at is not None:
        due = next_digest(inputs.local_now, settings.digest_at)
        return Routing(not_before=due, group=f"digest:{due:%Y-%m-%dT%H:%M}")
    return Routing(group=inputs.batch)
