"""The replay guard's memory in the store: one row per signed request seen, kept until its
timestamp is too old for any process to accept it anyway, under a unique key. Whichever process
receives a replay, the insert finds the row and the request is refused; on PostgreSQL that holds
across machines.

On SQLite the rows live in a file of their own beside the store (`<store>.replays`): SQLite has one
writer at a time, and a long write in the store (an import) must not make every request wait. That
file is written through the standard library's sqlite3 (one connection per thread, one
`INSERT OR IGNORE` a request), not SQLAlchemy: the guard runs on every request, and SQLAlchemy's
statement machinery cost more than the insert itself (bench/bench_slack_http.py, docs/slack.md).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing

from sqlalchemy import Engine, delete

from oversight_bot.errors import StoreUnavailable
from oversight_bot.store.db import SQLITE_BUSY_TIMEOUT_MS, dialect_insert
from oversight_bot.store.tables import SeenRequestRow
from oversight_bot.store.unit_of_work import unavailable_as_store_error

logger = logging.getLogger(__name__)
PURGE_EVERY_S = 60.0
INLINE_BUSY_MS = 20
FIRST_RETRY_S, LAST_RETRY_S = 0.00002, 0.001  # a busy file tried again after 20 µs, doubling to 1 ms
PURGE_BATCH = 2000
# The file's own table: one b-tree (the key, 32 bytes of the signature), so that an insert writes
# one page; the purge scans it (a background thread, once a minute, in batches).
TABLE = "CREATE TABLE IF NOT EXISTS seen_signatures (key BLOB PRIMARY KEY, expires_at INTEGER) WITHOUT ROWID"
INSERT = "INSERT OR IGNORE INTO seen_signatures (key, expires_at) VALUES (?, ?)"
PURGE = (
    "DELETE FROM seen_signatures WHERE key IN "
    f"(SELECT key FROM seen_signatures WHERE expires_at < ? LIMIT {PURGE_BATCH})"
)


class SqlAlchemySeenRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # RETURNING says whether a row went in (the driver's rowcount is not reliable here).
        self._insert = (
            dialect_insert(engine)(SeenRequestRow)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(SeenRequestRow.key)
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


class SqliteSeenRequests:
    """The guard's file beside a SQLite store, through sqlite3 directly, quick enough to ask on the
    event loop (`inline`): one small insert into a local file that nothing else writes for long.
    Its write lock is held for microseconds (an insert) or a millisecond or two (a purge, in
    batches, on a thread of its own); writes go to the WAL without fsync (synchronous=NORMAL, and
    checkpoints only from the purge thread), and a lock held longer than `INLINE_BUSY_MS` is
    StoreUnavailable at once, for the caller to wait for off the loop."""

    inline = True

    def __init__(self, path: str, busy_ms: int = INLINE_BUSY_MS, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = path
        self.busy_ms = busy_ms
        self.sleep = sleep  # the pause between two tries of a busy file
        self._local = threading.local()
        self._purged_at = time.monotonic()
        self._purging = threading.Lock()

    def first_sight(self, key: str, keep_until: int) -> bool:
        inserted = self._insert(_packed(key), keep_until)
        if time.monotonic() - self._purged_at > PURGE_EVERY_S and self._purging.acquire(blocking=False):
            self._purged_at = time.monotonic()
            threading.Thread(target=self._purge, name="replay-purge", daemon=True).start()
        return inserted

    def _insert(self, key: bytes, keep_until: int) -> bool:
        """One insert. SQLite's own wait for a busy file sleeps a whole millisecond at its first
        retry, and here that would stop the event loop: with two workers inserting thousands of
        times a second, their inserts meet often (bench/bench_slack_http.py). So the file is never
        waited for by SQLite; a busy file is tried again after a few microseconds, doubling, until
        `busy_ms` has passed."""
        connection = self._connection()
        deadline = time.monotonic() + self.busy_ms / 1000
        pause = FIRST_RETRY_S
        while True:
            try:
                return connection.execute(INSERT, (key, keep_until)).rowcount == 1
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() + pause > deadline:
                    raise StoreUnavailable(f"the store is unavailable ({type(error).__name__})") from None
            except sqlite3.Error as error:
                raise StoreUnavailable(f"the store is unavailable ({type(error).__name__})") from None
            self.sleep(pause)
            pause = min(pause * 2, LAST_RETRY_S)

    def _purge(self) -> None:
        """Forget what is too old to be accepted anyway, a batch per transaction; then checkpoint."""
        try:
            with closing(self._connect(SQLITE_BUSY_TIMEOUT_MS)) as connection:
                while connection.execute(PURGE, (int(time.time()),)).rowcount == PURGE_BATCH:
                    time.sleep(0.001)  # let the requests' inserts in between batches
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:
            logger.warning("the replay guard's purge failed (%s); it is tried again later", type(error).__name__)
        finally:
            self._purging.release()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect(self.busy_ms)  # setting it up may wait, once per thread
            connection.execute("PRAGMA busy_timeout=0")  # from here never waited for by SQLite: `_insert`
            self._local.connection = connection
        return connection

    def _connect(self, busy_ms: int) -> sqlite3.Connection:
        """Autocommit (each insert its own transaction), WAL, no automatic checkpoint."""
        connection = sqlite3.connect(self.path, timeout=busy_ms / 1000, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        return connection


def seen_requests_for(store: Engine) -> SqlAlchemySeenRequests | SqliteSeenRequests:
    """The guard's table: the store's own on PostgreSQL, a file beside it on SQLite."""
    database = store.url.database
    if store.dialect.name != "sqlite" or not database or database == ":memory:":
        return SqlAlchemySeenRequests(store)
    path = f"{database}.replays"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(TABLE)
    return SqliteSeenRequests(path)


def _busy(error: sqlite3.OperationalError) -> bool:
    return (error.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)  # extended codes too


def _packed(signature: str) -> bytes:
    """Slack's `v0=<64 hex digits>` as its 32 bytes (anything else as its UTF-8)."""
    digits = signature.removeprefix("v0=")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        return signature.encode()
