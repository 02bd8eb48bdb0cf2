"""Starting up: several processes started at the same moment on one store take turns preparing it
(migrations, seeds) instead of one failing; a keyed audit trail without its key is refused at
start with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from oversight_bot.bootstrap import build
from oversight_bot.config import Settings
from oversight_bot.errors import StoreUnavailable
from oversight_bot.store import schema
from oversight_bot.store.db import make_engine
from oversight_bot.store.tables import ImportRow
from tests.integration.concerns.test_records import KEY, REPORTER, SUBMISSION


def oversight(database_url: str, cwd: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """`oversight ...` as its own process, as an operator or a service manager starts it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    environment |= {"OVERSIGHT_DATABASE_URL": database_url, "COLUMNS": "200"} | env
    return subprocess.Popen([sys.executable, "-m", "oversight_bot", *args], env=environment, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_processes_started_at_once_on_a_new_sqlite_store_take_turns_to_prepare_it(
    tmp_path: Path, seeded_sqlite_template: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    started = [oversight(url, tmp_path, "ask", "segment RR8") for _ in range(3)]
    finished = [process.communicate(timeout=180) for process in started]
    for process, (stdout, stderr) in zip(started, finished, strict=True):
        assert process.returncode == 0, stderr
        assert "Leeds Teaching Hospitals NHS Trust (RR8)" in stdout
        assert "Traceback" not in stderr
    waited = [stderr for _, stderr in finished if "another process is preparing the store" in stderr]
    assert len(waited) >= 1  # at least one was told why it waited
    imports = select(func.count()).select_from(ImportRow)
    with make_engine(url).connect() as new, make_engine(f"sqlite:///{seeded_sqlite_template}").connect() as once:
        assert new.scalar(imports) == once.scalar(imports)  # seeded once, not three times


def test_a_process_waits_for_another_preparing_the_store_then_gives_up_after_the_bound(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    told: list[str] = []
    refused = pytest.raises(StoreUnavailable, match="another process has been preparing the store")
    with (
        schema.preparing(engine, waiting=lambda: told.append("held")),
        refused,
        schema.preparing(engine, waiting=lambda: told.append("waiting"), wait_s=0.3),
    ):
        pass  # pragma: no cover - never reached
    assert told == ["waiting"]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with schema.preparing(engine, waiting=lambda: None):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    other = make_engine(empty_db_url)  # another process's engine
    try:
        threading.Timer(0.3, release.set).start()
        with schema.preparing(other, waiting=lambda: told.append("waited its turn"), wait_s=10):
            assert release.is_set()  # in only once the other let go
    finally:
        release.set()
        holder.join()
        other.dispose()
        engine.dispose()
    assert told == ["waiting", "waited its turn"]


def test_a_keyed_audit_trail_without_its_key_is_refused_at_start_with_one_line(
    seeded_db_url: str, tmp_path: Path
) -> None:
    keyed = build(Settings(database_url=seeded_db_url, audit_key=SecretStr(KEY)))
    keyed.concerns.file(REPORTER, SUBMISSION)  # the first record written with the key starts the keyed chain
    keyed.close()
    without = oversight(seeded_db_url, tmp_path, "ask", "segment RR8")
    stdout, stderr = without.communicate(timeout=60)
    assert without.returncode == 2 and stdout == ""
    assert stderr.strip().splitlines() == [
        "Configuration problem: OVERSIGHT_AUDIT_KEY is not set, but this store's audit trail is keyed (from "
        "record 1); set it to the key the trail was keyed with (docs/concerns.md)"
    ]
    with_key = oversight(seeded_db_url, tmp_path, "ask", "segment RR8", OVERSIGHT_AUDIT_KEY=KEY)
    stdout, stderr = with_key.communicate(timeout=60)
    assert with_key.returncode == 0 and "Leeds Teaching Hospitals NHS Trust (RR8)" in stdout
