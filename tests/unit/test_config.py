"""Settings: each value checked, every problem one line naming the variable and a good value."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest

from oversight_bot import config
from oversight_bot.config import load_settings
from oversight_bot.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("OVERSIGHT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env


def problems(monkeypatch: pytest.MonkeyPatch, **settings: str) -> list[str]:
    for name, value in settings.items():
        monkeypatch.setenv(f"OVERSIGHT_{name.upper()}", value)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    return refused.value.problems


def test_defaults_are_accepted() -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{config.PROJECT_DIR / 'oversight.db'}"
    assert not settings.slack_configured and not settings.teams_configured


def test_flag_rules_are_read_as_json_or_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_CONCERN_FLAG_RULES", "patient_safety:high, finance:critical")
    assert load_settings().concern_flag_rules == ["patient_safety:high", "finance:critical"]
    monkeypatch.setenv("OVERSIGHT_CONCERN_FLAG_RULES", '["patient_safety:high"]')
    assert load_settings().concern_flag_rules == ["patient_safety:high"]


def test_postgresql_through_psycopg_is_accepted_and_a_password_is_never_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", "postgresql://oversight:s3cret@db.internal/oversight")
    assert load_settings().database_url.startswith("postgresql://")
    (line,) = problems(monkeypatch, database_url="postgresql+psycopg2://oversight:s3cret@db.internal/oversight")
    assert "psycopg2" in line and "s3cret" not in line and "***" in line


def test_swapped_slack_tokens_are_named_without_showing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems(monkeypatch, slack_bot_token="xapp-1-A0-secretpart", slack_app_token="xoxb-1-2-secretpart")
    assert len(found) == 2 and all("look swapped" in line for line in found)
    assert not any("secretpart" in line for line in found)


def test_an_unknown_time_zone_is_not_blamed_on_tzdata(monkeypatch: pytest.MonkeyPatch) -> None:
    (line,) = problems(monkeypatch, digest_time_zone="Europe/Londn")
    assert "not a time zone name" in line and "tzdata" not in line


def test_a_machine_without_a_time_zone_database_is_told_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_database(key: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", no_database)
    monkeypatch.setattr(zoneinfo, "available_timezones", set)
    (line,) = problems(monkeypatch, digest_time_zone="Europe/London")
    assert "install tzdata" in line


def test_a_misspelt_variable_is_caught_and_an_unrelated_one_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_REQUIRE_POSTGRES", "1")  # the test suite's own switch, not a setting
    (line,) = problems(monkeypatch, slack_bot_tokn="xoxb-1")
    assert line.startswith("OVERSIGHT_SLACK_BOT_TOKN is not a setting") and "OVERSIGHT_SLACK_BOT_TOKEN=" in line


def test_a_misspelt_variable_in_the_env_file_is_caught_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OVERSIGHT_LOG_LEVL=DEBUG\n", encoding="utf-8")
    (line,) = problems(monkeypatch)
    assert line.startswith("OVERSIGHT_LOG_LEVL is not a setting")


def test_outside_a_checkout_the_default_store_is_in_the_users_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(config, "PROJECT_DIR", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config.default_database_path() == tmp_path / "data" / "oversight-bot" / "oversight.db"


def test_every_setting_has_a_good_value_to_show() -> None:
    assert all(config.good_value(field) != "..." for field in config.Settings.model_fields)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/oversight/oversight.db",
        "sqlite:///relative/oversight.db",
        "sqlite+pysqlite:////srv/a%20b/oversight.db",
        "sqlite:////tmp/with space/oversight.db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////tmp/x.db?timeout=5",
        "sqlite+aiosqlite:////tmp/x.db",
        "postgresql+psycopg://oversight@db.internal/oversight",
    ],
)
def test_a_sqlite_file_is_recognised_without_sqlalchemy_as_sqlalchemy_reads_it(url: str) -> None:
    """The quick path (no SQLAlchemy) takes a URL only where SQLAlchemy would open that very file."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    path = config.sqlite_file_path(url)
    if path is not None:
        assert (parsed.get_backend_name(), parsed.get_driver_name(), not parsed.query) == ("sqlite", "pysqlite", True)
        assert str(path) == parsed.database
        assert config.check_database_url(url) == url
    else:
        assert (
            parsed.database in (None, "", ":memory:")
            or parsed.query
            or parsed.get_driver_name() != "pysqlite"
            or (parsed.get_backend_name() != "sqlite")
        )


def test_the_default_release_sources_are_https_on_the_default_hosts() -> None:
    sources = config.release_sources(load_settings())
    assert [source.kind.value if source.kind else "page" for source in sources] == ["page", "ods-etr", "ods-succ"]
    assert all(source.url.startswith("https://") for source in sources)


def test_checking_releases_with_no_sources_to_check_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found = problems(
        monkeypatch,
        seeds_dir=str(tmp_path),  # a seeds folder without releases.toml
        frameworks_file=str(config.DEFAULT_SEEDS / "frameworks.toml"),
        seed_on_first_use="false",
        releases_check_hours="6",
    )
    assert found == [
        f"OVERSIGHT_RELEASES_FILE is not set, and there is no {tmp_path / 'releases.toml'}: "
        "OVERSIGHT_RELEASES_CHECK_HOURS would check nothing; "
        "for example OVERSIGHT_RELEASES_FILE=/etc/oversight/releases.toml"
    ]
