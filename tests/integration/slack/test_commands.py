"""Slash commands and buttons through real Bolt dispatch of correctly signed requests."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App

from oversight_bot.bootstrap import build
from oversight_bot.slack import ids
from tests.conversation_cases import CASES, Case
from tests.integration.slack.conftest import buttons_of, dispatch, reply_of, slack_settings, text_of
from tests.slack_requests import block_action, settled_slack_app, slash_command
from tests.slack_standin import Answer, SlackStandIn, slow


def test_segment_answers_privately_inside_the_acknowledgement(bolt: App, standin: SlackStandIn) -> None:
    response = dispatch(bolt, slash_command("/segment", "RWR", response_url=standin.response_url()))
    message = reply_of(response)
    assert message["response_type"] == "ephemeral"
    shown = text_of(message)
    assert "Hertfordshire Partnership University NHS Foundation Trust (RWR)" in shown
    assert "26th of 61 mental health and community trusts" in shown
    assert message["text"].startswith("RWR Hertfordshire Partnership")
    buttons = buttons_of(message)
    assert buttons["Share in channel"] == "segment RWR"
    assert buttons["Why?"] == "why RWR"
    # Answered in the acknowledgement. The only Web API call is the bot asking who it is, once.
    standin.wait_for("auth.test")
    dispatch(bolt, slash_command("/segment", "RR8", response_url=standin.response_url()))
    assert [call.method for call in standin.calls] == ["auth.test"]


def test_the_first_segment_does_not_wait_for_a_slow_slack_to_say_who_the_bot_is(
    bolt: App, standin: SlackStandIn
) -> None:
    standin.queue("auth.test", slow(6))
    message = reply_of(dispatch(bolt, slash_command("/segment", "RWR", response_url=standin.response_url())))
    assert "(RWR)" in text_of(message)
    (asked,) = standin.wait_for("auth.test")
    assert asked.answer is None  # still unanswered: the reply did not wait for it


@pytest.mark.parametrize("case", CASES, ids=[c.text or "(empty)" for c in CASES])
def test_the_shared_conversation_cases_in_slack(bolt: App, standin: SlackStandIn, case: Case) -> None:
    message = reply_of(dispatch(bolt, slash_command("/oversight", case.text, response_url=standin.response_url())))
    shown = text_of(message).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    for words in case.says:
        assert words in shown, f"{words!r} missing from {shown}"
    for words in case.never_says:
        assert words not in shown
    values = set(buttons_of(message).values())
    assert set(case.buttons) <= values
    if case.more:
        assert case.more in values


def test_choosing_a_candidate_answers_as_if_the_code_were_typed(bolt: App, standin: SlackStandIn) -> None:
    ambiguous = reply_of(dispatch(bolt, slash_command("/segment", "Leeds", response_url=standin.response_url("a"))))
    assert set(buttons_of(ambiguous).values()) >= {"segment RR8", "segment RY6", "segment RGD"}
    pressed = dispatch(
        bolt, block_action(f"{ids.RUN_COMMAND}:1", "segment RR8", response_url=standin.response_url("a"))
    )
    assert pressed.status == 200
    (call,) = standin.wait_for("response:a")
    assert call.body["replace_original"] is True and call.body["response_type"] == "ephemeral"
    assert "Leeds Teaching Hospitals NHS Trust (RR8)" in text_of(call.body)


def test_share_in_channel_reposts_publicly_and_removes_the_private_answer(bolt: App, standin: SlackStandIn) -> None:
    dispatch(bolt, block_action(ids.SHARE, "segment RWR", response_url=standin.response_url("s")))
    post, delete = standin.wait_for("response:s", 2)  # two requests, in this order, as Slack documents
    assert post.body["response_type"] == "in_channel" and "delete_original" not in post.body
    assert "Shared by <@U0ASKER>" in text_of(post.body)
    assert "Share in channel" not in buttons_of(post.body)
    assert delete.body["delete_original"] is True and "blocks" not in delete.body
    assert post.at <= delete.at


def test_an_answer_the_channel_refuses_is_kept_privately_and_not_deleted(bolt: App, standin: SlackStandIn) -> None:
    standin.queue("response:refused", Answer(404, {"ok": False, "error": "channel_not_found"}))
    dispatch(bolt, block_action(ids.SHARE, "segment RWR", response_url=standin.response_url("refused")))
    post, told = standin.wait_for("response:refused", 2)
    assert post.body["response_type"] == "in_channel"
    assert told.body["response_type"] == "ephemeral" and "could not be shared" in told.body["text"]
    assert not any(call.body.get("delete_original") for call in standin.calls_to("response:refused"))


def test_a_button_under_a_shared_answer_replies_privately_and_leaves_it_alone(bolt: App, standin: SlackStandIn) -> None:
    dispatch(
        bolt, block_action(f"{ids.RUN_COMMAND}:0", "why RWR", response_url=standin.response_url("w"), ephemeral=False)
    )
    (call,) = standin.wait_for("response:w")
    assert call.body["replace_original"] is False and call.body["response_type"] == "ephemeral"
    assert "Why Hertfordshire Partnership" in text_of(call.body)


def test_more_pages_through_a_long_table(bolt: App, standin: SlackStandIn) -> None:
    first = reply_of(dispatch(bolt, slash_command("/oversight", "league mh", response_url=standin.response_url("m"))))
    assert buttons_of(first)["More"] == "league mh page:2"
    dispatch(bolt, block_action(f"{ids.RUN_COMMAND}:0", "league mh page:2", response_url=standin.response_url("m")))
    (call,) = standin.wait_for("response:m")
    assert "page 2 of 4" in text_of(call.body)


@pytest.mark.parametrize(
    "typed",
    [
        "<!channel>",
        "<!here> look",
        "<https://evil.example|click me>",
        "<@U0BOSS>",
        "a & b",
        "\ue000U0BOSS\ue001",  # the chat layer's own mention marks, typed by a user
        "segment \ue000U0BOSS\ue001",
    ],
)
def test_user_text_is_escaped_so_it_pings_and_links_nothing(bolt: App, standin: SlackStandIn, typed: str) -> None:
    response = dispatch(bolt, slash_command("/segment", typed, response_url=standin.response_url()))
    raw = json.dumps(reply_of(response))
    assert "<!channel>" not in raw and "<!here>" not in raw and "<https://evil" not in raw and "<@U0BOSS>" not in raw
    assert "&lt;" in raw or "&amp;" in raw or "U0BOSS" in raw


def test_an_empty_or_unknown_command_gets_help_that_fits_it(bolt: App, standin: SlackStandIn) -> None:
    def shown(command: str, text: str) -> str:
        reply = reply_of(dispatch(bolt, slash_command(command, text, response_url=standin.response_url())))
        return text_of(reply).replace("&lt;", "<").replace("&gt;", ">")

    assert "league <acute|mh|ambulance> [region]" in shown("/oversight", "")  # every command
    empty_segment = shown("/segment", "")
    assert "needs an organisation" in empty_segment and "Usage: `segment <organisation> [quarter]`" in empty_segment
    assert "league <acute" not in empty_segment  # the one usage line, not the whole list again
    unknown = shown("/oversight", "frobnicate")
    assert "Unknown command: frobnicate" in unknown and "Type `help` for the commands." in unknown


def test_oversized_text_is_answered_not_refused(bolt: App, standin: SlackStandIn) -> None:
    response = dispatch(bolt, slash_command("/segment", "Leeds " * 700, response_url=standin.response_url()))
    assert response.status == 200
    assert json.loads(response.body)["response_type"] == "ephemeral"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), command=st.sampled_from(["/segment", "/oversight"]))
def test_fuzzed_command_text_never_breaks_the_reply(bolt: App, standin: SlackStandIn, text: str, command: str) -> None:
    response = dispatch(bolt, slash_command(command, text, response_url=standin.response_url()))
    assert response.status == 200
    body = json.loads(response.body)
    assert "Traceback" not in response.body and body["response_type"] == "ephemeral"
    assert len(body["blocks"]) <= 50


def test_with_readers_listed_only_they_and_the_oversight_roles_see_segments(
    seeded_db_url: str, standin: SlackStandIn
) -> None:
    roles = {"reader": ["U0READER"], "oversight": ["U0LEAD"]}
    app = build(slack_settings(seeded_db_url, standin.base_url, roles=roles))
    bolt = settled_slack_app(app)

    def ask(text: str, user: str) -> str:
        command = slash_command("/oversight", text, response_url=standin.response_url(text + user), user=user)
        return text_of(reply_of(dispatch(bolt, command)))

    for user in ("U0READER", "U0LEAD"):
        assert "Segment 3" in ask("segment RR8", user)
    for text in ("segment RR8", "why RR8", "league acute", "list segment:4", "subscribe RR8"):
        refused = ask(text, "U0STRANGER")
        assert "listed as readers" in refused and "Segment 3" not in refused and "RR8" not in refused, text
    assert "segment <organisation>" in ask("help", "U0STRANGER").replace("&lt;", "<").replace("&gt;", ">")
    app.close()
