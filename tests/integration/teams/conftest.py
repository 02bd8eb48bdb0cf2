"""Fixtures for Teams: the bot's real aiohttp app on 127.0.0.1 over the seeded store, the Bot
Connector stand-in, and helpers that read what the bot answered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oversight_bot.bootstrap import Application, build, teams_web_app
from oversight_bot.config import Settings
from tests.http_server import serving_aiohttp
from tests.teams_standin import ConnectorStandIn

TRIAGER_AAD = "00000000-0000-4000-8000-0000000000b2"
ROLES = {"oversight": [TRIAGER_AAD]}


@pytest.fixture
def connector() -> Iterator[ConnectorStandIn]:
    standin = ConnectorStandIn()
    yield standin
    standin.close()


def teams_settings(database_url: str, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "teams_allow_anonymous": True,  # the test-only setting: these requests carry no token
        "roles": ROLES,
        "alert_interval_s": 0.05,
        "alert_send_timeout_s": 2,
    }
    return Settings(**(values | more))


@pytest.fixture
def oversight(seeded_db_url: str) -> Iterator[Application]:
    app = build(teams_settings(seeded_db_url))
    yield app
    app.close()


@pytest.fixture
def teams_url(oversight: Application) -> Iterator[str]:
    with serving_aiohttp(teams_web_app(oversight)) as url:
        yield url


def post(base_url: str, activity: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{base_url}/api/messages", json=activity, headers=headers or {}, timeout=15)


def replies(response: httpx.Response) -> list[dict[str, Any]]:
    """The activities an expectReplies request got back."""
    assert response.status_code == 200, response.text
    return list(response.json()["activities"])


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return dict(attachment["content"])


def only_card(response: httpx.Response) -> dict[str, Any]:
    (activity,) = [a for a in replies(response) if a.get("type") == "message"]
    return card_of(activity)


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def text_of(card: dict[str, Any]) -> str:
    """Every string a user would read on a card: text blocks, facts, button titles, input labels."""
    found: list[str] = []
    for element in elements(card):
        if element.get("type") == "TextBlock":
            found.append(str(element["text"]))
        if isinstance(element.get("title"), str):
            found.append(element["title"])
            if isinstance(element.get("value"), str):  # a fact's value
                found.append(element["value"])
        if isinstance(element.get("label"), str):
            found.append(element["label"])
    return "\n".join(found).replace("\u2060", "")


def buttons_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Button title -> the data it sends."""
    return {str(e["title"]): dict(e.get("data") or {}) for e in elements(card) if e.get("type") == "Action.Submit"}


def dialog_card(response: httpx.Response) -> dict[str, Any]:
    """The card a task module (dialog) response shows."""
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "continue", task
    return dict(task["value"]["card"]["content"])
