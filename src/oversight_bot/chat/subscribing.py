"""The subscription commands in the conversation: resolve what was named, change, and say so.

Confirmations of changes are public (a visible record in the channel of who changed what);
listings are private with a Share button; help and errors are private.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from oversight_bot.chat import wording
from oversight_bot.chat.commands import (
    ListSubscriptions,
    Mute,
    SetDigest,
    SetThreading,
    Subscribe,
    Unsubscribe,
    command_text,
)
from oversight_bot.chat.replies import Reply, ReplyKind, Section, mention
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.organisations import OrgKind, display_name
from oversight_bot.domain.subscriptions import (
    DEFAULT_EVENTS,
    ChannelSettings,
    Destination,
    EventKind,
    Filters,
    Subscription,
    Target,
    TargetKind,
)
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.services.segments import SegmentReader
from oversight_bot.services.subscriptions import SubscriptionService

EVENT_NAMES = {EventKind.SEGMENT: "segment moves", EventKind.CONCERNS: "new concerns"}


class Subscribing:
    def __init__(self, service: SubscriptionService, zone: ZoneInfo) -> None:
        self.service = service
        self.zone = zone

    def subscribe(self, command: Subscribe, actor: Actor, reader: SegmentReader) -> Reply:
        target = resolve_target(command.target, reader)
        if isinstance(target, Reply):
            return _with_commands(target, command)
        excluded: list[str] = []
        for name in command.exclude:
            found = reader.lookup(name)
            if found.status is not LookupStatus.RESOLVED or found.organisation is None:
                return wording.error_reply(f"exclude:{name} does not name one organisation; use its ODS code.")
            excluded.append(found.organisation.ods_code)
        events = frozenset(EventKind(e) for e in command.events) or DEFAULT_EVENTS
        filters = Filters(command.min_segment, command.worsened_only, frozenset(excluded))
        change = self.service.subscribe(actor, target, events, filters)
        assert change.after is not None
        return subscribed_reply(change.before, change.after, reader, actor, defaults=not command.events)

    def unsubscribe(self, command: Unsubscribe, actor: Actor, reader: SegmentReader) -> Reply:
        target = resolve_target(command.target, reader)
        if isinstance(target, Reply):
            return _with_commands(target, command)
        events = frozenset(EventKind(e) for e in command.events)
        change = self.service.unsubscribe(actor, target, events)
        label = target_label(target, reader)
        if change.before is None:
            return wording.error_reply(
                f"This channel has no subscription to {label}. `subscriptions` lists what it has."
            )
        if change.after is None:
            lines = (f"This channel will no longer be told about {label}.", f"Removed by {mention(actor.user_id)}.")
        else:
            lines = (
                f"This channel will no longer be told about {events_text(events)} for {label}; "
                f"it still hears about {events_text(change.after.events)}.",
                f"Changed by {mention(actor.user_id)}.",
            )
        return Reply(ReplyKind.ANSWER, f"Unsubscribed: {label}", lines[0], (Section(lines=lines),), public=True)

    def listing(self, command: ListSubscriptions, actor: Actor, reader: SegmentReader) -> Reply:
        subscriptions = self.service.listing(actor, everywhere=command.everywhere)
        settings = None if command.everywhere else self.service.settings(actor)
        now = self.service.clock.now()
        return listing_reply(subscriptions, settings, reader, self.zone, now, everywhere=command.everywhere)

    def mute(self, command: Mute, actor: Actor) -> Reply:
        settings = self.service.mute(actor, command.minutes)
        if settings.muted_until is None:
            return _setting_reply("Alerts unmuted", "Alerts to this channel are back on.", actor)
        until = _local(settings.muted_until, self.zone)
        return _setting_reply(
            "Alerts muted", f"Alerts to this channel are muted until {until}; nothing is sent meanwhile.", actor
        )

    def digest(self, command: SetDigest, actor: Actor) -> Reply:
        at = time.fromisoformat(command.at) if command.at else None
        self.service.digest(actor, at)
        if at is None:
            return _setting_reply("Daily digest off", "Alerts to this channel go out as they happen again.", actor)
        text = f"Alerts to this channel are gathered into one message a day at {at:%H:%M} UK time."
        return _setting_reply("Daily digest on", text, actor)

    def threading(self, command: SetThreading, actor: Actor) -> Reply:
        self.service.threading(actor, command.on)
        if command.on:
            return _setting_reply(
                "Threading on", "Each organisation's alerts now follow in one thread in this channel.", actor
            )
        return _setting_reply("Threading off", "Each alert is now its own message in this channel.", actor)

    def stop(self, destination: Destination, reason: str, *, whole_workspace: bool = False) -> int:
        """The platform says the bot is gone from there: alerts stop, with the reason shown."""
        return self.service.stop_destination(destination, reason, whole_workspace=whole_workspace)


def resolve_target(text: str, reader: SegmentReader) -> Target | Reply:
    """`all`, `icb:<code or name>`, `region:<name>`, or an organisation as any lookup accepts."""
    lowered = text.strip().lower()
    if lowered == "all":
        return Target(TargetKind.ALL)
    if lowered.startswith("region:"):
        return _region(text.strip()[len("region:") :].strip(), reader)
    if lowered.startswith("icb:"):
        return _icb(text, reader)
    found = reader.lookup(text)
    if found.status is not LookupStatus.RESOLVED or found.organisation is None:
        return wording.unresolved_reply(found, "subscribe", page=None)  # `subscribe X page:2` is no command
    return Target(TargetKind.ORGANISATION, found.organisation.ods_code)


def _icb(text: str, reader: SegmentReader) -> Target | Reply:
    """`icb:<code or name>`: an ICB, never a trust that happens to match the name (a subscription
    to the trusts of "ICB" RBS would never be told anything)."""
    wanted = text.strip()[len("icb:") :].strip()
    found = reader.find_icb(wanted)
    if found.organisation is not None and found.organisation.kind is OrgKind.ICB:
        return Target(TargetKind.ICB, found.organisation.ods_code)
    if reader.knows_icb(wanted):  # an ICB of the 2026 mergers: its code is known, its name not
        return Target(TargetKind.ICB, wanted.upper())
    icbs = tuple(c for c in found.candidates if _is_icb(reader, c.ods_code))
    reply = wording.not_found_reply(text, icbs, "subscribe")
    choices = tuple(replace(choice, command=f"subscribe icb:{choice.command.split()[-1]}") for choice in reply.choices)
    return replace(reply, choices=choices)


def _is_icb(reader: SegmentReader, code: str) -> bool:
    organisation = reader.organisation(code)
    return organisation is not None and organisation.kind is OrgKind.ICB


def _region(name: str, reader: SegmentReader) -> Target | Reply:
    regions = reader.regions()
    chosen = next((r for r in regions if r.lower() == name.lower()), None)
    if chosen is None:
        return wording.error_reply(f"No region called {name}. The regions are: {', '.join(regions)}.")
    return Target(TargetKind.REGION, chosen)


def _with_commands(reply: Reply, command: Subscribe | Unsubscribe) -> Reply:
    """Choices that keep the rest of the command: pressing RR8 subscribes RR8 with the same options."""
    choices = tuple(
        replace(choice, command=command_text(command.model_copy(update={"target": choice.command.split()[-1]})))
        for choice in reply.choices
    )
    return replace(reply, choices=choices)


def target_label(target: Target, reader: SegmentReader) -> str:
    match target.kind:
        case TargetKind.ALL:
            return "every organisation"
        case TargetKind.REGION:
            return f"the {target.value} region"
    organisation = reader.organisation(target.value)
    if organisation is not None:
        return f"{display_name(organisation.name)} ({target.value})"
    if target.kind is TargetKind.ICB:
        return f"ICB {target.value} (name not in the loaded ICB list)"
    return target.value


def events_text(events: frozenset[EventKind]) -> str:
    return " and ".join(EVENT_NAMES[e] for e in EventKind if e in events)


def filters_text(filters: Filters) -> str:
    parts = []
    if filters.min_segment:
        parts.append(f"moves into segment {filters.min_segment} or worse only")
    if filters.worsened_only:
        parts.append("worsening only")
    if filters.exclude:
        parts.append(f"except {', '.join(sorted(filters.exclude))}")
    return f" ({'; '.join(parts)})" if parts else ""


def subscribed_reply(
    before: Subscription | None, after: Subscription, reader: SegmentReader, actor: Actor, *, defaults: bool
) -> Reply:
    label = target_label(after.target, reader)
    what = f"{events_text(after.events)} for {label}{filters_text(after.filters)}"
    if before is None:
        first = f"This channel will be told about {what}."
    elif before == after:
        first = f"This channel was already told about {what}; nothing changed."
    else:
        first = f"Subscription updated: this channel will be told about {what}."
    lines = [first, f"Subscribed by {mention(actor.user_id)}."]
    if defaults and before is None:
        lines.append("Those are the defaults; name `segment` or `concerns` to hear about only one.")
    return Reply(ReplyKind.ANSWER, f"Subscribed: {label}", first, (Section(lines=tuple(lines)),), public=True)


def listing_reply(
    subscriptions: list[Subscription],
    settings: ChannelSettings | None,
    reader: SegmentReader,
    zone: ZoneInfo,
    now: datetime,
    *,
    everywhere: bool,
) -> Reply:
    title = "Subscriptions in every channel" if everywhere else "This channel's subscriptions"
    lines = [subscription_line(s, reader, everywhere) for s in subscriptions] or [
        "None yet. Try `subscribe all` or `subscribe RWR`."
    ]
    sections = [Section(lines=tuple(lines))]
    if settings is not None:
        sections.append(Section("Delivery", (settings_line(settings, zone, now),)))
    return Reply(ReplyKind.ANSWER, title, f"{len(subscriptions)} subscription(s)", tuple(sections), shareable=True)


def subscription_line(subscription: Subscription, reader: SegmentReader, everywhere: bool) -> str:
    where = f"{subscription.destination.channel}: " if everywhere else ""
    when = f" on {subscription.created_at:%d %b %Y}" if subscription.created_at else ""
    text = (
        f"{where}{target_label(subscription.target, reader)}: {events_text(subscription.events)}"
        f"{filters_text(subscription.filters)}, added by {mention(subscription.created_by)}{when}"
    )
    if subscription.disabled_reason:
        text += f". STOPPED: {subscription.disabled_reason}; `subscribe` again to resume"
    return text


def settings_line(settings: ChannelSettings, zone: ZoneInfo, now: datetime) -> str:
    parts = [f"threading {'on' if settings.threading else 'off'}"]
    parts.append(
        f"daily digest at {settings.digest_at:%H:%M} UK time" if settings.digest_at else "alerts as they happen"
    )
    if settings.is_muted(now) and settings.muted_until is not None:
        parts.append(f"muted until {_local(settings.muted_until, zone)}")
    return "; ".join(parts) + "."


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%d %b %Y %H:%M} UK time"


def _setting_reply(title: str, text: str, actor: Actor) -> Reply:
    lines = (text, f"Changed by {mention(actor.user_id)}.")
    return Reply(ReplyKind.ANSWER, title, text, (Section(lines=lines),), public=True)
