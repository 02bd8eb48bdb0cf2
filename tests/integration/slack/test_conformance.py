"""The Slack adapter against what Slack publishes: request bodies shaped as Slack sends them
(modelled on bolt-python's own scenario tests, tests/scenario_tests/: slash commands, block_actions,
block_suggestion, view_submission, view_closed, shortcuts, event_callback with Enterprise Grid
fields and retries), and every surface the app sends checked by slack_sdk's own Block Kit models
(`slack_sdk.models`, whose `validate_json` enforces Slack's documented lengths and counts)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.views import View
from sqlalchemy import select

from oversight_bot.bootstrap import Application, build
from oversight_bot.chat.concerning import FormView
from oversight_bot.config import Settings
from oversight_bot.domain.concerns import SEVERITY_GUIDANCE
from oversight_bot.slack import blocks, concern_views, ids
from oversight_bot.slack.actors import workspace_ids, workspace_key
from oversight_bot.slack.app import installation_store, slack_tokens
from oversight_bot.store.tables import SubscriptionRow
from tests.integration.slack.conftest import dispatch, reply_of, text_of
from tests.slack_requests import TEAM, block_suggestion, bolt_request, form, payload, slash_command, view_submission
from tests.slack_standin import SlackStandIn

ENTERPRISE = "E0GRIDORG"


def valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()  # raises SlackObjectFormationError naming the broken limit


def sent_view(body: dict[str, Any]) -> dict[str, Any]:
    view = body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def valid_blocks(message: dict[str, Any]) -> None:
    assert len(message["blocks"]) <= 50
    for block in Block.parse_all(message["blocks"]):
        block.validate_json()


def grid_command(text: str, response_url: str, command: str = "/oversight") -> str:
    """A slash command from a workspace of an Enterprise Grid org, as Slack sends it."""
    return form(
        {"token": "legacy", "team_id": TEAM, "team_domain": "standin", "enterprise_id": ENTERPRISE,
         "enterprise_name": "NHS England", "channel_id": "C0GRID", "channel_name": "oversight",
         "user_id": "U0ASKER", "user_name": "asker", "command": command, "text": text, "api_app_id": "A0APP",
         "is_enterprise_install": "false", "response_url": response_url, "trigger_id": "1.2.trigger"}
    )  # fmt: skip


def event_body(inner: dict[str, Any], *, enterprise: str | None = None) -> str:
    return json.dumps(
        {"token": "legacy", "team_id": TEAM, "enterprise_id": enterprise, "api_app_id": "A0APP",
         "type": "event_callback", "event_id": f"Ev{inner['type']}", "event_time": 1700000000, "event": inner,
         "authorizations": [{"enterprise_id": enterprise, "team_id": TEAM, "user_id": "U0BOT", "is_bot": True,
                             "is_enterprise_install": False}], "is_ext_shared_channel": False}
    )  # fmt: skip


def test_text_slack_escaped_is_read_as_typed_once(bolt: App, standin: SlackStandIn) -> None:
    answer = reply_of(dispatch(bolt, slash_command("/segment", "Guy's &amp; St Thomas'", response_url="x")))
    assert "Guy's and St Thomas' NHS Foundation Trust (RJ1)" in text_of(answer)
    subscribed = reply_of(
        dispatch(bolt, slash_command("/oversight", "subscribe Guy's &amp; St Thomas'", response_url="y"))
    )
    assert "(RJ1)" in text_of(subscribed) and "&amp;amp;" not in json.dumps(subscribed)
    options = reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, "Guy's &amp; St")))["options"]
    assert options[0]["value"] == "RJ1"
    unknown = reply_of(dispatch(bolt, slash_command("/segment", "Smith &amp; Jones &lt;b&gt;", response_url="z")))
    assert "Smith &amp; Jones &lt;b&gt;" in text_of(unknown)  # escaped once, on the way out only


@pytest.mark.parametrize("typed", ["NHS", "Trust", "the", "and", "Foundation", "NHS Trust", "RR", "R0"])
def test_the_typeahead_offers_options_for_common_words_and_code_prefixes(bolt: App, typed: str) -> None:
    options = reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, typed)))["options"]
    assert options, typed
    for option in options:
        Option(**option).validate_json()
        label = option["text"]["text"]
        assert label.endswith(f"({option['value']})")  # the code is never cut off
        assert label != label.upper()  # names as people write them, not the register's capitals
    if typed.startswith("R"):
        assert all(o["value"].startswith(typed) for o in options)


def test_a_long_name_is_shortened_at_a_word_and_keeps_its_code() -> None:
    name = "Birmingham and Solihull Mental Health NHS Foundation Trust and Partners in Care"
    (option,) = blocks.organisation_options([("RXT", name)])
    text = option["text"]["text"]
    assert len(text) <= 75 and text.endswith("… (RXT)") and text.removesuffix("… (RXT)") in name
    assert name.startswith(text.removesuffix("… (RXT)") + " ")  # cut between words, never inside one


def test_errors_answer_in_the_shape_slack_expects(
    bolt: App, oversight: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(oversight.conversation, "suggest_organisations", broken)
    assert reply_of(dispatch(bolt, block_suggestion(ids.ORGANISATION_SELECT, "Leeds"))) == {"options": []}
    monkeypatch.setattr(oversight.conversation, "handle", broken)
    state = {
        ids.LOOKUP_BLOCK: {ids.ORGANISATION_SELECT: {"type": "external_select", "selected_option": {"value": "RR8"}}}
    }
    answer = reply_of(dispatch(bolt, view_submission(ids.LOOKUP_MODAL, state)))
    assert answer["response_action"] == "push" and "reference" in text_of(answer["view"])
    valid_view(answer["view"])


def test_a_closed_view_a_shortcut_and_a_retried_event_are_acknowledged(bolt: App, standin: SlackStandIn) -> None:
    closed = payload({"type": "view_closed", "team": {"id": TEAM}, "user": {"id": "U0ASKER"}, "api_app_id": "A0APP",
                      "view": {"id": "V1", "type": "modal", "callback_id": ids.CONCERN_FORM, "state": {"values": {}}},
                      "is_cleared": False})  # fmt: skip
    assert dispatch(bolt, closed).status == 200
    shortcut = payload({"type": "shortcut", "token": "legacy", "action_ts": "1", "team": {"id": TEAM},
                        "user": {"id": "U0ASKER", "team_id": TEAM}, "callback_id": ids.CONCERN_SHORTCUT,
                        "trigger_id": "1.2.trigger"})  # fmt: skip
    assert dispatch(bolt, shortcut).status == 200
    valid_view(sent_view(standin.wait_for("views.open")[0].body))
    home = event_body({"type": "app_home_opened", "user": "U0VIEWER", "channel": "D1", "tab": "home"})
    retried = bolt_request(home, json_body=True)  # Slack's retry of an event it thinks was not answered in time
    retried.headers |= {"x-slack-retry-num": ["1"], "x-slack-retry-reason": ["http_timeout"]}
    assert bolt.dispatch(retried).status == 200


def test_every_surface_passes_slack_sdks_block_kit_validation(
    bolt: App, oversight: Application, standin: SlackStandIn
) -> None:
    for text in ("segment RR8", "why RR8", "history RR8", "league acute", "list segment:4", "help", "segment Leeds",
                 "metric RR8", "metric RWR sickness", "trend RWR", "compare RR8, RHM", "league acute Q1",
                 "metric RR8 staff survey"):  # fmt: skip
        valid_blocks(reply_of(dispatch(bolt, slash_command("/oversight", text, response_url=standin.response_url()))))
    for sent in standin.calls_to("response:r1"):  # the answers again, with their charts
        valid_blocks(sent.body)
    concerning = oversight.conversation.concerning
    assert concerning is not None
    form_view = concerning.open_form("Leeds Teaching")
    valid_view(concern_views.concern_form(form_view))
    valid_view(blocks.lookup_modal())
    valid_view(concern_views.reveal_view("C-2026-000001", concerning.reveal_prompt("C-2026-000001")))
    valid_view(concern_views.not_stored_view(FormView("V", values={"summary": "s", "details": "<&>" * 1000})))
    dispatch(bolt, event_body({"type": "app_home_opened", "user": "U0VIEWER", "channel": "D1", "tab": "home"}),
             json_body=True)  # fmt: skip
    valid_view(sent_view(standin.wait_for("views.publish")[0].body))


def test_a_severity_description_is_shown_whole(oversight: Application) -> None:
    concerning = oversight.conversation.concerning
    assert concerning is not None
    view = concern_views.concern_form(concerning.open_form())
    (severity,) = [b for b in view["blocks"] if b.get("block_id") == "severity"]
    shown = [o["description"]["text"] for o in severity["element"]["options"]]
    assert shown == list(SEVERITY_GUIDANCE.values())  # each within Slack's 75 characters, none cut


def test_enterprise_grid_workspaces_are_named_with_their_org(bolt: App, oversight: Application) -> None:
    assert workspace_ids(workspace_key(ENTERPRISE, TEAM)) == (ENTERPRISE, TEAM)
    assert workspace_ids(workspace_key(None, TEAM)) == (None, TEAM)
    dispatch(bolt, grid_command("subscribe RR8", "g"))
    with oversight.session_factory() as session:
        (row,) = session.scalars(select(SubscriptionRow))
    assert (row.workspace, row.channel) == (f"{ENTERPRISE}:{TEAM}", "C0GRID")


def test_an_install_in_a_grid_workspace_is_found_for_alerts(seeded_db_url: str) -> None:
    from slack_sdk.oauth.installation_store import Installation

    settings = Settings(database_url=seeded_db_url, slack_client_id="1.2", slack_client_secret="s",
                        slack_signing_secret="s")  # fmt: skip
    app = build(settings)
    try:
        store = installation_store("1.2", app.engine)
        installed = Installation(app_id="A0APP", enterprise_id=ENTERPRISE, team_id=TEAM, user_id="U0",
                                 bot_token="xoxb-grid", bot_id="B0", bot_user_id="U0BOT")  # fmt: skip
        store.save(installed)
        assert slack_tokens(settings, app.engine)(workspace_key(ENTERPRISE, TEAM)) == "xoxb-grid"
    finally:
        app.close()


@pytest.mark.parametrize(
    ("inner", "reason"),
    [
        ({"type": "app_uninstalled"}, "removed from this Slack workspace"),
        ({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}, "bot token was revoked"),
    ],
)
def test_an_uninstall_stops_the_workspaces_alerts_with_the_reason_shown(
    bolt: App, oversight: Application, inner: dict[str, Any], reason: str
) -> None:
    dispatch(bolt, slash_command("/oversight", "subscribe RR8", response_url="s"))
    assert dispatch(bolt, event_body(inner), json_body=True).status == 200
    listing = text_of(reply_of(dispatch(bolt, slash_command("/oversight", "subscriptions", response_url="l"))))
    assert "STOPPED" in listing and reason in listing


def test_a_users_revoked_token_alone_stops_nothing(bolt: App) -> None:
    dispatch(bolt, slash_command("/oversight", "subscribe RR8", response_url="s"))
    dispatch(bolt, event_body({"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"]}}), json_body=True)
    listing = text_of(reply_of(dispatch(bolt, slash_command("/oversight", "subscriptions", response_url="l"))))
    assert "STOPPED" not in listing
