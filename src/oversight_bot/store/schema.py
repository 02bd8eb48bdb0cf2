"""Create and upgrade the store's schema with Alembic, from code (no alembic.ini to find)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, all of it or none of it; safe to run on every start."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _upgrade_sqlite(connection, config, revision)
            return
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def _upgrade_sqlite(connection: Connection, config: Config, revision: str) -> None:
    """SQLite alters a table by copying it and dropping the old one, and dropping a table that
    others refer to fails while foreign keys are on; the pragma only takes effect outside a
    transaction. And Python's sqlite3 does not open a transaction before DDL by itself, so a
    migration that failed half way would stay half done. So: foreign keys off, an explicit
    BEGIN, the migration, a check that it broke no reference, then COMMIT (or ROLLBACK)."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    previous = driver.isolation_level
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    broken_before = _broken_references(connection)
    connection.commit()
    driver.isolation_level = None  # no implicit transactions: the BEGIN below is the only one
    try:
        with connection.begin():
            connection.exec_driver_sql("BEGIN")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if _broken_references(connection) - broken_before:
                raise RuntimeError("the migration would break references between tables; nothing was changed")
    finally:
        driver.isolation_level = previous
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _broken_references(connection: Connection) -> set[tuple[object, ...]]:
    return {tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
