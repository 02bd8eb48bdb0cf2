"""manifest.yml, and its HTTP-mode variant in docs/slack.md, against Slack's app manifest schema.

The limits are written down here from Slack's published schema, GitHub slackapi/manifest-schema,
`schemas/manifest.schema.1.0.0.json` (the schema for `_metadata.major_version: 1`), rather than
copied: for each field the manifest uses, its type, required fields, length limits and patterns,
and `additionalProperties: false` (no field the schema does not name). Slack's "Create New App ->
From a manifest" refuses a manifest that breaks any of these.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
URL = r"^https?:\/\/"


class Field:
    def __init__(
        self, kind: type | tuple[type, ...], *, min_len: int = 0, max_len: int | None = None, pattern: str = ""
    ) -> None:
        self.kind, self.min_len, self.max_len, self.pattern = kind, min_len, max_len, pattern


class Obj:
    def __init__(self, fields: dict[str, Any], required: tuple[str, ...] = ()) -> None:
        self.fields, self.required = fields, required


class Arr:
    def __init__(self, item: Any, *, min_items: int = 0, max_items: int | None = None) -> None:
        self.item, self.min_items, self.max_items = item, min_items, max_items


STRING_50 = Field(str, max_len=50)
SCHEMA = Obj(
    {
        "_metadata": Obj({"major_version": Field(int), "minor_version": Field(int)}),
        "display_information": Obj(
            {
                "name": Field(str, min_len=1, max_len=35),
                "description": Field(str, min_len=1, max_len=140),
                "background_color": Field(str, min_len=4, max_len=7, pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"),
                "long_description": Field(str, min_len=175, max_len=4000),
            },
            required=("name",),
        ),
        "features": Obj(
            {
                "app_home": Obj(
                    {
                        "home_tab_enabled": Field(bool),
                        "messages_tab_enabled": Field(bool),
                        "messages_tab_read_only_enabled": Field(bool),
                    }
                ),
                "bot_user": Obj(
                    {"display_name": Field(str, min_len=1, max_len=80), "always_online": Field(bool)},
                    required=("display_name",),
                ),
                "shortcuts": Arr(
                    Obj(
                        {
                            "name": Field(str, min_len=1, max_len=24),
                            "type": Field(str, pattern=r"^(message|global)$"),
                            "callback_id": Field(str, min_len=1, max_len=255),
                            "description": Field(str, min_len=1, max_len=150),
                        },
                        required=("name", "type", "callback_id", "description"),
                    ),
                    min_items=1,
                    max_items=10,
                ),
                "slash_commands": Arr(
                    Obj(
                        {
                            "command": Field(str, min_len=2, max_len=32, pattern=r"^\/"),
                            "url": Field(str, max_len=3000, pattern=URL),
                            "description": Field(str, min_len=1, max_len=2000),
                            "usage_hint": Field(str, min_len=1, max_len=1000),
                            "should_escape": Field(bool),
                        },
                        required=("command", "description"),
                    ),
                    min_items=1,
                    max_items=50,
                ),
            }
        ),
        "oauth_config": Obj(
            {
                "redirect_urls": Arr(Field(str, max_len=2500), max_items=1000),
                "scopes": Obj({"bot": Arr(STRING_50, max_items=255), "user": Arr(STRING_50, max_items=255)}),
                "token_management_enabled": Field(bool),
            }
        ),
        "settings": Obj(
            {
                "event_subscriptions": Obj(
                    {
                        "request_url": Field(str, max_len=3500, pattern=URL),
                        "bot_events": Arr(STRING_50, max_items=100),
                        "user_events": Arr(STRING_50, max_items=100),
                    }
                ),
                "interactivity": Obj(
                    {
                        "is_enabled": Field(bool),
                        "request_url": Field(str, max_len=3500, pattern=URL),
                        "message_menu_options_url": Field(str, max_len=3500, pattern=URL),
                    },
                    required=("is_enabled",),
                ),
                "org_deploy_enabled": Field(bool),
                "socket_mode_enabled": Field(bool),
                "token_rotation_enabled": Field(bool),
            }
        ),
    },
    required=("display_information",),
)


def problems(value: Any, schema: Any, where: str = "") -> list[str]:
    """Every way `value` breaks `schema`, each naming the field."""
    if isinstance(schema, Obj):
        if not isinstance(value, dict):
            return [f"{where or 'manifest'}: not an object"]
        found = [f"{where}.{name}: required" for name in schema.required if name not in value]
        found += [f"{where}.{name}: not in Slack's schema" for name in value if name not in schema.fields]
        for name, item in value.items():
            if name in schema.fields:
                found += problems(item, schema.fields[name], f"{where}.{name}".lstrip("."))
        return found
    if isinstance(schema, Arr):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        found = []
        if len(value) < schema.min_items or (schema.max_items is not None and len(value) > schema.max_items):
            found.append(f"{where}: {len(value)} items")
        if len({repr(v) for v in value}) != len(value):
            found.append(f"{where}: items repeat")
        for index, item in enumerate(value):
            found += problems(item, schema.item, f"{where}[{index}]")
        return found
    if not isinstance(value, schema.kind) or (schema.kind is int and isinstance(value, bool)):
        return [f"{where}: {value!r} is not a {schema.kind.__name__}"]
    if isinstance(value, str):
        if len(value) < schema.min_len or (schema.max_len is not None and len(value) > schema.max_len):
            return [f"{where}: {len(value)} characters, the schema allows {schema.min_len}-{schema.max_len}"]
        if schema.pattern and not re.search(schema.pattern, value):
            return [f"{where}: {value!r} does not match {schema.pattern}"]
    return []


def merged(base: Any, change: Any) -> Any:
    """The manifest with the docs' HTTP-mode changes applied (slash commands matched by command)."""
    if isinstance(base, dict) and isinstance(change, dict):
        return {key: merged(base.get(key), change[key]) if key in change else base[key] for key in base | change}
    if isinstance(base, list) and isinstance(change, list) and all(isinstance(i, dict) for i in base + change):
        by_command = {item.get("command"): item for item in change}
        return [merged(item, by_command.get(item.get("command"), {})) for item in base]
    return change if change is not None else base


