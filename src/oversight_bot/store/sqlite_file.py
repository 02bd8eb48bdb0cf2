"""A SQLite store read with the standard library's `sqlite3`, for the few facts a quick answer needs.

A command-line answer from the read model's cache (`read_model_cache.py`) needs only to know
whether the cache is current (the schema's revision and the latest import), how many concerns
are open and whether the audit trail is keyed; importing SQLAlchemy for that took longer than
the rest of the answer (docs/benchmarks.md, "Start-up"). Everything else, and every write, goes
through SQLAlchemy (`db.py`); a test checks that these queries agree with the repositories'.
PostgreSQL stores do not come here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from oversight_bot.errors import StoreUnavailable

SQLITE_BUSY_TIMEOUT_MS = 1000  # at most this long waiting for a writer (Slack allows 3 s an answer)


@dataclass(frozen=True, slots=True)
class DataStamp:
    """What identifies the data an import left: its id (the read model's version) and, so that a
    different store that reached the same id (a restored or re-seeded file) is never taken for this
    one, when it was written and the file it read."""

    import_id: int
    imported_at: str
    sha256: str

    def as_list(self) -> list[object]:
        return [self.import_id, self.imported_at, self.sha256]


NO_DATA = DataStamp(0, "", "")


class SqliteFile:
    """Read-only questions to one SQLite file. Each call opens its own connection (a fraction of a
    millisecond), so that any thread may ask; none creates the file or changes anything. A file
    that cannot be read (missing, locked past the timeout, not a database) is `StoreUnavailable`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to the existing file, closed after use."""
        uri = f"{self.path.absolute().as_uri()}?mode=rw"
        try:
            with closing(
                sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            ) as connection:
                yield connection
        except sqlite3.Error as error:  # its message could name the file only, but the type says enough
            raise StoreUnavailable(f"the store is unavailable ({type(error).__name__})") from None

    def exists(self) -> bool:
        return self.path.is_file()

    def revision(self) -> str | None:
        """The schema revision the store records (Alembic's table); None if the file or the table is
        missing."""
        if not self.exists():
            return None
        with self.connect() as connection:
            return _revision(connection)

    def facts(self) -> tuple[str | None, DataStamp]:
        """The schema and the latest import, read in one transaction (so that they agree). The
        schema is its revision and SQLite's schema cookie, which every change of a table's shape
        moves on: a migration taken back and made again leaves the revision as it was, not the
        cookie (nor, perhaps, the data). None if the store records no revision."""
        with self.connect() as connection:
            connection.execute("BEGIN")
            try:
                revision = _revision(connection)
                cookie = connection.execute("PRAGMA schema_version").fetchone()[0]
                schema = f"{revision} (schema cookie {cookie})" if revision is not None else None
                return schema, _latest_import(connection)
            finally:
                connection.execute("COMMIT")

    def latest_import(self) -> DataStamp:
        with self.connect() as connection:
            return _latest_import(connection)

    def open_concern_counts(self) -> dict[str, int]:
        """Concerns not closed, per organisation: as `SqlAlchemyConcernRepository.open_counts`."""
        with self.connect() as connection:
            query = "SELECT ods_code, count(*) FROM concerns WHERE status != 'closed' GROUP BY ods_code"
            return {str(code): int(count) for code, count in connection.execute(query)}

    def audit_keyed_from(self) -> int | None:
        """Where the audit chain's keying began: as `SqlAlchemyAuditLog.head().keyed_from`."""
        with self.connect() as connection:
            if not _has_table(connection, "audit_head"):
                return None
            row = connection.execute("SELECT keyed_from FROM audit_head WHERE id = 1").fetchone()
            return int(row[0]) if row and row[0] is not None else None


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return connection.execute(query, (name,)).fetchone() is not None


def _revision(connection: sqlite3.Connection) -> str | None:
    if not _has_table(connection, "alembic_version"):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _latest_import(connection: sqlite3.Connection) -> DataStamp:
    if not _has_table(connection, "imports"):
        return NO_DATA
    row = connection.execute("SELECT id, imported_at, sha256 FROM imports ORDER BY id DESC LIMIT 1").fetchone()
    return _stamp(row) if row else NO_DATA


def _stamp(row: tuple[object, ...]) -> DataStamp:
    import_id, imported_at, sha256 = row
    return DataStamp(int(str(import_id)), str(imported_at), str(sha256))
