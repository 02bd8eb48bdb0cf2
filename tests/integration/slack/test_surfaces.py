"""Typeahead, the Home tab, the lookup modal, limits, errors and an unreachable Slack or store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from slack_bolt import App

from oversight_bot.bootstrap import Application, build
from oversight_bot.chat.replies import Choice, Reply, ReplyKind, Section
from oversight_bot.slack import blocks, ids
from tests.conftest import SEEDS
from tests.conversation_cases import CASES
from tests.integration.slack.conftest import dispatch, reply_of, slack_settings, text_of
from tests.slack_requests import (
    block_action,
    block_suggestion,
    event,
    settled_slack_app,
    slash_command,
    view_submission,
)
from tests.slack_standin import SlackStandIn, rate_limited


def test_the_organisation_typeahead_offers_matches(bolt: App) -> None:
    options = reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, "Leeds")))["options"]
    assert {o["value"] for o in options} >= {"RR8", "RY6", "RGD"}
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, "rr8")))["options"][0]["value"] == "RR8"
    assert reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, "qqqq zzzz")))["options"] == []


def acute_moves_q1_to_q3() -> int:
    """From the seed files: acute trusts whose adjusted segment (OF5000) in Q1 differs from Q3's."""
    with (SEEDS / "nof-acute-2025-26-q1.csv").open(encoding="utf-8-sig", newline="") as handle:
        q1 = {r["Trust_code"]: int(float(r["Value"])) for r in csv.DictReader(handle) if r["Metric_ID"] == "OF5000"}
    with (SEEDS / "league-acute-2025-26-q3-secondary.csv").open(encoding="utf-8", newline="") as handle:
        q3 = {r["Trust_code"]: int(r["Segment"]) for r in csv.DictReader(handle)}
    return sum(1 for code, segment in q3.items() if code in q1 and q1[code] != segment)


