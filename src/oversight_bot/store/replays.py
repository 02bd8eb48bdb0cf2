"""The replay guard's memory in the store: one row per signed request seen, kept until its
timestamp is too old for any process to accept it anyway, under a unique key. Whichever process
receives a replay, the insert finds the row and the request is refused; on PostgreSQL that holds
across machines.

On SQLite the rows live in a file of their own beside the store (`<store>.replays`): SQLite has one
writer at a time, and a long write in the store (an import) must not make every request wait.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from oversight_bot.store.db import make_engine
from oversight_bot.store.tables import Base, SeenRequestRow
from oversight_bot.store.unit_of_work import unavailable_as_store_error

PURGE_EVERY_S = 60.0


class SqlAlchemySeenRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect_insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
        # RETURNING says whether a row went in (the driver's rowcount is not reliable here).
        self._insert = (
            dialect_insert(SeenRequestRow).on_conflict_do_nothing(index_elements=["key"]).returning(SeenRequestRow.key)
        )
        self._purged_at = -PURGE_EVERY_S

    def first_sight(self, key: str, keep_until: int) -> bool:
        """Record `key`; False if it was recorded before (a replay). StoreUnavailable if the store
        cannot say."""
        with unavailable_as_store_error(), self.engine.begin() as connection:
            inserted = connection.execute(self._insert, {"key": key, "expires_at": keep_until}).first() is not None
            if time.monotonic() - self._purged_at > PURGE_EVERY_S:
                self._purged_at = time.monotonic()
                connection.execute(delete(SeenRequestRow).where(SeenRequestRow.expires_at < int(time.time())))
        return inserted


def seen_requests_for(store: Engine) -> SqlAlchemySeenRequests:
    """The guard's table: the store's own on PostgreSQL, a file beside it on SQLite."""
    database = store.url.database
    if store.dialect.name != "sqlite" or not database or database == ":memory:":
        return SqlAlchemySeenRequests(store)
    engine = make_engine(f"sqlite:///{database}.replays")
    Base.metadata.create_all(engine, tables=[SeenRequestRow.__table__])  # type: ignore[list-item]
    return SqlAlchemySeenRequests(engine)
