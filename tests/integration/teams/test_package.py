"""`oversight teams package`: the zip an admin uploads to Teams."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from oversight_bot.chat.commands import ShowHelp, parse_text
from tests.oversight_cli import oversight
from tests.teams_activities import TENANT
from tests.teams_tokens import APP_ID

PUBLISHER = {
    "OVERSIGHT_TEAMS_APP_ID": APP_ID,
    "OVERSIGHT_TEAMS_APP_PASSWORD": "unused-secret",
    "OVERSIGHT_TEAMS_TENANT_ID": TENANT,
    "OVERSIGHT_TEAMS_DEVELOPER_NAME": "NHS England oversight tooling",
    "OVERSIGHT_TEAMS_WEBSITE_URL": "https://oversight.example.nhs.uk",
    "OVERSIGHT_TEAMS_PRIVACY_URL": "https://oversight.example.nhs.uk/privacy",
    "OVERSIGHT_TEAMS_TERMS_URL": "https://oversight.example.nhs.uk/terms",
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_package_holds_a_manifest_for_this_bot_and_icons_of_the_right_size(tmp_path: Path) -> None:
    target = tmp_path / "oversight.zip"
    result = oversight("teams", "package", str(target), env=PUBLISHER)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as package:
        assert set(package.namelist()) == {"manifest.json", "color.png", "outline.png"}
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    (bot,) = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["name"]["short"]) <= 30
    lists = bot["commandLists"]
    assert 1 <= len(lists) <= 3 and all(len(entry["commands"]) <= 10 for entry in lists)
    for command in (c for entry in lists for c in entry["commands"]):
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
        # Every suggestion is a command the bot knows.
        parsed = parse_text(command["title"])
        assert not (isinstance(parsed, ShowHelp) and (parsed.problem or "").startswith("Unknown command"))


def test_the_package_json_names_the_file_written(tmp_path: Path) -> None:
    target = tmp_path / "for-upload.zip"
    result = oversight("teams", "package", str(target), "--json", env=PUBLISHER)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"schema": "oversight-teams-package/1", "path": str(target)}
    assert zipfile.is_zipfile(target)


def test_without_the_publishers_details_the_package_is_refused_saying_what_is_missing(tmp_path: Path) -> None:
    env = PUBLISHER | {"OVERSIGHT_TEAMS_PRIVACY_URL": ""}
    result = oversight("teams", "package", str(tmp_path / "x.zip"), env=env)
    assert result.exit_code == 2 and "OVERSIGHT_TEAMS_PRIVACY_URL" in result.stderr
    assert not (tmp_path / "x.zip").exists()
