"""Engines for the store: SQLite (the embedded default) and PostgreSQL, each tuned for a chat bot.

Slack allows 3 seconds for an answer, so no wait here may approach that: SQLite waits at most
`SQLITE_BUSY_TIMEOUT_MS` for a writer, PostgreSQL connections time out after a few seconds, and
statements are never logged with their parameters (concern text must never reach a log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from oversight_bot.store.sqlite_file import SQLITE_BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS

POSTGRES_CONNECT_TIMEOUT_S = 3
POSTGRES_STATEMENT_TIMEOUT_MS = 10_000


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; bound parameters never appear in logs or exception text."""
    parsed = make_url(url)
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, options)
    if parsed.get_backend_name() == "postgresql":
        connect_args = options.pop("connect_args", {})
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
        connect_args.setdefault("options", f"-c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS}")
        options.setdefault("pool_timeout", 2)
        options.setdefault("pool_pre_ping", True)
        return create_engine(url, connect_args=connect_args, **options)
    return create_engine(url, **options)


def _sqlite_engine(url: str, options: dict[str, Any]) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = options.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **options)
    event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the bot answering /segment) carry on while a writer (an import) works.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dialect_insert(session: Session | Engine) -> Any:
    """The INSERT with ON CONFLICT of the session's (or engine's) database (SQLite or PostgreSQL);
    each dialect is imported only when used, PostgreSQL's taking a twentieth of a second."""
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
