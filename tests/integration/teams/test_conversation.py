"""Teams conversations over real HTTP: activities posted to /api/messages with
`deliveryMode: expectReplies`, answered with Adaptive Cards rendered from the same replies as
Slack's and the console's; the shared table of cases runs here as it does there."""

from __future__ import annotations

import json

import pytest

from oversight_bot.bootstrap import Application
from tests.conversation_cases import CASES, Case
from tests.integration.teams.conftest import buttons_of, only_card, post, replies, text_of
from tests.teams_activities import CHANNEL, PERSONAL, TENANT, button_press, channel_message, personal_message
from tests.teams_standin import ConnectorStandIn

MAX_CARD_BYTES = 28 * 1024  # Teams refuses a message larger than about 28 KB


@pytest.mark.parametrize("case", CASES, ids=[c.text or "(empty)" for c in CASES])
def test_the_shared_conversation_cases_in_teams(teams_url: str, connector: ConnectorStandIn, case: Case) -> None:
    card = only_card(post(teams_url, channel_message(connector.service_url, case.text)))
    shown = text_of(card).replace("**", "")
    for words in case.says:
        assert words in shown, f"{words!r} missing from {shown}"
    for words in case.never_says:
        assert words not in shown
    commands = {data.get("command") for data in buttons_of(card).values()}
    assert set(case.buttons) <= commands
    if case.more:
        assert case.more in commands
    assert len(json.dumps(card).encode()) < MAX_CARD_BYTES
    assert connector.posts == []  # answered in the HTTP response: nothing went through the connector


def test_a_button_runs_its_command_as_if_typed(teams_url: str, connector: ConnectorStandIn) -> None:
    choice = only_card(post(teams_url, channel_message(connector.service_url, "segment Leeds")))
    data = buttons_of(choice)["RR8: Leeds Teaching Hospitals NHS Trust"]
    assert data == {"verb": "run", "command": "segment RR8"}
    answer = text_of(only_card(post(teams_url, button_press(connector.service_url, data))))
    assert "Leeds Teaching Hospitals NHS Trust (RR8)" in answer and "of 134 acute trusts" in answer


def test_more_pages_through_a_long_table(teams_url: str, connector: ConnectorStandIn) -> None:
    first = only_card(post(teams_url, channel_message(connector.service_url, "league mh")))
    more = buttons_of(first)["More"]
    second = text_of(only_card(post(teams_url, button_press(connector.service_url, more))))
    assert "page 2 of 4" in second and "21." in second


def test_a_personal_chat_needs_no_mention(teams_url: str, connector: ConnectorStandIn) -> None:
    shown = text_of(only_card(post(teams_url, personal_message(connector.service_url, "why RWR"))))
    assert "Why Hertfordshire Partnership" in shown


def test_without_expect_replies_the_answer_goes_back_through_the_connector_in_the_thread(
    teams_url: str, connector: ConnectorStandIn
) -> None:
    """How Teams itself calls a bot: 202 at once, the answer posted to the service URL as a reply."""
    activity = channel_message(connector.service_url, "segment RWR", expect_replies=False)
    response = post(teams_url, activity)
    assert response.status_code == 202
    (reply,) = connector.wait_for(1)
    assert reply.conversation == f"{CHANNEL};messageid=1700000000000"  # the thread it was asked in
    assert reply.path.endswith(f"/activities/{activity['id']}")
    assert "Hertfordshire Partnership University NHS Foundation Trust (RWR)" in text_of(reply.card)


def test_concern_listings_are_never_posted_in_a_channel(teams_url: str, connector: ConnectorStandIn) -> None:
    from tests.integration.teams.conftest import TRIAGER_AAD

    in_channel = text_of(
        only_card(post(teams_url, channel_message(connector.service_url, "concerns", user_aad=TRIAGER_AAD)))
    )
    assert "only in a personal chat" in in_channel and "Concerns:" not in in_channel
    personal = text_of(
        only_card(post(teams_url, personal_message(connector.service_url, "concerns", user_aad=TRIAGER_AAD)))
    )
    assert "Concerns: 0" in personal


def test_messages_remember_where_the_conversation_can_be_reached(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    from oversight_bot.store.teams import SqlAlchemyConversationAddresses

    post(teams_url, channel_message(connector.service_url, "help"))
    post(teams_url, personal_message(connector.service_url, "help"))
    addresses = SqlAlchemyConversationAddresses(oversight.session_factory)
    channel = addresses.find(CHANNEL)  # the channel, not the thread
    assert channel is not None and channel.service_url == connector.service_url and channel.tenant_id == TENANT
    assert channel.conversation_type == "channel" and channel.team_id is not None
    # A personal chat is kept only once alerts are asked for there (who wrote when is nobody's business).
    assert addresses.find(PERSONAL) is None
    post(teams_url, personal_message(connector.service_url, "subscribe RR8"))
    personal = addresses.find(PERSONAL)
    assert personal is not None and personal.conversation_type == "personal"


def test_a_malformed_activity_is_refused_plainly(teams_url: str) -> None:
    import httpx

    assert httpx.post(f"{teams_url}/api/messages", content=b"{not json", timeout=5).status_code == 400
    assert post(teams_url, {"type": "message", "conversation": "not an object"}).status_code == 400
    assert replies(post(teams_url, {"type": "typing", "conversation": {"id": "c"}, "deliveryMode": "expectReplies",
                                    "serviceUrl": "http://127.0.0.1:9/", "recipient": {"id": "b"}})) == []  # fmt: skip
