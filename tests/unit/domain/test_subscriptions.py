"""Subscription rules: matching, filters, merging, mute and digest windows, self-suppression."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from oversight_bot.domain.subscriptions import (
    DEFAULT_EVENTS,
    AlertFacts,
    ChannelSettings,
    Destination,
    EventKind,
    Filters,
    RoutingInputs,
    Subscription,
    Target,
    TargetKind,
    matches,
    next_digest,
    route,
    subscribe,
    unsubscribe,
)

CHANNEL = Destination("slack", "T1", "C1")
DIRECT = Destination("slack", "T1", "D1", person="U1")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
NO_FILTERS = Filters()


def sub(
    target: Target,
    events: frozenset[EventKind] = DEFAULT_EVENTS,
    filters: Filters = NO_FILTERS,
    where: Destination = CHANNEL,
) -> Subscription:
    return Subscription(where, target, events, filters, created_by="U9", id=1)


def move(code: str = "RWR", segment: int = 3, worsened: bool = True, **more: Any) -> AlertFacts:
    return AlertFacts(
        EventKind.SEGMENT, code, icb_code="QM7", region="East", segment=segment, worsened=worsened, **more
    )


def test_targets_match_their_organisations() -> None:
    assert matches(sub(Target(TargetKind.ORGANISATION, "RWR")), move("RWR"))
    assert not matches(sub(Target(TargetKind.ORGANISATION, "RWR")), move("RXG"))
    assert matches(sub(Target(TargetKind.ICB, "QM7")), move("RXG"))
    assert not matches(sub(Target(TargetKind.ICB, "QWO")), move("RXG"))
    assert matches(sub(Target(TargetKind.REGION, "east")), move())
    assert not matches(sub(Target(TargetKind.REGION, "London")), move())
    assert matches(sub(Target(TargetKind.ALL)), move("ANY"))


def test_only_the_events_subscribed_to() -> None:
    concern = AlertFacts(EventKind.CONCERNS, "RWR")
    assert not matches(sub(Target(TargetKind.ALL), frozenset({EventKind.SEGMENT})), concern)
    assert matches(sub(Target(TargetKind.ALL), frozenset({EventKind.CONCERNS})), concern)


def test_filters_min_segment_worsened_and_exclusions() -> None:
    everything = Target(TargetKind.ALL)
    assert not matches(sub(everything, filters=Filters(min_segment=4)), move(segment=3))
    assert matches(sub(everything, filters=Filters(min_segment=3)), move(segment=3))
    assert not matches(sub(everything, filters=Filters(worsened_only=True)), move(worsened=False))
    assert not matches(sub(everything, filters=Filters(exclude=frozenset({"RWR"}))), move("RWR"))
    # Segment filters do not hide concerns.
    assert matches(sub(everything, filters=Filters(min_segment=5)), AlertFacts(EventKind.CONCERNS, "RWR"))


def test_a_disabled_subscription_matches_nothing() -> None:
    stopped = Subscription(CHANNEL, Target(TargetKind.ALL), DEFAULT_EVENTS, disabled_reason="channel_not_found", id=1)
    assert not matches(stopped, move())


def test_nobody_is_alerted_in_their_own_direct_messages_about_their_own_action() -> None:
    mine = AlertFacts(EventKind.CONCERNS, "RWR", actor="U1")
    assert not matches(sub(Target(TargetKind.ALL), where=DIRECT), mine)
    assert matches(sub(Target(TargetKind.ALL), where=DIRECT), AlertFacts(EventKind.CONCERNS, "RWR", actor="U2"))
    assert matches(sub(Target(TargetKind.ALL)), mine)  # a channel is a shared space


def test_subscribing_again_merges_and_never_resets() -> None:
    first = sub(
        Target(TargetKind.ALL), frozenset({EventKind.SEGMENT}), Filters(min_segment=3, exclude=frozenset({"RWR"}))
    )
    again = sub(Target(TargetKind.ALL), frozenset({EventKind.CONCERNS}), Filters(exclude=frozenset({"RXG"})))
    merged = subscribe(first, again)
    assert merged.events == DEFAULT_EVENTS
    assert merged.filters == Filters(min_segment=3, exclude=frozenset({"RWR", "RXG"}))
    assert merged.created_by == first.created_by


def test_subscribing_again_restarts_a_stopped_subscription() -> None:
    stopped = Subscription(CHANNEL, Target(TargetKind.ALL), DEFAULT_EVENTS, disabled_reason="is_archived", id=1)
    assert subscribe(stopped, sub(Target(TargetKind.ALL))).is_active


def test_unsubscribing_removes_named_events_or_everything() -> None:
    both = sub(Target(TargetKind.ALL))
    left = unsubscribe(both, frozenset({EventKind.CONCERNS}))
    assert left is not None and left.events == frozenset({EventKind.SEGMENT})
    assert unsubscribe(both, None) is None
    assert unsubscribe(left, frozenset({EventKind.SEGMENT})) is None


def test_mute_suppresses_until_it_ends() -> None:
    muted = ChannelSettings(muted_until=NOW + timedelta(hours=2))
    assert route(RoutingInputs(NOW, NOW, "import:3", muted)).suppressed
    later = NOW + timedelta(hours=2)
    assert route(RoutingInputs(later, later, "import:3", muted)).suppressed is None


def test_digest_holds_alerts_for_the_next_daily_time() -> None:
    daily = ChannelSettings(digest_at=time(9, 0))
    routing = route(RoutingInputs(NOW, NOW, "import:3", daily))
    assert routing.not_before == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert routing.group == "digest:2026-11-23T09:00"
    early = NOW.replace(hour=8)
    assert route(RoutingInputs(early, early, "import:4", daily)).not_before == NOW.replace(hour=9, minute=0)


def test_a_batch_goes_together_to_a_destination() -> None:
    assert route(RoutingInputs(NOW, NOW, "import:3")).group == "import:3"


@given(st.datetimes(timezones=st.just(UTC)), st.times())
def test_the_next_digest_is_within_a_day_and_at_the_time(after: datetime, at: time) -> None:
    due = next_digest(after, at)
    assert after < due <= after + timedelta(days=1)
    assert (due.hour, due.minute, due.second) == (at.hour, at.minute, 0)


codes = st.sampled_from(["RWR", "RXG", "RR8", "RHM"])
filter_strategy = st.builds(Filters, st.none() | st.integers(1, 5), st.booleans(), st.frozensets(codes))
events_strategy = st.frozensets(st.sampled_from(list(EventKind)), min_size=1)


@given(events_strategy, filter_strategy, events_strategy, filter_strategy)
def test_merging_only_ever_widens_events_and_exclusions(e1, f1, e2, f2) -> None:  # type: ignore[no-untyped-def]
    merged = subscribe(sub(Target(TargetKind.ALL), e1, f1), sub(Target(TargetKind.ALL), e2, f2))
    assert merged.events == e1 | e2
    assert merged.filters.exclude == f1.exclude | f2.exclude
    assert subscribe(merged, sub(Target(TargetKind.ALL), e2, f2)) == merged  # subscribing twice changes nothing more


@given(filter_strategy, codes, st.integers(1, 5), st.booleans())
def test_an_excluded_organisation_never_matches(filters: Filters, code: str, segment: int, worsened: bool) -> None:
    subscription = sub(Target(TargetKind.ALL), filters=filters)
    if code in filters.exclude:
        assert not matches(subscription, move(code, segment, worsened))
