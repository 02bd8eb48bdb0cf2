"""Create and upgrade the store's schema with Alembic, from code (no alembic.ini to find).

Alembic takes a tenth of a second to import, and every command checks the schema on start, so a
store already at the newest revision is recognised without it (`at_head`): the revision the store
records against the newest one its migration files declare. Alembic is imported only to migrate,
and SQLAlchemy only when an engine is asked (a SQLite file's revision is read with `sqlite3`, and
its preparing lock taken without an engine: `bootstrap.Database`).
"""

from __future__ import annotations

import fcntl
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from oversight_bot.errors import StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
VERSIONS = MIGRATIONS / "versions"
_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")
PREPARE_WAIT_S = 120.0  # seeding an empty store takes seconds; a slow, busy machine, many more
PREPARE_LOCK_KEY = 0x6F76657273  # PostgreSQL's advisory lock for preparing this application's store


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, all of it or none of it; safe to run on every start."""
    from alembic import command

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
    from alembic import command

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
    """The revision the store records (Alembic's `alembic_version` table); None for an empty store."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def declared_head() -> str | None:
    """The newest revision, read from the migration files' `revision` and `down_revision` lines
    (what Alembic reads them for); None unless there is exactly one head."""
    revisions, replaced = set(), set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision:
            revisions.add(revision[1])
        if down:
            replaced.update(_QUOTED.findall(down[1]))
    heads = revisions - replaced
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine) -> bool:
    """Whether the store is at the newest revision, without importing Alembic."""
    head = declared_head()
    return head is not None and current_revision(engine) == head


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


@contextmanager
def preparing(engine: Engine, waiting: Callable[[], None], wait_s: float = PREPARE_WAIT_S) -> Iterator[None]:
    """One process at a time prepares a store (migrations, then seeds on first use): two servers
    started at once would otherwise both migrate, and one would find the store locked and exit.
    Another waits its turn (`waiting` is called once, to say so) for up to `wait_s`, then finds the
    store ready. SQLite: a lock file beside the database; PostgreSQL: an advisory lock, so
    processes on several machines take turns too."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as connection:

            def take() -> bool:
                return bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": PREPARE_LOCK_KEY}))

            _take_in_time(take, waiting, wait_s)
            connection.commit()  # the lock is the session's: no transaction held open meanwhile
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARE_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with preparing_file(Path(database), waiting, wait_s):
        yield


@contextmanager
def preparing_file(database: Path, waiting: Callable[[], None], wait_s: float = PREPARE_WAIT_S) -> Iterator[None]:
    """`preparing` a SQLite file: a lock file beside it (taken without an engine, so that an answer
    from the read model's cache needs no SQLAlchemy)."""
    with open(f"{database}.prepare-lock", "w") as handle:
        _take_in_time(lambda: _try_flock(handle.fileno()), waiting, wait_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _take_in_time(take: Callable[[], bool], waiting: Callable[[], None], wait_s: float) -> None:
    if take():
        return
    waiting()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if take():
            return
    raise StoreUnavailable(
        f"another process has been preparing the store (migrations, seed data) for {wait_s:.0f} s; "
        "start again once it has finished, or stop it if it is stuck"
    )
