"""The replay guard's file beside a SQLite store, when another process holds its write lock: the
insert is tried again until the lock is let go (within its bound), and past the bound the caller
is told the store is unavailable, to wait off the event loop (store/replays.py)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from oversight_bot.errors import StoreUnavailable
from oversight_bot.store.replays import TABLE, SqliteSeenRequests

SIGNATURE = "v0=" + "ab" * 32


@pytest.fixture
def replays(tmp_path: Path) -> Path:
    path = tmp_path / "oversight.db.replays"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(TABLE)
    return path


def another_writer(path: Path) -> sqlite3.Connection:
    """Another process's connection, in the middle of a write: it holds the file's write lock."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def test_a_busy_file_is_tried_again_until_the_other_writer_lets_go(replays: Path) -> None:
    pauses: list[float] = []

    def pause_while_the_writer_finishes(seconds: float) -> None:
        pauses.append(seconds)
        if writer.in_transaction:
            writer.execute("COMMIT")  # the other process lets go while the guard waits

    guard = SqliteSeenRequests(str(replays), busy_ms=30_000, sleep=pause_while_the_writer_finishes)
    assert guard.first_sight("v0=" + "cd" * 32, 2**31)  # its connection is set up: only inserts from here
    writer = another_writer(replays)
    try:
        assert guard.first_sight(SIGNATURE, 2**31) is True  # recorded once the lock was let go
    finally:
        writer.close()

    assert pauses and pauses[0] < 0.001  # it waited, briefly, rather than failing or blocking for long
    assert guard.first_sight(SIGNATURE, 2**31) is False  # and a replay of it is refused


def test_a_file_busy_past_the_bound_is_unavailable_and_records_nothing(replays: Path) -> None:
    guard = SqliteSeenRequests(str(replays), busy_ms=20)
    assert guard.first_sight("v0=" + "cd" * 32, 2**31)
    writer = another_writer(replays)
    try:
        with pytest.raises(StoreUnavailable):
            guard.first_sight(SIGNATURE, 2**31)
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert guard.first_sight(SIGNATURE, 2**31) is True  # nothing was recorded while it was busy
