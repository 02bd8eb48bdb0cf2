"""The Teams adapter against what Microsoft publishes: every Adaptive Card within the schema version
it declares and within what Teams renders there (dialogs: 1.5), no text colour that fails WCAG's
contrast on Teams' themes, the app package within Microsoft's Teams manifest schema, one welcome
per install, concerns never shown outside a personal chat, and no 500 when Teams is unreachable.

The Adaptive Card facts are written down here from Microsoft's schema explorer (adaptivecards.io,
"Schema Explorer": each element and property says the version that introduced it) and Teams'
docs ("Cards reference": Teams supports Adaptive Cards up to 1.5 in dialogs; learn.microsoft.com,
microsoftteams/platform/task-modules-and-cards/cards/cards-reference). Not copied: only what the
bot's cards use.
"""

from __future__ import annotations

import base64
import json
import logging
import struct
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from oversight_bot.config import Settings
from oversight_bot.errors import ConfigurationError
from oversight_bot.teams import package
from tests.integration.teams.conftest import only_card, post, replies, text_of
from tests.teams_activities import (
    app_installed_in_team,
    bot_added_to_team,
    channel_message,
    personal_message,
    task_fetch,
)
from tests.teams_standin import ConnectorStandIn

TEAMS_DIALOG_VERSION = (1, 5)
# Element type -> the version that introduced it (schema explorer).
ELEMENTS = {
    "AdaptiveCard": (1, 0), "TextBlock": (1, 0), "FactSet": (1, 0), "ActionSet": (1, 2), "Container": (1, 0),
    "Input.Text": (1, 0), "Input.ChoiceSet": (1, 0), "Input.Date": (1, 0), "Action.Submit": (1, 0),
    "Image": (1, 0),
}  # fmt: skip
DATA_URI = (1, 2)  # Image.url "Supports data URI in version 1.2+" (schema explorer, Image)
# Properties introduced after 1.0, per element type (those the bot uses, and the ones it must not).
PROPERTIES = {
    "Input.Text": {"label": (1, 3), "isRequired": (1, 3), "errorMessage": (1, 3), "regex": (1, 3)},
    "Input.ChoiceSet": {"label": (1, 3), "wrap": (1, 2), "choices.data": (1, 6), "style:filtered": (1, 5)},
    "Input.Date": {"label": (1, 3)},
    "TextBlock": {"style:heading": (1, 5)},
}
# Teams' host configs: the default foreground is the theme's own; every named colour ("Good",
# "Warning", "Accent", "Attention") is fixed per theme, and "Good", "Warning" and "Accent" fall
# below 4.5:1 on the light theme (WCAG 2.1, 1.4.3). The bot uses none of them.
COLOURS_ALLOWED = {None, "Default"}


def version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def card_problems(card: dict[str, Any], limit: tuple[int, int]) -> list[str]:
    declared = version(card["version"])
    found = [] if declared <= limit else [f"declares {card['version']}, Teams renders up to {limit}"]

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if isinstance(kind, str) and kind in ELEMENTS and ELEMENTS[kind] > declared:
            found.append(f"{kind} needs {ELEMENTS[kind]}")
        for name, needs in PROPERTIES.get(str(kind), {}).items():
            key, _, value = name.partition(":")
            if key in node and (not value or node[key] == value) and needs > declared:
                found.append(f"{kind}.{name} needs {needs}, the card declares {card['version']}")
        if kind == "Image" and str(node.get("url", "")).startswith("data:") and declared < DATA_URI:
            found.append(f"Image.url as a data URI needs {DATA_URI}, the card declares {card['version']}")
        if kind == "Image" and not node.get("altText"):
            found.append("an Image without altText says nothing to a screen reader")
        if node.get("color") not in COLOURS_ALLOWED:
            found.append(f"colour {node['color']} fails contrast on Teams' light theme")
        if kind == "Input.ChoiceSet" and not node.get("wrap"):
            found.append(f"choices of {node.get('id')} are cut off at phone width (no wrap)")
        for value in node.values():
            walk(value)

    walk(card.get("body", []))
    walk(card.get("actions", []))
    return found


