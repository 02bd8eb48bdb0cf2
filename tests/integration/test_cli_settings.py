"""Every command and every serve mode refuses every bad setting the same way: before doing anything,
with one line per problem naming the variable, what is wrong and a good value, and exit status 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperArgument as Argument
from typer.core import TyperGroup as Group

from oversight_bot.cli.main import cli
from tests.conftest import NOF_FILE
from tests.oversight_cli import oversight
from tests.teams_tokens import APP_ID

TENANT = "72f988bf-0000-4000-8000-000000000001"

# (the settings, the variable each refusal must name, words it must say)
BAD_SETTINGS: list[tuple[dict[str, str], str, str]] = [
    ({"OVERSIGHT_ROLES": '{"admin": ["U1"]'}, "OVERSIGHT_ROLES", "not valid JSON"),
    ({"OVERSIGHT_ROLES": '{"boss": ["U1"]}'}, "OVERSIGHT_ROLES", "unknown role 'boss'"),
    ({"OVERSIGHT_CONCERN_FLAG_RULES": '["patient_safety:critical"'}, "OVERSIGHT_CONCERN_FLAG_RULES", "not valid JSON"),
    ({"OVERSIGHT_CONCERN_FLAG_RULES": "patient_safety:dire"}, "OVERSIGHT_CONCERN_FLAG_RULES", "severities are"),
    ({"OVERSIGHT_CONCERN_RETENTION_DAYS": "abc"}, "OVERSIGHT_CONCERN_RETENTION_DAYS", "not a whole number"),
    ({"OVERSIGHT_CONCERN_RETENTION_DAYS": "-5"}, "OVERSIGHT_CONCERN_RETENTION_DAYS", "at least 30"),
    ({"OVERSIGHT_CONCERN_RETENTION_DAYS": "0"}, "OVERSIGHT_CONCERN_RETENTION_DAYS", "at least 30"),
    ({"OVERSIGHT_LOG_LEVEL": "LOUD"}, "OVERSIGHT_LOG_LEVEL", "not a logging level"),
    ({"OVERSIGHT_LOG_FORMAT": "xml"}, "OVERSIGHT_LOG_FORMAT", "not a log format"),
    ({"OVERSIGHT_AUDIT_KEY": "short-audit-key"}, "OVERSIGHT_AUDIT_KEY", "shorter than 32 characters"),
    ({"OVERSIGHT_DIGEST_TIME_ZONE": "Mars/Olympus_Mons"}, "OVERSIGHT_DIGEST_TIME_ZONE", "not a time zone name"),
    ({"OVERSIGHT_SLACK_PORT": "abc"}, "OVERSIGHT_SLACK_PORT", "not a whole number"),
    ({"OVERSIGHT_TEAMS_PORT": "99999"}, "OVERSIGHT_TEAMS_PORT", "at most 65535"),
    (
        {"OVERSIGHT_DATABASE_URL": "mysql://oversight:pw@db/oversight"},
        "OVERSIGHT_DATABASE_URL",
        "names a mysql database",
    ),
    ({"OVERSIGHT_DATABASE_URL": "notaurl"}, "OVERSIGHT_DATABASE_URL", "not a database URL"),
    ({"OVERSIGHT_SEED_ON_FIRST_USE": "maybe"}, "OVERSIGHT_SEED_ON_FIRST_USE", "not true or false"),
    ({"OVERSIGHT_SEEDS_DIR": "/no/such/folder"}, "OVERSIGHT_SEEDS_DIR", "not a folder"),
    ({"OVERSIGHT_NOF2026_THRESHOLDS": "high"}, "OVERSIGHT_NOF2026_THRESHOLDS", "not three numbers"),
    ({"OVERSIGHT_SUBSCRIPTION_CHANGES": "everyone"}, "OVERSIGHT_SUBSCRIPTION_CHANGES", "anyone, admins or group"),
    ({"OVERSIGHT_ALERT_INTERVAL_S": "fast"}, "OVERSIGHT_ALERT_INTERVAL_S", "not a number"),
    ({"OVERSIGHT_RELEASES_CHECK_HOURS": "0.1"}, "OVERSIGHT_RELEASES_CHECK_HOURS", "at least 0.25"),
    (
        {"OVERSIGHT_RELEASES_ALLOWED_HOSTS": "https://www.england.nhs.uk/"},
        "OVERSIGHT_RELEASES_ALLOWED_HOSTS",
        "not a host",
    ),
    ({"OVERSIGHT_RELEASES_FILE": "/no/such/releases.toml"}, "OVERSIGHT_RELEASES_FILE", "is not a file"),
    ({"OVERSIGHT_RELEASES_ALLOW_LOCAL_HTTP": "perhaps"}, "OVERSIGHT_RELEASES_ALLOW_LOCAL_HTTP", "not true or false"),
    ({"OVERSIGHT_DATABSE_URL": "sqlite:///x.db"}, "OVERSIGHT_DATABSE_URL", "OVERSIGHT_DATABASE_URL="),
    ({"OVERSIGHT_SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}, "OVERSIGHT_SLACK_BOT_TOKEN", "not set"),
    ({"OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "OVERSIGHT_SLACK_APP_TOKEN", "a bot token alone"),
    ({"OVERSIGHT_SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}, "OVERSIGHT_SLACK_BOT_TOKEN", "not set"),
    (
        {"OVERSIGHT_SLACK_BOT_TOKEN": "xapp-1-A1-2-abc", "OVERSIGHT_SLACK_APP_TOKEN": "xoxb-1-2-abc"},
        "OVERSIGHT_SLACK_BOT_TOKEN",
        "look swapped",
    ),
    (
        {"OVERSIGHT_SLACK_CLIENT_ID": "111.222", "OVERSIGHT_SLACK_SIGNING_SECRET": "s"},
        "OVERSIGHT_SLACK_CLIENT_SECRET",
        "OAuth installs need both",
    ),
    ({"OVERSIGHT_SLACK_ADMIN_CHANNEL": "#general"}, "OVERSIGHT_SLACK_ADMIN_CHANNEL", "not a Slack channel id"),
    ({"OVERSIGHT_TEAMS_APP_ID": APP_ID}, "OVERSIGHT_TEAMS_APP_PASSWORD", "not set"),
    ({"OVERSIGHT_TEAMS_APP_ID": "my-bot"}, "OVERSIGHT_TEAMS_APP_ID", "not a Microsoft Entra id"),
    (
        {"OVERSIGHT_TEAMS_APP_ID": APP_ID, "OVERSIGHT_TEAMS_APP_PASSWORD": "p", "OVERSIGHT_TEAMS_TENANT_ID": TENANT}
        | {"OVERSIGHT_TEAMS_ALLOW_ANONYMOUS": "true"},
        "OVERSIGHT_TEAMS_ALLOW_ANONYMOUS",
        "for local use without an app id",
    ),
    ({"OVERSIGHT_TEAMS_PRIVACY_URL": "http://example.org/privacy"}, "OVERSIGHT_TEAMS_PRIVACY_URL", "https://"),
]

SECRETS = ("8f742231b10e8888abcd99yyyzzz85a5", "xoxb-1-2-abc", "xapp-1-A1-2-abc", ":pw@", "short-audit-key")

# A value for each argument a command takes, so that only the settings can be at fault.
ARGUMENTS = {"file": str(NOF_FILE), "text": "segment RR8", "query": "RR8", "path": "export.json"}
SERVE_MODES = [["serve", "--slack-http"], ["serve", "--slack-socket"], ["serve", "--teams"]]


def every_command() -> list[list[str]]:
    """Every command of `oversight`, found from the command tree itself (a new one is covered too),
    each with its arguments; `serve` once per mode."""
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        if isinstance(command, Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        if path == ["serve"]:
            found.extend(SERVE_MODES)
            return
        arguments = [p.name for p in command.params if isinstance(p, Argument) and p.required]  # type: ignore[attr-defined]
        missing = [name for name in arguments if name not in ARGUMENTS]
        assert not missing, f"add a value for {missing} of `oversight {' '.join(path)}` to ARGUMENTS"
        found.append([*path, *(ARGUMENTS[str(name)] for name in arguments)])
        if path == ["worker"]:
            found[-1].append("--once")

    walk(typer.main.get_command(cli), [])
    return found


COMMANDS = every_command()


@pytest.fixture(autouse=True)
def nothing_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a bad setting let through, serving would start: make that fail the test instead of hang."""

    def served(*args: object, **kwargs: object) -> None:
        raise AssertionError("started despite a bad setting")

    from oversight_bot.console.repl import Repl
    from oversight_bot.delivery.worker import DeliveryWorker
    from oversight_bot.slack import http, socket_mode
    from oversight_bot.teams import app as teams_app

    for owner, name in [(http, "serve"), (os, "execv"), (socket_mode, "run"), (teams_app, "serve")]:
        monkeypatch.setattr(owner, name, served)
    monkeypatch.setattr(teams_app, "serve_in_thread", served)
    monkeypatch.setattr(Repl, "run", served)
    monkeypatch.setattr(DeliveryWorker, "run", served)
    monkeypatch.setattr(DeliveryWorker, "run_once", served)


