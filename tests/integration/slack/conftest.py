"""Fixtures for the Slack adapter: the Slack stand-in, and the real Bolt app wired to the seeded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltResponse

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings
from tests.slack_requests import SECRET, dispatch, settled_slack_app

__all__ = ["dispatch"]  # the tests' way to send a signed request to the real Bolt app
from tests.slack_standin import SlackStandIn


def slack_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def oversight(seeded_db_url: str, standin: SlackStandIn) -> Iterator[Application]:
    app = build(slack_settings(seeded_db_url, standin.base_url))
    yield app
    app.close()


@pytest.fixture
def bolt(oversight: Application) -> App:
    return settled_slack_app(oversight)


def reply_of(response: BoltResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    return dict(json.loads(response.body))


def text_of(message: dict[str, Any]) -> str:
    """Every string a user would read in a message or view, joined."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(found)


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    """Button label -> value."""
    return {
        element["text"]["text"]: element.get("value", "")
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    }