def cards_in(response_json: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "AdaptiveCard":
                found.append(node)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(response_json)
    return found


def test_every_card_is_within_its_version_and_what_teams_renders(teams_url: str, connector: ConnectorStandIn) -> None:
    seen: list[dict[str, Any]] = []
    for text in ("segment RR8", "why RR8", "history RR8", "league mh", "list segment:4", "help", "segment Leeds",
                 "concern Leeds Teaching", "subscriptions", "metric RR8", "metric RWR sickness", "trend RWR",
                 "compare RR8, RHM", "segment RR8 Q1 2025/26", "metric RR8 staff survey"):  # fmt: skip
        seen += cards_in(replies(post(teams_url, personal_message(connector.service_url, text))))
    form = post(teams_url, task_fetch(connector.service_url, {"verb": "concern_form", "organisation": "RR8"}))
    blank = post(teams_url, task_fetch(connector.service_url, {"verb": "concern_form"}))
    reveal = post(teams_url, task_fetch(connector.service_url, {"verb": "view_concern", "reference": "C-2026-1"}))
    for response in (form, blank, reveal):
        seen += cards_in(response.json())
    assert len(seen) >= 18
    assert sum(1 for card in seen if '"Image"' in json.dumps(card)) == 3  # the charts of metric and trend
    for card in seen:
        assert card_problems(card, TEAMS_DIALOG_VERSION) == [], json.dumps(card)[:300]


def test_the_check_catches_a_typeahead_a_colour_and_a_too_new_version() -> None:
    card = {"type": "AdaptiveCard", "version": "1.6", "body": [
        {"type": "Input.ChoiceSet", "id": "o", "choices.data": {"type": "Data.Query"}, "wrap": True},
        {"type": "TextBlock", "text": "Segment 3", "color": "Warning"}]}  # fmt: skip
    found = card_problems(card, TEAMS_DIALOG_VERSION)
    assert any("declares 1.6" in p for p in found) and any("Warning" in p for p in found)
    old = {"type": "AdaptiveCard", "version": "1.1", "body": [{"type": "Image", "url": "data:image/png;base64,AA"}]}
    found = card_problems(old, TEAMS_DIALOG_VERSION)
    assert any("data URI needs (1, 2)" in p for p in found) and any("altText" in p for p in found)
    card["version"] = "1.5"
    assert any("choices.data needs (1, 6)" in p for p in card_problems(card, TEAMS_DIALOG_VERSION))


def test_a_chart_is_an_image_in_the_card_with_its_figures_as_alt_text(
    teams_url: str, connector: ConnectorStandIn
) -> None:
    card = only_card(post(teams_url, personal_message(connector.service_url, "trend RWR")))
    (image,) = [e for e in card["body"] if e["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width <= 1024 and height <= 1024  # Teams' limit for a card's image
    assert "2.13, segment 3" in image["altText"] and "1.97, segment 3" in image["altText"]
    assert len(json.dumps(card).encode()) < 28 * 1024


def test_the_welcome_is_said_once_per_install(teams_url: str, connector: ConnectorStandIn) -> None:
    said: list[Any] = []
    for activity in (bot_added_to_team(connector.service_url), app_installed_in_team(connector.service_url)):
        response = post(teams_url, activity)
        said += replies(response) if response.status_code == 200 else []
    said += list(connector.posts)  # anything sent to the conversation rather than answered
    welcomes = [a for a in said if "Hello from Oversight" in json.dumps(a, default=str)]
    assert len(welcomes) == 1


def test_view_in_a_channel_is_refused_and_shows_no_reference(teams_url: str, connector: ConnectorStandIn) -> None:
    card = only_card(post(teams_url, channel_message(connector.service_url, "view C-2026-000001")))
    assert "only in a personal chat" in text_of(card)
    assert "C-2026-000001" not in json.dumps(card) and "task/fetch" not in json.dumps(card)


def test_an_unreachable_bot_connector_gets_no_500_and_no_traceback(
    teams_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    activity = channel_message("http://127.0.0.1:9/", "segment RR8", expect_replies=False)
    with caplog.at_level(logging.WARNING):
        response = post(teams_url, activity)
    assert response.status_code < 500
    assert "Traceback" not in caplog.text


def package_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_app_id": "11111111-2222-4333-8444-555555555555",
        "teams_developer_name": "NHS England",
        "teams_website_url": "https://www.england.nhs.uk/",
        "teams_privacy_url": "https://www.england.nhs.uk/privacy/",
        "teams_terms_url": "https://www.england.nhs.uk/terms/",
    }
    return Settings(**(values | changes))


def test_the_package_meets_the_teams_manifest_schema_and_names_the_bot_as_cards_do() -> None:
    content = package.manifest(package_settings())
    assert package.problems(content) == []
    assert content["name"]["short"] == "Oversight"  # cards and help say @Oversight
    (personal, shared) = content["bots"][0]["commandLists"]
    assert "concerns" in {c["title"] for c in personal["commands"]}
    assert "concerns" not in {c["title"] for c in shared["commands"]}  # refused there, so never offered


def test_an_app_id_teams_would_refuse_is_refused_with_the_settings_before_any_package() -> None:
    """Checked where every setting is (config.py), so every command refuses it, naming the variable
    (tests/integration/test_cli_settings.py runs each command with it)."""
    with pytest.raises(ValidationError, match="teams_app_id"):
        package_settings(teams_app_id="oversight-bot")


@pytest.mark.parametrize(
    ("changes", "named"),
    [({"teams_developer_name": "The NHS England Oversight and Assessment Directorate"}, "developer.name")],
)
def test_the_package_command_refuses_what_teams_would_and_names_the_field(
    tmp_path: Path, changes: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        package.write_package(package_settings(**changes), tmp_path / "app.zip")
    assert named in str(refused.value)
    assert not (tmp_path / "app.zip").exists()


def test_over_long_names_are_named() -> None:
    content = package.manifest(package_settings())
    content["name"]["short"] = "NHS England Oversight Framework bot"
    content["description"]["short"] = "x" * 81
    found = package.problems(content)
    assert any(p.startswith("name.short") for p in found) and any(p.startswith("description.short") for p in found)
