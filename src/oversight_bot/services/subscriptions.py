"""Subscription use cases: subscribe, unsubscribe, list, mute, digest, threading. Each change is
checked against who may change a channel's subscriptions, and recorded with who made it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import time, timedelta

from oversight_bot.domain.actors import Actor
from oversight_bot.domain.subscriptions import (
    ChannelSettings,
    Destination,
    EventKind,
    Filters,
    Subscription,
    Target,
    subscribe,
    unsubscribe,
)
from oversight_bot.errors import NotAllowed
from oversight_bot.services.access import Access, Role
from oversight_bot.services.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class Change:
    before: Subscription | None
    after: Subscription | None


def destination_of(actor: Actor) -> Destination:
    channel = actor.conversation_id or actor.user_id
    return Destination(actor.platform, actor.workspace, channel, actor.user_id if actor.direct else None)


class SubscriptionService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, access: Access) -> None:
        self.uow = uow
        self.clock = clock
        self.access = access

    def subscribe(self, actor: Actor, target: Target, events: frozenset[EventKind], filters: Filters) -> Change:
        self._check(actor)
        destination = destination_of(actor)
        now = self.clock.now()
        wanted = Subscription(destination, target, events, filters, created_by=actor.user_id, created_at=now)
        with self.uow() as uow:
            before = uow.subscriptions.find(destination, target)
            after = uow.subscriptions.save(subscribe(before, wanted), now)
            uow.commit()
        return Change(before, after)

    def unsubscribe(self, actor: Actor, target: Target, events: frozenset[EventKind]) -> Change:
        self._check(actor)
        destination = destination_of(actor)
        now = self.clock.now()
        with self.uow() as uow:
            before = uow.subscriptions.find(destination, target)
            if before is None or before.id is None:
                return Change(None, None)
            after = unsubscribe(before, events or None)
            if after is None:
                uow.subscriptions.remove(before.id, actor.user_id, now)
            else:
                after = uow.subscriptions.save(after, now)
            uow.commit()
        return Change(before, after)

    def listing(self, actor: Actor, *, everywhere: bool = False) -> list[Subscription]:
        if everywhere:
            self._check_admin(actor)
        with self.uow() as uow:
            if everywhere:
                return uow.subscriptions.current()
            return uow.subscriptions.for_destination(destination_of(actor))

    def settings(self, actor: Actor) -> ChannelSettings:
        with self.uow() as uow:
            return uow.subscriptions.settings(destination_of(actor))

    def mute(self, actor: Actor, minutes: int) -> ChannelSettings:
        until = self.clock.now() + timedelta(minutes=minutes) if minutes else None
        return self._change_settings(actor, lambda s: replace(s, muted_until=until))

    def digest(self, actor: Actor, at: time | None) -> ChannelSettings:
        return self._change_settings(actor, lambda s: replace(s, digest_at=at))

    def threading(self, actor: Actor, on: bool) -> ChannelSettings:
        return self._change_settings(actor, lambda s: replace(s, threading=on))

    def _change_settings(self, actor: Actor, change: Callable[[ChannelSettings], ChannelSettings]) -> ChannelSettings:
        self._check(actor)
        destination = destination_of(actor)
        with self.uow() as uow:
            updated = change(uow.subscriptions.settings(destination))
            uow.subscriptions.save_settings(destination, updated, actor.user_id, self.clock.now())
            uow.commit()
        return updated

    def stop_destination(self, destination: Destination, reason: str, *, whole_workspace: bool = False) -> int:
        """The bot was removed from where these alerts go (a channel, or with `whole_workspace` a
        workspace that uninstalled it): stop its subscriptions, shown with the reason, and cancel
        what was waiting. Subscribing again there starts them afresh."""
        with self.uow() as uow:
            stopped = uow.subscriptions.disable(destination, reason, whole_workspace=whole_workspace)
            uow.deliveries.cancel_for(destination, f"subscription stopped: {reason}", whole_workspace=whole_workspace)
            uow.commit()
        return len(stopped)

    def _check(self, actor: Actor) -> None:
        if not self.access.may_change_subscriptions(actor):
            raise NotAllowed("changing this channel's subscriptions")

    def _check_admin(self, actor: Actor) -> None:
        if not self.access.has(actor, Role.ADMIN):
            raise NotAllowed("listing every channel's subscriptions")