def socket_manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8")))


def http_manifest() -> dict[str, Any]:
    docs = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(.*?)```", docs, re.S)
    change = yaml.safe_load("\n".join(line[2:] if line.startswith("  ") else line for line in block.splitlines()))
    return dict(merged(socket_manifest(), change))


@pytest.mark.parametrize("manifest", [socket_manifest, http_manifest], ids=["manifest.yml", "HTTP mode (docs)"])
def test_the_manifest_meets_slacks_manifest_schema(manifest: Any) -> None:
    assert problems(manifest(), SCHEMA) == []


def test_the_http_variant_sends_every_kind_of_request_to_the_events_url() -> None:
    manifest = http_manifest()
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert all(c["url"].endswith("/slack/events") for c in manifest["features"]["slash_commands"])
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["request_url"] == interactivity["message_menu_options_url"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"features": {"shortcuts": [{"name": "Raise an oversight concern", "type": "global",
                                      "callback_id": "x", "description": "d"}]}}, "features.shortcuts[0].name"),
        ({"display_information": {"name": "", "description": "d"}}, "display_information.name"),
        ({"settings": {"interactivity": {"request_url": "slack.example/events"}}}, "settings.interactivity"),
        ({"display_information": {"background_color": "blue"}}, "display_information.background_color"),
        ({"settings": {"socket_mode": True}}, "settings.socket_mode"),
    ],
)  # fmt: skip
def test_the_check_names_each_broken_limit(change: dict[str, Any], named: str) -> None:
    found = problems(merged(socket_manifest(), change), SCHEMA)
    assert any(problem.startswith(named) for problem in found), found
