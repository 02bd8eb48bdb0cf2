"""Concerns in Teams: the form in a dialog (task module) with the same fields, validation and
confidentiality as Slack's modal; filing, the typeahead, viewing and triage, over real HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from oversight_bot.bootstrap import Application
from oversight_bot.domain.actors import Actor
from oversight_bot.store.tables import AuditRecordRow
from tests.integration.concerns.conftest import answers, counts
from tests.integration.concerns.test_slack_form import NOTHING, database_text, held_exclusively
from tests.integration.teams.conftest import TRIAGER_AAD, buttons_of, dialog_card, only_card, post, text_of
from tests.teams_activities import PERSONAL, channel_message, personal_message, task_fetch, task_submit
from tests.teams_standin import ConnectorStandIn

REFERENCE = re.compile(r"C-\d{4}-\d{6}")
WHISTLEBLOWER = "00000000-0000-4000-8000-00000000c0de"


def open_form(teams_url: str, connector: ConnectorStandIn, text: str = "concern Leeds Teaching") -> dict[str, Any]:
    launcher = only_card(post(teams_url, channel_message(connector.service_url, text)))
    data = buttons_of(launcher)["Raise a concern"]
    assert data["msteams"] == {"type": "task/fetch"}  # a dialog, private to whoever presses it
    return dialog_card(post(teams_url, task_fetch(connector.service_url, data)))


def form_id_of(form: dict[str, Any]) -> str:
    return str(buttons_of(form)["Submit"]["form_id"])


def submit(
    teams_url: str, connector: ConnectorStandIn, values: dict[str, Any], form_id: str = "F1", **who: Any
) -> httpx.Response:
    data = {"verb": "file_concern", "form_id": form_id, **{k: v for k, v in values.items() if v is not None}}
    return post(teams_url, task_submit(connector.service_url, data, **who))


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {element["id"]: element for element in card["body"] if str(element.get("type", "")).startswith("Input.")}


def test_the_concern_command_offers_the_form_in_a_dialog_with_the_organisation_filled_in(
    teams_url: str, connector: ConnectorStandIn
) -> None:
    form = open_form(teams_url, connector)
    fields = inputs(form)
    assert list(fields) == [
        "organisation", "category", "severity", "summary", "details", "occurred_on", "raised_as",
        "board_member_role", "board_member_name",
    ]  # fmt: skip
    assert fields["organisation"]["value"] == "RR8"
    assert "choices.data" not in json.dumps(form) and form["version"] == "1.5"  # no typeahead: Teams' dialogs
    assert {c["value"] for c in fields["severity"]["choices"]} == {"low", "medium", "high", "critical"}
    assert "Slack (or Teams) itself records who sent this form" in text_of(form)
    assert connector.posts == []


def test_an_organisation_typed_in_the_dialog_is_resolved_when_the_form_is_sent(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    form_id = form_id_of(open_form(teams_url, connector))
    ambiguous = dialog_card(submit(teams_url, connector, answers(organisation="Leeds"), form_id))
    assert "More than one organisation matches Leeds" in text_of(ambiguous) and "(RR8)" in text_of(ambiguous)
    assert counts(oversight)["concerns"] == 0
    assert inputs(ambiguous)["summary"]["value"] == answers()["summary"]  # nothing typed is lost
    filed = text_of(dialog_card(submit(teams_url, connector, answers(organisation="Leeds Teaching"), form_id)))
    assert "Your concern is filed" in filed and counts(oversight)["concerns"] == 1


def test_a_valid_form_is_filed_and_the_dialog_shows_the_reference(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    form_id = form_id_of(open_form(teams_url, connector))
    shown = text_of(dialog_card(submit(teams_url, connector, answers(), form_id)))
    assert REFERENCE.search(shown) and "Your concern is filed" in shown
    assert "Write the reference down now: it is shown only here." in shown  # from a channel, no message follows
    assert counts(oversight) == {"concerns": 1, "reporters": 1, "audit": 1, "events": 1}
    assert connector.posts == []  # filed from a channel: nothing is posted there


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("organisation", None, "Organisation is needed."),
        ("category", "gossip", "Choose a category."),
        ("summary", "x" * 151, "Summary is 151 characters; at most 150, please."),
        ("details", None, "Details is needed."),
        ("details", "y" * 3001, "Details is 3001 characters; at most 3000, please."),
        ("occurred_on", "2999-01-01", "That date is in the future."),
        ("raised_as", None, "Choose how you want to raise it."),
    ],
)
def test_a_wrong_field_is_shown_under_it_with_every_answer_kept_and_nothing_filed(
    teams_url: str, connector: ConnectorStandIn, oversight: Application, field: str, value: str | None, error: str
) -> None:
    values = answers(**{field: value})
    form = dialog_card(submit(teams_url, connector, values))
    body = form["body"]
    position = next(i for i, element in enumerate(body) if element.get("id") == field)
    assert body[position + 1]["text"] == error  # right under the field
    kept = inputs(form)
    for name, answer in values.items():
        if answer is not None and name != field:
            assert kept[name]["value"] == answer
    assert counts(oversight) == NOTHING


def test_the_same_form_submitted_twice_files_one_concern(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    first = text_of(dialog_card(submit(teams_url, connector, answers(), "SAME")))
    second = text_of(dialog_card(submit(teams_url, connector, answers(), "SAME")))
    assert "This form was already filed" in second
    assert REFERENCE.findall(first) == REFERENCE.findall(second)
    assert counts(oversight)["concerns"] == 1


def test_raised_openly_in_a_personal_chat_the_reference_is_also_sent_there(
    teams_url: str, connector: ConnectorStandIn
) -> None:
    shown = text_of(dialog_card(submit(teams_url, connector, answers(), "OPEN", personal=True)))
    (reference,) = set(REFERENCE.findall(shown))
    (message,) = connector.wait_for(1)
    assert message.conversation == PERSONAL and reference in message.body["text"]
    assert "ward 7" not in str(message.body)


def test_an_anonymous_concern_keeps_no_trace_of_who_raised_it(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    values = answers(raised_as="anonymously")
    shown = text_of(dialog_card(submit(teams_url, connector, values, "ANON", personal=True, user_aad=WHISTLEBLOWER)))
    assert "it is shown only here" in shown
    assert counts(oversight)["reporters"] == 0
    with oversight.session_factory() as session:
        assert [r.actor for r in session.scalars(select(AuditRecordRow))] == ["anonymous"]
    # The conversation's address is kept (to answer there), but nothing names the reporter.
    assert WHISTLEBLOWER not in database_text(oversight)
    assert connector.posts == []


def test_when_the_store_cannot_be_reached_the_form_comes_back_whole(
    teams_url: str, connector: ConnectorStandIn, oversight: Application, seeded_db_url: str
) -> None:
    values = answers(summary="Rota pressure on ward 9")
    post(teams_url, channel_message(connector.service_url, "help"))  # the conversation is known already
    with held_exclusively(seeded_db_url):
        form = dialog_card(submit(teams_url, connector, values, "DOWN"))
    assert "could not be stored just now, so it has not been filed" in text_of(form)
    assert inputs(form)["summary"]["value"] == "Rota pressure on ward 9"
    assert inputs(form)["details"]["value"] == values["details"]
    assert counts(oversight) == NOTHING
    assert "Your concern is filed" in text_of(dialog_card(submit(teams_url, connector, values, "DOWN")))


def test_viewing_is_role_checked_recorded_and_escaped_and_triage_moves_the_concern(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    written = answers(summary="See [the rota](https://evil.example) <at>Boss</at>", raised_as="confidentially")
    filed = text_of(dialog_card(submit(teams_url, connector, written, "VIEWED")))
    (reference,) = set(REFERENCE.findall(filed))

    launcher = only_card(
        post(teams_url, personal_message(connector.service_url, f"view {reference}", user_aad=TRIAGER_AAD))
    )
    view = buttons_of(launcher)["View"]
    step = dialog_card(post(teams_url, task_fetch(connector.service_url, view, user_aad=TRIAGER_AAD)))
    assert "viewing is recorded" in text_of(step) and "rota" not in text_of(step)

    show = buttons_of(step)["Show"]
    details = dialog_card(post(teams_url, task_submit(connector.service_url, show, user_aad=TRIAGER_AAD)))
    summary = next(e["text"] for e in details["body"] if "rota" in str(e.get("text")))
    assert "](https" not in summary and "<at>" not in summary  # no link, no mention: shown as written
    assert summary.replace("\u2060", "") == written["summary"]
    assert "only the Freedom to Speak Up guardian sees who" in text_of(details)

    refused = dialog_card(post(teams_url, task_submit(connector.service_url, show)))  # someone without a role
    assert "Only the oversight team" in text_of(refused) and "rota" not in text_of(refused)
    with oversight.session_factory() as session:
        actions = [r.action for r in session.scalars(select(AuditRecordRow).order_by(AuditRecordRow.seq))]
    assert actions == ["created", "viewed", "view refused"]

    save = buttons_of(details)["Save"]
    no_outcome = dialog_card(
        post(teams_url, task_submit(connector.service_url, save | {"triage_state": "closed"}, user_aad=TRIAGER_AAD))
    )
    assert "Say what was found and done, to close it." in text_of(no_outcome)
    moved = save | {"triage_state": "escalated"}
    escalated = dialog_card(post(teams_url, task_submit(connector.service_url, moved, user_aad=TRIAGER_AAD)))
    assert "Status\nescalated" in text_of(escalated)
    (concern,) = oversight.concerns.listing(Actor("console", "operator"))
    assert concern.status.value == "escalated"


def test_triage_typed_in_a_channel_is_refused_and_changes_nothing(
    teams_url: str, connector: ConnectorStandIn, oversight: Application
) -> None:
    (reference,) = set(REFERENCE.findall(text_of(dialog_card(submit(teams_url, connector, answers(), "T1")))))
    typed = f"triage {reference} close Retrained the ward team"
    said = text_of(only_card(post(teams_url, channel_message(connector.service_url, typed, user_aad=TRIAGER_AAD))))
    assert "only in a personal chat" in said
    (concern,) = oversight.concerns.listing(Actor("console", "operator"))
    assert concern.status.value == "new" and concern.outcome is None
    moved = text_of(only_card(post(teams_url, personal_message(connector.service_url, typed, user_aad=TRIAGER_AAD))))
    assert f"{reference} is now closed" in moved


def test_a_triage_the_store_cannot_take_keeps_the_choice_and_the_outcome(
    teams_url: str, connector: ConnectorStandIn, oversight: Application, seeded_db_url: str
) -> None:
    (reference,) = set(REFERENCE.findall(text_of(dialog_card(submit(teams_url, connector, answers(), "T2")))))
    save = {"verb": "triage_concern", "reference": reference, "triage_state": "closed",
            "triage_outcome": "Escalation pathway retrained"}  # fmt: skip
    with held_exclusively(seeded_db_url):
        retry = dialog_card(post(teams_url, task_submit(connector.service_url, save, user_aad=TRIAGER_AAD)))
    assert f"so {reference} was not changed" in text_of(retry)
    kept = inputs(retry)
    assert kept["triage_state"]["value"] == "closed"
    assert kept["triage_outcome"]["value"] == "Escalation pathway retrained"
    again = buttons_of(retry)["Save"] | {k: v["value"] for k, v in kept.items()}
    done = text_of(dialog_card(post(teams_url, task_submit(connector.service_url, again, user_aad=TRIAGER_AAD))))
    assert "Status\nclosed" in done and "Escalation pathway retrained" in done
