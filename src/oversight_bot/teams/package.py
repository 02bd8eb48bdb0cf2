"""The Teams app package an admin uploads: manifest.json and the two icons, zipped.

The manifest's command list is what Teams suggests as people type to the bot; it is drawn from the
same grammar the bot answers, so that no suggestion is one the bot does not understand.
"""

from __future__ import annotations

import json
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from oversight_bot.config import Settings
from oversight_bot.errors import ConfigurationError

ICONS = Path(__file__).with_name("icons")
MANIFEST_VERSION = "1.19"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
SCOPES = ["personal", "team", "groupChat"]
# (title, description): at most 10, titles at most 32 characters, descriptions at most 128.
COMMANDS = [
    ("segment", "A trust's NHS Oversight Framework segment: segment Leeds Teaching"),
    ("why", "Why a trust is in its segment: the metrics, the step, the override"),
    ("history", "A trust's segment quarter by quarter"),
    ("league", "The latest league table: league acute, league mh [region]"),
    ("list", "Organisations in a segment: list segment:4 [region:London]"),
    ("subscribe", "Alerts in this channel when organisations move segment or a concern is logged"),
    ("subscriptions", "What this channel is subscribed to"),
    ("concern", "Raise a concern (openly, confidentially or anonymously) in a private form"),
    ("concerns", "For the oversight team, in a personal chat: the concerns you may see"),
    ("help", "Everything the bot understands"),
]
REQUIRED = {
    "teams_app_id": "OVERSIGHT_TEAMS_APP_ID",
    "teams_developer_name": "OVERSIGHT_TEAMS_DEVELOPER_NAME",
    "teams_website_url": "OVERSIGHT_TEAMS_WEBSITE_URL",
    "teams_privacy_url": "OVERSIGHT_TEAMS_PRIVACY_URL",
    "teams_terms_url": "OVERSIGHT_TEAMS_TERMS_URL",
}


def manifest(settings: Settings) -> dict[str, Any]:
    missing = [variable for field, variable in REQUIRED.items() if not getattr(settings, field)]
    if missing:
        raise ConfigurationError(f"the Teams app package needs {', '.join(missing)}")
    not_https = [
        variable
        for field, variable in REQUIRED.items()
        if field.endswith("_url") and not str(getattr(settings, field)).startswith("https://")
    ]
    if not_https:
        raise ConfigurationError(f"Teams requires https addresses: {', '.join(not_https)}")
    app_id = str(settings.teams_app_id)
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": _version(),
        "id": app_id,
        "developer": {
            "name": settings.teams_developer_name,
            "websiteUrl": settings.teams_website_url,
            "privacyUrl": settings.teams_privacy_url,
            "termsOfUseUrl": settings.teams_terms_url,
        },
        "name": {"short": "NHS Oversight", "full": "NHS Oversight Framework segments and concerns"},
        "description": {
            "short": "NHS Oversight Framework segments, why, and how they moved",
            "full": (
                "Ask where an NHS trust stands in NHS England's Oversight Framework: its segment, why (which "
                "metrics, which step, which override), its history and its league rank, from NHS England's "
                "own published data. Channels can subscribe to alerts when organisations move segment. "
                "Raise a concern openly, confidentially or anonymously in a private form; its words are "
                "never posted to a channel."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#005EB8",
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [{"title": title, "description": text} for title, text in COMMANDS],
                    }
                ],
            }
        ],
        "permissions": ["identity"],
        "validDomains": [],
    }


def write_package(settings: Settings, destination: Path) -> Path:
    """Write the zip (manifest.json, color.png, outline.png at its root, as Teams expects)."""
    content = json.dumps(manifest(settings), indent=2)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", content)
        for icon in ("color.png", "outline.png"):
            package.write(ICONS / icon, icon)
    return destination


def _version() -> str:
    try:
        return version("oversight-bot")
    except PackageNotFoundError:
        return "0.1.0"
