"""Reading and triaging concerns in Slack: the View button, the role check at the moment of
viewing, every view recorded, states moved in the modal, and the listing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import select

from oversight_bot.bootstrap import Application
from oversight_bot.chat.concerning import STORE_DOWN_TRIAGE
from oversight_bot.domain.actors import Actor
from oversight_bot.slack import ids
from oversight_bot.store.tables import AuditRecordRow
from tests.integration.concerns.conftest import GUARDIAN, REPORTER, TRIAGER, answers, submit, submit_view
from tests.integration.concerns.test_slack_form import held_exclusively
from tests.integration.slack.conftest import buttons_of, dispatch, reply_of, text_of
from tests.slack_requests import block_action, slash_command
from tests.slack_standin import SlackStandIn

READER = "U0READER"  # in the workspace, with no role beyond reading


def file(bolt: App, view_id: str = "VFILE", **fields: str | None) -> str:
    shown = text_of(reply_of(submit(bolt, answers(**fields), view_id=view_id))["view"])
    match = re.search(r"C-\d{4}-\d{6}", shown)
    assert match, shown
    return match.group()


def audit_trail(app: Application) -> list[tuple[str, str, str | None]]:
    with app.session_factory() as session:
        return [(r.action, r.actor, r.reference) for r in session.scalars(select(AuditRecordRow))]


def reveal(bolt: App, reference: str, user: str) -> dict[str, Any]:
    answer = reply_of(submit_view(bolt, ids.REVEAL_CONCERN, reference, user))
    assert answer["response_action"] == "update"
    return dict(answer["view"])


def test_the_view_button_asks_first_then_shows_the_concern_to_the_oversight_team_and_records_it(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    reference = file(bolt)
    button = block_action(f"{ids.VIEW_CONCERN}:0", reference, response_url=standin.response_url(), user=TRIAGER)
    assert dispatch(bolt, button).status == 200
    (opened,) = standin.wait_for("views.open")
    assert reference in opened.raw and "ward 7" not in opened.raw  # the words only after choosing to see them
    shown = text_of(reveal(bolt, reference, TRIAGER))
    assert "Delayed escalation of deteriorating patients on ward 7" in shown
    assert "Observations were not acted on" in shown
    assert f"<@{REPORTER}>" in shown  # raised openly: the oversight team may see who
    assert audit_trail(oversight)[-1] == ("viewed", TRIAGER, reference)


def test_someone_without_a_triage_role_sees_nothing_and_the_attempt_is_recorded(
    bolt: App, oversight: Application
) -> None:
    reference = file(bolt)
    shown = text_of(reveal(bolt, reference, READER))
    assert "Only the oversight team, the Freedom to Speak Up guardian and admins may do that." in shown
    assert "ward 7" not in shown
    assert audit_trail(oversight)[-1] == ("view refused", READER, reference)


def test_only_the_guardian_sees_who_raised_a_concern_confidentially(bolt: App) -> None:
    reference = file(bolt, raised_as="confidentially")
    to_oversight = text_of(reveal(bolt, reference, TRIAGER))
    assert "raised confidentially: only the Freedom to Speak Up guardian sees who" in to_oversight
    assert REPORTER not in to_oversight
    assert f"<@{REPORTER}>" in text_of(reveal(bolt, reference, GUARDIAN))


def test_nobody_sees_who_raised_an_anonymous_concern(bolt: App) -> None:
    reference = file(bolt, raised_as="anonymously")
    for viewer in (TRIAGER, GUARDIAN):
        shown = text_of(reveal(bolt, reference, viewer))
        assert REPORTER not in shown and "Raised\nanonymously" in shown.replace("*", "")


@pytest.mark.parametrize(
    ("summary", "details"),
    [
        ("<!channel> ward 7 is unsafe", "Tell <!everyone> and <!here>"),
        ("See <https://evil.example|the rota>", "<@U0BOSS> knew; <#C0GENERAL> too & more"),
    ],
)
def test_what_a_reporter_wrote_is_shown_escaped_so_it_cannot_ping_or_disguise_a_link(
    bolt: App, summary: str, details: str
) -> None:
    reference = file(bolt, summary=summary, details=details)
    shown = text_of(reveal(bolt, reference, TRIAGER))
    for written in (summary, details):
        assert written.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in shown
    assert "<!" not in shown and "<https://evil" not in shown and "<#C0GENERAL>" not in shown


def test_triage_moves_a_concern_through_its_states_and_closing_needs_an_outcome(
    bolt: App, oversight: Application
) -> None:
    reference = file(bolt)

    def move(state: str, outcome: str | None = None, user: str = TRIAGER) -> dict[str, Any]:
        values = {
            ids.TRIAGE_STATE: {ids.TRIAGE_STATE: {"type": "static_select", "selected_option": {"value": state}}},
            ids.TRIAGE_OUTCOME: {ids.TRIAGE_OUTCOME: {"type": "plain_text_input", "value": outcome}},
        }
        return dict(reply_of(submit_view(bolt, ids.TRIAGE_CONCERN, reference, user, values)))

    assert "Status*\nacknowledged" in text_of(move("acknowledged")["view"])
    refused = move("new")
    assert refused["response_action"] == "errors" and "It is acknowledged now" in refused["errors"][ids.TRIAGE_STATE]
    assert "Status*\nescalated" in text_of(move("escalated")["view"])  # to the regional team
    assert move("closed") == {
        "response_action": "errors",
        "errors": {ids.TRIAGE_OUTCOME: "Say what was found and done, to close it."},
    }
    closed = text_of(move("closed", "Escalation pathway retrained; audit in March.")["view"])
    assert "Status*\nclosed" in closed and "Escalation pathway retrained" in closed
    assert "Only the oversight team" in text_of(move("investigating", user=READER)["view"])
    moves = [(a, r) for a, _, r in audit_trail(oversight) if a == "status changed"]
    assert moves == [("status changed", reference)] * 3


def test_the_oversight_team_lists_concerns_by_organisation_and_state_and_others_are_refused(
    bolt: App, standin: SlackStandIn
) -> None:
    first = file(bolt, "VLIST1")
    second = file(
        bolt, "VLIST2", organisation="RWR", summary="Board minutes withheld", category="governance_leadership"
    )

    def listing(text: str, user: str) -> dict[str, Any]:
        command = slash_command("/oversight", text, response_url=standin.response_url(text + user), user=user)
        return reply_of(dispatch(bolt, command))

    everything = listing("concerns", TRIAGER)
    assert everything["response_type"] == "ephemeral"
    shown = text_of(everything)
    assert first in shown and second in shown
    assert "Board minutes withheld" not in shown  # headlines: organisation, category, severity, state
    assert "Share in channel" not in buttons_of(everything)  # never offered for sharing
    about_leeds = text_of(listing("concerns Leeds Teaching", TRIAGER))
    assert first in about_leeds and second not in about_leeds
    assert first not in text_of(listing("concerns closed", TRIAGER))
    refused = text_of(listing("concerns", READER))
    assert "Only the oversight team" in refused and first not in refused


def test_a_critical_governance_concern_is_flagged_for_the_lead_and_the_segment_is_left_alone(
    bolt: App, standin: SlackStandIn
) -> None:
    def segment() -> str:
        command = slash_command("/segment", "RR8", response_url=standin.response_url(f"s{len(standin.calls)}"))
        return text_of(reply_of(dispatch(bolt, command))).split("Open concerns")[0]

    before = segment()
    filed = text_of(reply_of(submit(bolt, answers(category="governance_leadership", severity="critical")))["view"])
    assert "flag it for the oversight lead's attention" in filed
    medium = text_of(
        reply_of(submit(bolt, answers(category="governance_leadership", severity="medium"), view_id="V2"))["view"]
    )
    assert "flag" not in medium
    command = slash_command("/oversight", "concerns", response_url=standin.response_url("list"), user=TRIAGER)
    listed = text_of(reply_of(dispatch(bolt, command)))
    assert listed.count("FLAGGED for segment review") == 1
    assert segment() == before  # the bot never changes a segment by itself


def test_a_share_button_forged_to_run_view_posts_nothing_in_the_channel(bolt: App, standin: SlackStandIn) -> None:
    reference = file(bolt)
    forged = block_action(ids.SHARE, f"view {reference}", response_url=standin.response_url("forged"), user=TRIAGER)
    assert dispatch(bolt, forged).status == 200
    (answer,) = standin.wait_for("response:forged")
    assert answer.body["response_type"] == "ephemeral" and "cannot be shared" in answer.body["text"]
    assert "ward 7" not in answer.raw


def test_a_triage_the_store_cannot_take_is_refused_in_the_modal_which_keeps_what_was_typed(
    bolt: App, oversight: Application, seeded_db_url: str
) -> None:
    reference = file(bolt)
    values = {
        ids.TRIAGE_STATE: {ids.TRIAGE_STATE: {"type": "static_select", "selected_option": {"value": "closed"}}},
        ids.TRIAGE_OUTCOME: {ids.TRIAGE_OUTCOME: {"type": "plain_text_input", "value": "Retrained"}},
    }
    with held_exclusively(seeded_db_url):
        answer = reply_of(submit_view(bolt, ids.TRIAGE_CONCERN, reference, TRIAGER, values))
    # `errors` leaves the modal open with its inputs as they were: nothing typed is lost.
    assert answer == {"response_action": "errors", "errors": {ids.TRIAGE_STATE: STORE_DOWN_TRIAGE}}
    (concern,) = oversight.concerns.listing(Actor("console", "operator"))
    assert concern.status.value == "new"


def test_a_typed_triage_the_store_cannot_take_gives_back_the_outcome_privately(
    bolt: App, oversight: Application, standin: SlackStandIn, seeded_db_url: str
) -> None:
    reference = file(bolt)
    typed = f"triage {reference} closed Ward staffing restored; matron review in June."
    command = slash_command("/oversight", typed, response_url=standin.response_url("down"), user=TRIAGER)
    with held_exclusively(seeded_db_url):
        answer = reply_of(dispatch(bolt, command))
    assert answer["response_type"] == "ephemeral"
    shown = text_of(answer)
    assert "not saved" in shown and typed in shown  # Slack has cleared the message box: here it is again
    assert "Share in channel" not in buttons_of(answer)
    (concern,) = oversight.concerns.listing(Actor("console", "operator"))
    assert concern.status.value == "new"
