"""The Teams app package an admin uploads: manifest.json and the two icons, zipped.

The manifest's command list is what Teams suggests as people type to the bot; it is drawn from the
same grammar the bot answers, so that no suggestion is one the bot does not understand.
"""

from __future__ import annotations

import json
import re
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
SHARED_SCOPES = ["team", "groupChat"]
# (title, description): at most 10, titles at most 32 characters, descriptions at most 128.
PERSONAL_ONLY_COMMANDS = {"concerns"}  # answered only in a personal chat: never offered elsewhere
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
BOT_NAME = "Oversight"  # name.short: what Teams shows for the bot, and what people @mention
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SEMVER = re.compile(r"\d+\.\d+\.\d+")
LIMITS = {
    "name.short": 30,
    "name.full": 100,
    "description.short": 80,
    "description.full": 4000,
    "developer.name": 32,
    "developer.websiteUrl": 2048,
    "developer.privacyUrl": 2048,
    "developer.termsOfUseUrl": 2048,
}
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
        "name": {"short": BOT_NAME, "full": "NHS Oversight Framework segments and concerns"},
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
                    {"scopes": ["personal"], "commands": _commands(COMMANDS)},
                    {
                        "scopes": SHARED_SCOPES,
                        "commands": _commands([c for c in COMMANDS if c[0] not in PERSONAL_ONLY_COMMANDS]),
                    },
                ],
            }
        ],
        "permissions": ["identity"],
        "validDomains": [],
    }


def _commands(commands: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "description": text} for title, text in commands]


def problems(content: dict[str, Any]) -> list[str]:
    """What Microsoft's Teams manifest schema (v1.19, MicrosoftTeams.schema.json) would refuse,
    each naming the field: the app id a GUID, the documented lengths (name.short 30, name.full 100,
    description.short 80, description.full 4000, developer.name 32, URLs 2048 and https,
    version semver, accentColor #RRGGBB, at most 3 command lists of 10 commands, titles 32,
    descriptions 128). Written down from the schema, not copied."""
    found = []
    if not GUID.fullmatch(content["id"]):
        found.append(f"id ({REQUIRED['teams_app_id']}) must be a GUID, like 00000000-0000-0000-0000-000000000000")
    for path, limit in LIMITS.items():
        value = _at(content, path)
        if isinstance(value, str) and not 0 < len(value) <= limit:
            found.append(f"{path} is {len(value)} characters; Teams allows 1 to {limit}")
    for path in ("developer.websiteUrl", "developer.privacyUrl", "developer.termsOfUseUrl"):
        if not str(_at(content, path)).startswith("https://"):
            found.append(f"{path} must be an https address")
    if not SEMVER.fullmatch(content["version"]):
        found.append("version must be a version number like 1.0.0")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", content["accentColor"]):
        found.append("accentColor must be #RRGGBB")
    for bot in content["bots"]:
        if bot["botId"] != content["id"] and not GUID.fullmatch(bot["botId"]):
            found.append("bots[].botId must be a GUID")
        lists = bot["commandLists"]
        if len(lists) > 3 or any(len(entry["commands"]) > 10 for entry in lists):
            found.append("bots[].commandLists: at most 3 lists of at most 10 commands")
        for command in (c for entry in lists for c in entry["commands"]):
            if len(command["title"]) > 32 or len(command["description"]) > 128:
                found.append(f"command {command['title']!r}: title at most 32, description at most 128 characters")
    return found


def _at(content: dict[str, Any], path: str) -> Any:
    value: Any = content
    for key in path.split("."):
        value = value[key]
    return value


def write_package(settings: Settings, destination: Path) -> Path:
    """Write the zip (manifest.json, color.png, outline.png at its root, as Teams expects)."""
    checked = manifest(settings)
    refused = problems(checked)
    if refused:
        raise ConfigurationError("the Teams app package would be refused by Teams: " + "; ".join(refused))
    content = json.dumps(checked, indent=2)
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
