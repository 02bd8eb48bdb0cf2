"""The subscription use cases on in-memory fakes: who may change a channel's subscriptions, what
subscribing twice and unsubscribing leave, and stopping a destination with a visible reason."""

from __future__ import annotations

import pytest

from oversight_bot.domain.actors import Actor
from oversight_bot.domain.subscriptions import DEFAULT_EVENTS, EventKind, Filters, Target, TargetKind
from oversight_bot.errors import NotAllowed
from oversight_bot.services.access import Access, AccessRules, Role, SubscriptionPolicy
from oversight_bot.services.subscriptions import SubscriptionService, destination_of
from tests.fakes import FakeClock, InMemoryStore

MEMBER = Actor("slack", "U0MEMBER", "C0CHAN", "T0")
ADMIN = Actor("slack", "U0ADMIN", "C0CHAN", "T0")
RR8 = Target(TargetKind.ORGANISATION, "RR8")


def service(store: InMemoryStore, policy: SubscriptionPolicy = SubscriptionPolicy.ANYONE) -> SubscriptionService:
    rules = AccessRules({Role.ADMIN: frozenset({ADMIN.user_id})}, policy)
    return SubscriptionService(store.uow, FakeClock(), Access(rules))


def test_subscribing_twice_merges_and_unsubscribing_one_event_keeps_the_other() -> None:
    store = InMemoryStore()
    subscriptions = service(store)
    first = subscriptions.subscribe(MEMBER, RR8, frozenset({EventKind.SEGMENT}), Filters())
    second = subscriptions.subscribe(MEMBER, RR8, frozenset({EventKind.CONCERNS}), Filters())
    assert first.before is None and second.after is not None and second.after.events == DEFAULT_EVENTS
    left = subscriptions.unsubscribe(MEMBER, RR8, frozenset({EventKind.SEGMENT}))
    assert left.after is not None and left.after.events == frozenset({EventKind.CONCERNS})
    assert subscriptions.unsubscribe(MEMBER, RR8, frozenset()).after is None
    assert subscriptions.listing(MEMBER) == []


def test_with_admins_only_a_member_is_refused_and_nothing_is_kept() -> None:
    store = InMemoryStore()
    subscriptions = service(store, SubscriptionPolicy.ADMINS)
    with pytest.raises(NotAllowed):
        subscriptions.subscribe(MEMBER, RR8, DEFAULT_EVENTS, Filters())
    with pytest.raises(NotAllowed):
        subscriptions.listing(MEMBER, everywhere=True)
    assert store.tables.subscriptions == {}
    assert subscriptions.subscribe(ADMIN, RR8, DEFAULT_EVENTS, Filters()).after is not None


def test_stopping_a_destination_shows_the_reason_and_cancels_what_was_queued() -> None:
    store = InMemoryStore()
    subscriptions = service(store)
    subscriptions.subscribe(MEMBER, RR8, DEFAULT_EVENTS, Filters())
    assert subscriptions.stop_destination(destination_of(MEMBER), "the app was uninstalled") == 1
    (stopped,) = subscriptions.listing(MEMBER)
    assert stopped.disabled_reason == "the app was uninstalled"
    assert store.tables.cancelled == [(destination_of(MEMBER), "subscription stopped: the app was uninstalled")]
