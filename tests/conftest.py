"""Shared fixtures: the seeded SQLite store, a real PostgreSQL server, the CLI, the shared data."""

from __future__ import annotations

import os
import shutil

# The command line's rich consoles take their width from COLUMNS when they are made (at import), and
# pytest-xdist's workers set COLUMNS=80: one width for every test, whichever process runs it, so
# that an answer is never wrapped differently from one run to the next.
os.environ["COLUMNS"] = "200"
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import DEFAULT_SEEDS, Settings
from oversight_bot.store import schema
from oversight_bot.store.db import make_engine
from tests import postgres
from tests.slack_standin import SlackStandIn

hypothesis_settings.register_profile("ci", max_examples=200, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=60, deadline=None)
# CI (.ci/run, or any CI that sets CI=true) tries more examples than a developer's machine.
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

SEEDS = DEFAULT_SEEDS
NOF_FILE = SEEDS / "nof-mental-health-and-community-2025-26-q1-q2.csv"


@pytest.fixture(scope="session", autouse=True)
def chart_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Charts the console draws go to a folder of the session's, not the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder / "oversight-bot" / "charts"
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file per test session; tests get copies of it (seeding takes a second or two)."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    app = build(Settings(database_url=f"sqlite:///{path}"))
    with app.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    app.close()
    return path


@pytest.fixture
def seeded_db_url(seeded_sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "oversight.db"
    shutil.copy(seeded_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def seeded_app(seeded_db_url: str) -> Iterator[Application]:
    app = build(Settings(database_url=seeded_db_url))
    yield app
    app.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    try:
        server = postgres.start()
    except (FileNotFoundError, OSError) as error:
        if os.environ.get("OVERSIGHT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here (OVERSIGHT_REQUIRE_POSTGRES=1) but did not start: {error}")
        pytest.skip(f"no PostgreSQL server available: {error}")
    try:
        template = make_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with template.connect() as connection:
            connection.execute(text("CREATE DATABASE oversight_template"))
        template.dispose()
        migrated = make_engine(server.url("oversight_template"))
        schema.upgrade(migrated)
        migrated.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: postgres.PostgresServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test (cloned from a migrated template)."""
    with postgres.throwaway_database(postgres_server, template="oversight_template") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store, migrated, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def empty_app(empty_db_url: str) -> Iterator[Application]:
    app = build(Settings(database_url=empty_db_url, seed_on_first_use=False))
    yield app
    app.close()


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """The Slack stand-in: Slack's Web API and response URLs on 127.0.0.1."""
    server = SlackStandIn()
    yield server
    server.close()
