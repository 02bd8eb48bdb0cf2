"""The subscription verbs in the conversation, on the seeded data: what a user sees for each."""

from __future__ import annotations

import pytest

from oversight_bot.bootstrap import Application
from oversight_bot.chat.replies import Reply, ReplyKind
from oversight_bot.console.render import plain
from oversight_bot.domain.actors import Actor

CHANNEL = Actor("slack", "U0ME", "C0OVERSIGHT", "T0TEAM")


def say(app: Application, text: str, actor: Actor = CHANNEL) -> tuple[Reply, str]:
    reply = app.conversation.respond(text, actor)
    return reply, plain(reply)


def test_subscribing_confirms_in_the_channel_and_says_the_defaults(seeded_app: Application) -> None:
    reply, shown = say(seeded_app, "subscribe RWR")
    assert reply.public and reply.kind is ReplyKind.ANSWER
    assert "This channel will be told about segment moves and new concerns for Hertfordshire Partnership" in shown
    assert "Subscribed by @U0ME" in shown and "Those are the defaults" in shown
    _, shown = say(seeded_app, "subscribe RWR")
    assert "already told about" in shown and "nothing changed" in shown


def test_an_ambiguous_target_offers_choices_that_keep_the_options(seeded_app: Application) -> None:
    reply, _ = say(seeded_app, "subscribe Leeds concerns min-segment:3")
    assert reply.kind is ReplyKind.CHOICE and not reply.public
    assert "subscribe RR8 concerns min-segment:3" in [c.command for c in reply.choices]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe region:Atlantis", "No region called Atlantis. The regions are: East, London, Midlands"),
        ("subscribe all exclude:Leeds", "exclude:Leeds does not name one organisation"),
        ("subscribe qqqq zzzz", "No organisation matches"),
        ("subscribe hi", "is too short to look up"),  # never Hillingdon
        ("subscribe NHS trust", "is too common to tell organisations apart"),
        ("subscribe icb:Alder Hey", "No organisation matches"),  # a trust is not an ICB
        ("unsubscribe RWR", "This channel has no subscription to"),
        ("subscribe all bogus-option", "does not know bogus-option"),
        ("mute for a while", "`mute` needs a duration"),
    ],
)
def test_mistakes_are_answered_privately_and_change_nothing(seeded_app: Application, text: str, says: str) -> None:
    reply, shown = say(seeded_app, text)
    assert not reply.public and says in shown
    _, listing = say(seeded_app, "subscriptions")
    assert "None yet" in listing


def test_region_icb_and_exclusions_resolve_to_what_was_meant(seeded_app: Application) -> None:
    _, shown = say(seeded_app, "subscribe region:north west segment worsened-only")
    assert "segment moves for the North West region (worsening only)" in shown
    _, shown = say(seeded_app, "subscribe icb:West Yorkshire")
    assert "NHS West Yorkshire Integrated Care Board (QWO)" in shown
    _, shown = say(seeded_app, "subscribe all exclude:UHS exclude:RWR min-segment:4")
    assert "moves into segment 4 or worse only; except RHM, RWR" in shown
    _, listing = say(seeded_app, "subscriptions")
    assert listing.count("added by @U0ME") == 3


def test_unsubscribing_some_events_then_all(seeded_app: Application) -> None:
    say(seeded_app, "subscribe RWR")
    reply, shown = say(seeded_app, "unsubscribe RWR concerns")
    assert (
        reply.public and "no longer be told about new concerns" in shown and "still hears about segment moves" in shown
    )
    _, shown = say(seeded_app, "unsubscribe RWR")
    assert "will no longer be told about Hertfordshire Partnership" in shown
    _, listing = say(seeded_app, "subscriptions")
    assert "None yet" in listing


def test_mute_digest_and_threading_are_confirmed_and_listed(seeded_app: Application) -> None:
    for text, title in (
        ("mute 2h", "Alerts muted"),
        ("digest daily 09:00", "Daily digest on"),
        ("threading on", "Threading on"),
    ):
        reply, shown = say(seeded_app, text)
        assert reply.public and reply.title == title and "Changed by @U0ME" in shown
    _, listing = say(seeded_app, "subscriptions")
    assert "threading on; daily digest at 09:00 UK time; muted until" in listing
    say(seeded_app, "mute off")
    say(seeded_app, "digest off")
    _, listing = say(seeded_app, "subscriptions")
    assert "threading on; alerts as they happen." in listing


def test_subscriptions_belong_to_the_channel_not_the_person(seeded_app: Application) -> None:
    say(seeded_app, "subscribe RWR")
    colleague = Actor("slack", "U0COLLEAGUE", "C0OVERSIGHT", "T0TEAM")
    _, listing = say(seeded_app, "subscriptions", colleague)
    assert "added by @U0ME" in listing
    reply, _ = say(seeded_app, "unsubscribe RWR", colleague)  # anyone in the channel, by default
    assert reply.public
    elsewhere = Actor("slack", "U0ME", "C0ELSEWHERE", "T0TEAM")
    _, listing = say(seeded_app, "subscriptions", elsewhere)
    assert "None yet" in listing
