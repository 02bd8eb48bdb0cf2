"""Raising a concern in Slack: signed commands, shortcuts and view submissions through the real
Bolt app, against a real SQLite store and the Slack stand-in."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import select

from oversight_bot.bootstrap import Application
from oversight_bot.slack import ids
from oversight_bot.store.tables import AuditRecordRow, ConcernReporterRow
from tests.integration.concerns.conftest import REPORTER, answers, counts, submit
from tests.integration.slack.conftest import dispatch, reply_of, text_of
from tests.slack_requests import block_action, slash_command
from tests.slack_standin import SlackStandIn

REFERENCE = re.compile(r"C-\d{4}-\d{6}")
NOTHING = {"concerns": 0, "reporters": 0, "audit": 0, "events": 0}


def opened_view(standin: SlackStandIn) -> dict[str, Any]:
    (call,) = standin.wait_for("views.open")
    view = call.body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def organisation_element(view: dict[str, Any]) -> dict[str, Any]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "organisation"]
    return dict(block["element"])


def test_concern_naming_a_trust_opens_the_form_with_it_filled_in(bolt: App, standin: SlackStandIn) -> None:
    response = dispatch(bolt, slash_command("/concern", "Leeds Teaching", response_url=standin.response_url()))
    assert response.status == 200 and response.body == ""  # the form opens; nothing is said in the channel
    view = opened_view(standin)
    assert view["callback_id"] == ids.CONCERN_FORM
    assert organisation_element(view)["initial_option"]["value"] == "RR8"
    shown = text_of(view)
    assert "Slack (or Teams) itself records who sent this form" in shown  # what anonymity cannot protect
    for label in ("Patient safety", "Fit and proper person (board member)", "Critical", "Anonymously"):
        assert label in json.dumps(view)


def test_concern_with_an_ambiguous_name_opens_the_form_for_the_reporter_to_choose(
    bolt: App, standin: SlackStandIn
) -> None:
    dispatch(bolt, slash_command("/concern", "Leeds", response_url=standin.response_url()))
    assert "initial_option" not in organisation_element(opened_view(standin))


def test_concern_help_explains_the_choices_without_opening_the_form(bolt: App, standin: SlackStandIn) -> None:
    answer = reply_of(dispatch(bolt, slash_command("/concern", "help", response_url=standin.response_url())))
    assert answer["response_type"] == "ephemeral"
    assert "only the Freedom to Speak Up guardian sees your name" in text_of(answer)
    assert standin.calls_to("views.open") == []


def test_a_valid_form_is_stored_before_the_reporter_is_told_and_the_reference_is_sent_to_them(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    answer = reply_of(submit(bolt, answers()))
    assert answer["response_action"] == "update"
    shown = text_of(answer["view"])
    (reference,) = set(REFERENCE.findall(shown))
    assert counts(oversight) == {"concerns": 1, "reporters": 1, "audit": 1, "events": 1}
    (message,) = standin.wait_for("chat.postMessage")
    assert message.body["channel"] == REPORTER and reference in message.body["text"]
    assert "ward 7" not in message.raw  # the reference, never the words


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("organisation", None, "Organisation is needed."),
        ("organisation", "ZZZ99", "Choose the organisation from the list."),
        ("category", None, "Choose a category."),
        ("category", "gossip", "Choose a category."),
        ("severity", None, "Choose how severe it is."),
        ("summary", None, "Summary is needed."),
        ("summary", "   ", "Summary is needed."),
        ("summary", "x" * 151, "Summary is 151 characters; at most 150, please."),
        ("summary", "two\nlines", "The summary is one line; put the rest in Details."),
        ("details", None, "Details is needed."),
        ("details", "y" * 3001, "Details is 3001 characters; at most 3000, please."),
        ("occurred_on", "2999-01-01", "That date is in the future."),
        ("occurred_on", "14/10/2026", "Give the date as a date, like 2026-11-20."),
        ("raised_as", None, "Choose how you want to raise it."),
    ],
)
def test_each_wrong_field_is_shown_against_it_and_nothing_is_filed(
    bolt: App, oversight: Application, standin: SlackStandIn, field: str, value: str | None, error: str
) -> None:
    answer = reply_of(submit(bolt, answers(**{field: value})))
    assert answer == {"response_action": "errors", "errors": {field: error}}
    assert counts(oversight) == NOTHING
    assert standin.calls_to("chat.postMessage") == []


def test_a_fit_and_proper_concern_needs_the_board_members_role_and_name(bolt: App, oversight: Application) -> None:
    answer = reply_of(submit(bolt, answers(category="fit_and_proper_person")))
    assert answer["errors"] == {
        "board_member_role": "Board member's role is needed.",
        "board_member_name": "Board member's name is needed.",
    }
    filed = reply_of(
        submit(
            bolt,
            answers(category="fit_and_proper_person", board_member_role="Chief executive", board_member_name="A N"),
        )
    )
    assert filed["response_action"] == "update"
    assert counts(oversight)["concerns"] == 1


def test_the_same_form_submitted_twice_files_one_concern_and_tells_the_reporter_once(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    first = text_of(reply_of(submit(bolt, answers(), view_id="VTWICE"))["view"])
    # A double click: the same form again, in a request of its own (signed at another moment).
    second = text_of(reply_of(submit(bolt, answers(), view_id="VTWICE", timestamp=int(time.time()) - 30))["view"])
    assert "This form was already filed" in second
    assert REFERENCE.findall(first) == REFERENCE.findall(second)
    assert counts(oversight) == {"concerns": 1, "reporters": 1, "audit": 1, "events": 1}
    standin.wait_for("chat.postMessage")
    assert len(standin.calls_to("chat.postMessage")) == 1
    another = text_of(reply_of(submit(bolt, answers(), view_id="VOTHER"))["view"])
    assert REFERENCE.findall(another) != REFERENCE.findall(first)  # a new form is a new concern


def test_an_anonymous_concern_keeps_no_trace_of_who_raised_it(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    whistleblower = "U0WHISTLE77"
    answer = reply_of(submit(bolt, answers(raised_as="anonymously"), user=whistleblower))
    assert "it is shown only here" in text_of(answer["view"])
    assert counts(oversight) == {"concerns": 1, "reporters": 0, "audit": 1, "events": 1}
    with oversight.session_factory() as session:
        (record,) = session.scalars(select(AuditRecordRow))
        assert record.actor == "anonymous"
    assert whistleblower not in database_text(oversight)
    assert standin.calls_to("chat.postMessage") == []  # no message ties the reference to them


def test_a_confidential_reporter_is_kept_apart_and_not_told_by_message(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    reply_of(submit(bolt, answers(raised_as="confidentially"), user="U0QUIET"))
    with oversight.session_factory() as session:
        (reporter,) = session.scalars(select(ConcernReporterRow))
        assert reporter.user_id == "U0QUIET" and reporter.confidential
        (record,) = session.scalars(select(AuditRecordRow))
        assert record.actor == "confidential reporter"
    assert standin.calls_to("chat.postMessage") == []


def test_when_the_store_cannot_be_reached_the_reporter_is_told_and_gets_every_word_back(
    bolt: App, oversight: Application, standin: SlackStandIn, seeded_db_url: str
) -> None:
    words = answers(summary="Rota pressure on ward 9", details="Staff were moved off the ward at night.")
    with held_exclusively(seeded_db_url):
        answer = reply_of(submit(bolt, words, view_id="VLOCKED"))
    assert answer["response_action"] == "push"  # over the form, which keeps every answer for a retry
    shown = text_of(answer["view"])
    assert "could not be stored just now, so it has not been filed" in shown
    assert "Rota pressure on ward 9" in shown and "Staff were moved off the ward at night." in shown
    assert counts(oversight) == NOTHING
    assert standin.calls_to("chat.postMessage") == []
    retried = reply_of(
        submit(bolt, words, view_id="VLOCKED", timestamp=int(time.time()) - 30)
    )  # the same form, once the store is back
    assert "Your concern is filed" in text_of(retried["view"])
    assert counts(oversight) == {"concerns": 1, "reporters": 1, "audit": 1, "events": 1}


def test_the_longest_details_come_back_whole_and_escaped_when_the_store_cannot_be_reached(
    bolt: App, oversight: Application, seeded_db_url: str
) -> None:
    details = ("Ward 9 <b> & bank staff; " * 200)[: 3000 - 3] + "END"  # as long as the form allows
    with held_exclusively(seeded_db_url):
        answer = reply_of(submit(bolt, answers(details=details), view_id="VLONG"))
    view = answer["view"]
    texts = [b["text"]["text"] for b in view["blocks"] if b.get("type") == "section"]
    assert all(len(text) <= 3000 for text in texts) and len(view["blocks"]) <= 100  # inside Slack's limits
    shown = "".join(texts)
    assert "<b>" not in shown  # escaped: nothing the reporter typed becomes markup
    unescaped = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert details in unescaped  # every character, the end included
    assert counts(oversight) == NOTHING


def test_an_organisations_segment_answer_counts_its_open_concerns(bolt: App, standin: SlackStandIn) -> None:
    def segment_text(asked: str) -> str:
        command = slash_command("/segment", "RR8", response_url=standin.response_url(asked))
        return text_of(reply_of(dispatch(bolt, command)))

    assert re.search(r"Open concerns\*?\n0", segment_text("before"))
    submit(bolt, answers(), view_id="VCOUNT1")
    submit(bolt, answers(summary="A second matter"), view_id="VCOUNT2")
    shown = segment_text("after")
    assert re.search(r"Open concerns\*?\n2", shown), shown
    assert "ward 7" not in shown and "second matter" not in shown  # the count only


class held_exclusively:
    """Another process holding the SQLite file's write lock past the store's busy timeout."""

    def __init__(self, url: str) -> None:
        self.path = url.removeprefix("sqlite:///")

    def __enter__(self) -> None:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("BEGIN EXCLUSIVE")

    def __exit__(self, *_: object) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def database_text(app: Application) -> str:
    """Every value in every table of the store, as text."""
    from sqlalchemy import inspect, text

    found: list[str] = []
    with app.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                found.append(" ".join(str(value) for value in row))
    return "\n".join(found)


def test_the_home_tabs_button_opens_the_form(bolt: App, standin: SlackStandIn) -> None:
    button = block_action(ids.HOME_CONCERN, "", response_url=standin.response_url("home"), user=REPORTER)
    assert dispatch(bolt, button).status == 200
    view = opened_view(standin)
    assert view["callback_id"] == ids.CONCERN_FORM and "initial_option" not in organisation_element(view)
