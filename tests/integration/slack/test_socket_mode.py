"""Socket Mode end to end: the bot asks the stand-in for a websocket, connects, and answers on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from oversight_bot.bootstrap import build, slack_app
from oversight_bot.errors import ConfigurationError
from oversight_bot.slack import socket_mode
from tests.integration.slack.conftest import slack_settings, text_of
from tests.slack_requests import slash_command
from tests.slack_standin import SlackStandIn, SocketModeStandIn, api_error, server_error


@pytest.fixture
def websocket() -> Iterator[SocketModeStandIn]:
    server = SocketModeStandIn()
    yield server
    server.close()


def test_a_slash_command_over_socket_mode_is_acknowledged_with_the_answer(
    seeded_db_url: str, standin: SlackStandIn, websocket: SocketModeStandIn
) -> None:
    standin.socket_url = websocket.url
    app = build(slack_settings(seeded_db_url, standin.base_url, slack_app_token="xapp-test", slack_signing_secret=None))
    handler = socket_mode.connect(slack_app(app, socket_mode=True), "xapp-test")
    assert handler is not None
    try:
        websocket.wait_connected()
        command = dict(parse_qsl(slash_command("/segment", "UHS", response_url=standin.response_url())))
        websocket.send(
            {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True, "payload": command}
        )
        ack = websocket.wait_for_ack("env-1")
        assert "University Hospital Southampton NHS Foundation Trust (RHM)" in text_of(ack["payload"])
        assert ack["payload"]["response_type"] == "ephemeral"
        (opened,) = standin.calls_to("apps.connections.open")
        assert opened.headers["authorization"] == "Bearer xapp-test"
    finally:
        socket_mode.close(handler)
        app.close()


def test_start_up_keeps_trying_while_slack_is_unreachable(
    seeded_db_url: str, standin: SlackStandIn, websocket: SocketModeStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket_mode, "FIRST_WAIT_S", 0.05)
    standin.socket_url = websocket.url
    standin.queue("apps.connections.open", server_error(), server_error())
    app = build(slack_settings(seeded_db_url, standin.base_url, slack_app_token="xapp-test", slack_signing_secret=None))
    stop = threading.Event()
    handler = socket_mode.connect(slack_app(app, socket_mode=True), "xapp-test", stop)
    try:
        assert handler is not None
        websocket.wait_connected()
        assert len(standin.calls_to("apps.connections.open")) >= 3
    finally:
        if handler is not None:
            socket_mode.close(handler)
        app.close()


@pytest.mark.parametrize("refusal", ["invalid_auth", "not_allowed_token_type", "token_revoked"])
def test_a_token_slack_refuses_stops_start_up_naming_the_setting(
    seeded_db_url: str, standin: SlackStandIn, refusal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket_mode, "FIRST_WAIT_S", 0.05)
    standin.queue("apps.connections.open", api_error(refusal))
    app = build(slack_settings(seeded_db_url, standin.base_url, slack_app_token="xapp-test", slack_signing_secret=None))
    try:
        with pytest.raises(ConfigurationError, match=f"OVERSIGHT_SLACK_APP_TOKEN was refused by Slack \\({refusal}\\)"):
            socket_mode.connect(slack_app(app, socket_mode=True), "xapp-test")
        assert len(standin.calls_to("apps.connections.open")) == 1  # not retried: no retry could succeed
    finally:
        app.close()
