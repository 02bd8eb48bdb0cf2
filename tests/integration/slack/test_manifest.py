"""manifest.yml and the app agree: every command, event and scope in one has its counterpart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App

from oversight_bot.slack import ids
from oversight_bot.slack.app import BOT_SCOPES
from tests.integration.slack.conftest import dispatch, reply_of
from tests.slack_requests import event, payload, slash_command
from tests.slack_standin import SlackStandIn

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text(encoding="utf-8")))


def manifest_commands(manifest: dict[str, Any]) -> set[str]:
    return {command["command"] for command in manifest["features"]["slash_commands"]}


def test_every_command_in_the_manifest_has_a_listener_and_the_reverse(manifest: dict[str, Any]) -> None:
    assert manifest_commands(manifest) == set(ids.COMMANDS)


def test_every_manifest_command_is_answered_by_the_app(
    manifest: dict[str, Any], bolt: App, standin: SlackStandIn
) -> None:
    for command in manifest_commands(manifest):
        response = dispatch(bolt, slash_command(command, "help", response_url=standin.response_url()))
        assert reply_of(response)["blocks"], command  # a listener answered; an unhandled command gets 404
    unknown = dispatch(bolt, slash_command("/not-in-manifest", "help", response_url=standin.response_url()))
    assert unknown.status == 404


def test_every_subscribed_event_is_handled(manifest: dict[str, Any], bolt: App) -> None:
    for name in manifest["settings"]["event_subscriptions"]["bot_events"]:
        response = dispatch(bolt, event({"type": name, "user": "U0VIEWER", "tab": "messages"}), json_body=True)
        assert response.status == 200, name


def test_scopes_are_least_privilege_and_match_what_oauth_asks_for(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"]["bot"] == BOT_SCOPES


def test_the_manifest_enables_what_the_app_uses(manifest: dict[str, Any]) -> None:
    features, settings = manifest["features"], manifest["settings"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True  # buttons, the lookup modal, typeahead
    assert settings["socket_mode_enabled"] is True  # the README's two-variable set-up
    assert all(len(c["description"]) <= 100 for c in features["slash_commands"])


def test_the_shortcut_in_the_manifest_opens_the_concern_form(
    manifest: dict[str, Any], bolt: App, standin: SlackStandIn
) -> None:
    (shortcut,) = manifest["features"]["shortcuts"]
    body = payload({"type": "shortcut", "callback_id": shortcut["callback_id"], "trigger_id": "9.9.trigger",
                    "team": {"id": "T0STANDIN"}, "user": {"id": "U0ASKER"}})  # fmt: skip
    assert dispatch(bolt, body).status == 200
    (opened,) = standin.wait_for("views.open")
    assert opened.body["trigger_id"] == "9.9.trigger"