def test_opening_the_home_tab_publishes_it(bolt: App, standin: SlackStandIn) -> None:
    response = dispatch(
        bolt, event({"type": "app_home_opened", "user": "U0VIEWER", "channel": "D1", "tab": "home"}), json_body=True
    )
    assert response.status == 200
    (call,) = standin.wait_for("views.publish")
    assert call.body["user_id"] == "U0VIEWER"
    view = json.loads(call.body["view"]) if isinstance(call.body["view"], str) else call.body["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = text_of(view)
    assert "Look up a trust" in shown
    # The mental health and community trusts' 15 moves from Q1 to Q2 2025/26, and the acute trusts'
    # from Q1 (NHS England's file) to Q3 (a secondary source; Q2 is not held), said as such.
    moves = 15 + acute_moves_q1_to_q3()
    assert f"Segment changes in the latest quarter: {moves}" in shown
    assert shown.count(" → ") == min(moves, 20)
    assert "(since Q1 2025/26, the last quarter held before it)" in shown


def test_the_home_tab_survives_a_rate_limit(bolt: App, standin: SlackStandIn) -> None:
    standin.queue("views.publish", rate_limited(retry_after=1))
    dispatch(bolt, event({"type": "app_home_opened", "user": "U0VIEWER", "tab": "home"}), json_body=True)
    calls = standin.wait_for("views.publish", count=2)
    assert calls[1].at - calls[0].at >= 0.9  # waited for Retry-After, off the request thread


def test_the_messages_tab_publishes_nothing(bolt: App, standin: SlackStandIn) -> None:
    assert (
        dispatch(bolt, event({"type": "app_home_opened", "user": "U0VIEWER", "tab": "messages"}), json_body=True).status
        == 200
    )
    dispatch(bolt, slash_command("/segment", "RWR", response_url=standin.response_url()))
    assert standin.calls_to("views.publish") == []


def test_the_home_lookup_opens_a_modal_whose_answer_replaces_it(bolt: App, standin: SlackStandIn) -> None:
    dispatch(bolt, block_action(ids.HOME_LOOKUP, "", response_url=standin.response_url()))
    (opened,) = standin.wait_for("views.open")
    assert opened.body["trigger_id"] == "1.2.trigger"
    chosen = {
        ids.LOOKUP_BLOCK: {ids.ORGANISATION_SELECT: {"type": "external_select", "selected_option": {"value": "RW1"}}}
    }
    answer = reply_of(dispatch(bolt, view_submission(ids.LOOKUP_MODAL, chosen)))
    assert answer["response_action"] == "update"
    assert "Segment 5 (Provider Improvement Programme; underlying segment 3)" in text_of(answer["view"])
    nothing = {ids.LOOKUP_BLOCK: {ids.ORGANISATION_SELECT: {"type": "external_select", "selected_option": None}}}
    refused = reply_of(dispatch(bolt, view_submission(ids.LOOKUP_MODAL, nothing)))
    assert refused == {
        "response_action": "errors",
        "errors": {ids.LOOKUP_BLOCK: "Choose an organisation from the list."},
    }


def test_every_answer_stays_inside_slacks_limits(bolt: App, standin: SlackStandIn) -> None:
    for case in CASES:
        message = reply_of(dispatch(bolt, slash_command("/oversight", case.text, response_url=standin.response_url())))
        check_limits(message)


def test_an_answer_too_long_for_one_message_is_cut_to_fit() -> None:
    huge = Reply(
        ReplyKind.ANSWER,
        "x" * 400,
        "summary",
        tuple(Section(f"heading {n}", tuple("line & <more> " * 40 for _ in range(30))) for n in range(40)),
        choices=tuple(Choice(f"choice {n} " * 20, "segment RR8") for n in range(30)),
    )
    message = blocks.message(huge, command="segment RR8", share=True)
    check_limits(message)
    assert len(message["blocks"]) == 50


def check_limits(message: dict) -> None:  # type: ignore[type-arg]
    assert len(message["blocks"]) <= blocks.MAX_BLOCKS
    for block in message["blocks"]:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.MAX_HEADER
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= blocks.MAX_TEXT
        if block["type"] == "section" and "fields" in block:
            assert len(block["fields"]) <= blocks.MAX_FIELDS
            assert all(len(f["text"]) <= blocks.MAX_FIELD_TEXT for f in block["fields"])
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= blocks.MAX_BUTTON_TEXT for e in block["elements"])


def test_an_unexpected_error_gets_a_reference_not_a_traceback(
    bolt: App, standin: SlackStandIn, oversight: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret words from a user")

    monkeypatch.setattr(oversight.conversation, "handle", broken)
    response = dispatch(bolt, slash_command("/segment", "RWR", response_url=standin.response_url()))
    assert response.status == 200
    text = json.loads(response.body)["text"]
    assert "something went wrong" in text and "reference" in text
    assert "Traceback" not in response.body and "secret words" not in response.body


def test_start_up_does_not_need_slack_to_be_reachable(seeded_db_url: str) -> None:
    unreachable = "http://127.0.0.1:9/api/"  # nothing listens on the discard port
    app = build(slack_settings(seeded_db_url, unreachable))
    bolt = settled_slack_app(app)
    message = reply_of(dispatch(bolt, slash_command("/segment", "RWR", response_url="http://127.0.0.1:9/r")))
    assert "(RWR)" in text_of(message)
    app.close()


def test_a_store_that_cannot_be_read_is_said_plainly(tmp_path: Path, standin: SlackStandIn) -> None:
    app = build(slack_settings(f"sqlite:///{tmp_path / 'store.db'}", standin.base_url, seed_on_first_use=False))
    bolt = settled_slack_app(app)
    with app.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE assessments")
        connection.exec_driver_sql("DROP TABLE imports")
    response = dispatch(bolt, slash_command("/segment", "RWR", response_url=standin.response_url()))
    assert "cannot be reached just now" in text_of(reply_of(response))
    app.close()