@pytest.fixture
def in_folder(tmp_path: Path) -> Iterator[Path]:
    """An empty working folder (the store is elsewhere): nothing may appear in it."""
    here, folder = Path.cwd(), tmp_path / "work"
    folder.mkdir()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(here)


def test_every_command_is_covered() -> None:
    names = {" ".join(c[:2]) for c in COMMANDS}
    assert {"ask segment RR8", "import nof", "serve --teams", "db status", "concerns export", "teams package"} <= names
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize(("settings", "variable", "words"), BAD_SETTINGS, ids=[s[1] + ":" + s[2] for s in BAD_SETTINGS])
def test_every_command_refuses_a_bad_setting_in_one_line_with_a_good_value(
    settings: dict[str, str], variable: str, words: str, in_folder: Path, tmp_path: Path
) -> None:
    environment = {"OVERSIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'store' / 'oversight.db'}"} | settings
    for command in COMMANDS:
        result = oversight(*command, env=environment)
        where = f"`oversight {' '.join(command)}` with {settings}: {result.output}"
        assert result.exit_code == 2, where
        assert result.stdout == "", where  # nothing served, nothing answered
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("Configuration problem: OVERSIGHT_") for line in lines), where
        named = [line for line in lines if variable in line]
        assert named and words in named[0] and "for example OVERSIGHT_" in named[0], where
        assert not any(secret in result.stderr for secret in SECRETS), where
    assert list(in_folder.iterdir()) == [] and not (tmp_path / "store").exists()  # nothing written, no store made


