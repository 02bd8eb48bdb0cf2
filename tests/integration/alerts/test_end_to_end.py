"""End to end: a channel subscribes through a signed slash command, NHS England's Q2 file is
imported after Q1, and exactly the expected alerts arrive at the Slack stand-in."""

from __future__ import annotations

from oversight_bot.bootstrap import Application, build
from tests.integration.alerts.conftest import drain, import_q2, worker_for
from tests.integration.alerts.test_reliability import deliveries
from tests.integration.slack.conftest import dispatch, reply_of, text_of
from tests.integration.test_store import expected_q2_events_by_trust, regions_in_q2
from tests.slack_requests import settled_slack_app, slash_command
from tests.slack_standin import SlackStandIn

CHANNEL = "C0CHAN"  # the channel the signed requests come from


def command(app: Application, standin: SlackStandIn, text: str) -> dict:  # type: ignore[type-arg]
    bolt = settled_slack_app(app)
    return reply_of(dispatch(bolt, slash_command("/oversight", text, response_url=standin.response_url())))


def test_subscribe_in_slack_import_q2_and_the_channel_is_told(baseline: Application, standin: SlackStandIn) -> None:
    confirmed = command(baseline, standin, "subscribe region:North West segment")
    assert confirmed["response_type"] == "in_channel"  # a visible record of the change
    assert "This channel will be told about segment moves for the North West region." in text_of(confirmed)
    assert "Subscribed by <@U0ASKER>" in text_of(confirmed)
    command(baseline, standin, "subscribe RXV")
    listing = command(baseline, standin, "subscriptions")
    assert listing["response_type"] == "ephemeral"
    assert "added by <@U0ASKER>" in text_of(listing)

    import_q2(baseline)
    worker = worker_for(baseline)
    drain([worker], lambda: bool(deliveries(baseline)) and {d.status for d in deliveries(baseline)} == {"sent"})
    (post,) = standin.posts(CHANNEL)  # one message for the whole quarter
    listed = {line.split()[0] for line in text_of(post.body).splitlines()[1:] if line[:1].isupper() and " " in line}
    regions = regions_in_q2()
    news = expected_q2_events_by_trust()
    expected = {code for code in news if regions[code] == "North West"} | {"RXV"}
    assert listed - {"Worse"} == expected, text_of(post.body)
    # Every expected event was delivered (once per subscription that matched it; one message in all).
    assert len({d.event_id for d in deliveries(baseline)}) == sum(sum(news[code].values()) for code in expected)
    assert {d.status for d in deliveries(baseline)} == {"sent"}
    worker.close()


def test_only_those_allowed_may_change_a_channels_subscriptions(baseline: Application, standin: SlackStandIn) -> None:
    locked = build(
        baseline.settings.model_copy(update={"subscription_changes": "admins", "roles": {"admin": ["U0BOSS"]}})
    )
    refused = command(locked, standin, "subscribe all")
    assert refused["response_type"] == "ephemeral" and "may not change this channel's subscriptions" in text_of(refused)
    bolt = settled_slack_app(locked)
    allowed = reply_of(
        dispatch(bolt, slash_command("/oversight", "subscribe all", response_url=standin.response_url(), user="U0BOSS"))
    )
    assert allowed["response_type"] == "in_channel"
    everything = reply_of(
        dispatch(bolt, slash_command("/oversight", "subscriptions all", response_url=standin.response_url()))
    )
    assert "Only admins may list every channel's subscriptions." in text_of(everything)
    locked.close()