def test_a_bad_setting_through_the_real_entry_point_has_no_traceback(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    environment |= {"OVERSIGHT_LOG_LEVEL": "LOUD", "OVERSIGHT_CONCERN_RETENTION_DAYS": "abc"}
    process = subprocess.run(
        [sys.executable, "-m", "oversight_bot", "serve", "--slack-http"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert process.returncode == 2 and process.stdout == ""
    assert process.stderr.splitlines() == [
        "Configuration problem: OVERSIGHT_LOG_LEVEL='LOUD' is not a logging level (DEBUG, INFO, WARNING, ERROR, "
        "CRITICAL); for example OVERSIGHT_LOG_LEVEL=INFO",
        "Configuration problem: OVERSIGHT_CONCERN_RETENTION_DAYS='abc' is not a whole number; "
        "for example OVERSIGHT_CONCERN_RETENTION_DAYS=365",
    ]


@pytest.mark.parametrize(
    ("mode", "settings", "variable"),
    [
        ("--slack-http", {}, "OVERSIGHT_SLACK_SIGNING_SECRET"),
        ("--slack-socket", {}, "OVERSIGHT_SLACK_APP_TOKEN"),
        ("--slack-socket", {"OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-1", "OVERSIGHT_SLACK_SIGNING_SECRET": "s"}, "APP_TOKEN"),
        ("--slack-http", {"OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-1", "OVERSIGHT_SLACK_APP_TOKEN": "xapp-1"}, "SECRET"),
        ("--teams", {}, "OVERSIGHT_TEAMS_APP_ID"),
    ],
)
def test_a_serve_mode_without_its_settings_names_what_is_missing(
    mode: str, settings: dict[str, str], variable: str, seeded_db_url: str
) -> None:
    result = oversight("serve", mode, env={"OVERSIGHT_DATABASE_URL": seeded_db_url} | settings)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Configuration problem: OVERSIGHT_") and variable in line and "for example" in line


def test_a_port_out_of_range_is_a_usage_error_with_its_usage_line(seeded_db_url: str) -> None:
    result = oversight("serve", "--slack-http", "--port", "99999", env={"OVERSIGHT_DATABASE_URL": seeded_db_url})
    assert result.exit_code == 2
    assert "Usage: oversight serve" in result.output and "--port" in result.output and "65535" in result.output
    assert "serving" not in result.output.lower() and "HTTP mode on" not in result.output


@pytest.mark.parametrize(
    ("command", "platform"),
    [(["serve", "--teams"], "teams"), (["serve", "--slack-http"], "slack"), (["run"], "teams"), (["run"], "slack")],
)
def test_a_busy_port_is_refused_before_anything_says_it_is_serving(
    command: list[str], platform: str, seeded_db_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        settings = {
            "teams": {"OVERSIGHT_TEAMS_ALLOW_ANONYMOUS": "true", "OVERSIGHT_TEAMS_PORT": port},
            "slack": {"OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-1", "OVERSIGHT_SLACK_SIGNING_SECRET": "s"}
            | {"OVERSIGHT_SLACK_PORT": port},
        }[platform]
        options = ["--host", "127.0.0.1"] if command[0] == "serve" else []
        result = oversight(*command, *options, env={"OVERSIGHT_DATABASE_URL": seeded_db_url} | settings)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert f":{port} (Address already in use)" in line and "--port" in line
    assert "POST" not in result.output and "HTTP mode on" not in result.output
