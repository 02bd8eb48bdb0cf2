"""The read model's cache beside a SQLite store: a new process answers from it only while it is
certainly current, never from a stale, corrupt or planted file (store/read_model_cache.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from pydantic import SecretStr

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import Category, RaisedAs, Severity, Status
from oversight_bot.services.concerns import ConcernSubmission
from oversight_bot.services.snapshot import Snapshot
from oversight_bot.store import read_model_cache, schema
from oversight_bot.store.read_model_cache import CachedSnapshotSource, ReadModelCache, cache_path
from oversight_bot.store.snapshot import SqlAlchemySnapshotSource
from oversight_bot.store.sqlite_file import SqliteFile
from tests.conftest import SEEDS
from tests.oversight_cli import oversight

LEEDS = "Leeds Teaching Hospitals NHS Trust (RR8)"
REPORTER = Actor("slack", "U0REPORTER", "D0REPORTER", "T0STANDIN")
TRIAGER = Actor("slack", "U0TRIAGER", "D0TRIAGER", "T0STANDIN")
SUBMISSION = ConcernSubmission(
    ods_code="RR8",
    category=Category.PATIENT_SAFETY,
    severity=Severity.HIGH,
    summary="Escalation of deteriorating patients delayed on two wards",
    details="Observations were missed overnight on several occasions this month.",
    raised_as=RaisedAs.OPENLY,
)


@pytest.fixture
def database(seeded_db_url: str) -> Path:
    return Path(seeded_db_url.removeprefix("sqlite:///"))


@pytest.fixture
def app(seeded_db_url: str) -> Iterator[Application]:
    app = build(Settings(database_url=seeded_db_url, roles={"oversight": [TRIAGER.user_id]}))
    yield app
    app.close()


def ask(database: Path, text: str) -> str:
    """`oversight ask TEXT` as a new process would answer it: a new application, its own read model."""
    result = oversight("ask", text, env={"OVERSIGHT_DATABASE_URL": f"sqlite:///{database}"})
    return str(result.output)


def in_another_process(database: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    environment |= {"OVERSIGHT_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}
    command_line = [sys.executable, "-c", code] if code else [sys.executable, "-m", "oversight_bot", *args]
    return subprocess.run(command_line, capture_output=True, text=True, env=environment, timeout=120, check=False)


def with_alias(folder: Path, alias: str) -> Path:
    """The seeds' alias list and one more name for Leeds Teaching Hospitals."""
    path = folder / f"aliases {alias}.csv"
    path.write_text((SEEDS / "aliases.csv").read_text() + f"{alias},RR8,a name a test gives it\n")
    return path


def open_concerns(answer: str) -> str:
    found = re.search(r"Open concerns\s+(\d+)", answer)
    assert found is not None, answer
    return found[1]


def cached(database: Path) -> Snapshot | None:
    """What the cache file holds for the store as it is now (None: nothing current)."""
    schema_now, stamp = SqliteFile(database).facts()
    assert schema_now is not None
    return ReadModelCache(cache_path(database)).read(schema_now, stamp)


def from_store(app: Application) -> Snapshot:
    return SqlAlchemySnapshotSource(app.engine, app.session_factory).load()


def plant(database: Path, snapshot: Snapshot) -> None:
    """A cache file keyed for the store as it is now, holding `snapshot`."""
    schema_now, stamp = SqliteFile(database).facts()
    assert schema_now is not None
    ReadModelCache(cache_path(database)).write(snapshot, schema_now, stamp)


def renamed_leeds(snapshot: Snapshot) -> Snapshot:
    organisations = dict(snapshot.organisations)
    organisations["RR8"] = dataclasses.replace(organisations["RR8"], name="Tampered Trust")
    return dataclasses.replace(snapshot, organisations=organisations)


def test_the_next_process_answers_from_the_cache_without_sqlalchemy(database: Path, app: Application) -> None:
    assert LEEDS in ask(database, "segment RR8")  # loads from the store and writes the cache
    assert cached(database) == from_store(app)  # the very snapshot the store gives

    probe = (
        "import sys\nfrom oversight_bot.cli.main import run_command\nstatus = run_command(['ask', 'segment RR8'])\n"
        "print('sqlalchemy imported:', 'sqlalchemy' in sys.modules, 'status:', status)"
    )
    answered = in_another_process(database, code=probe)
    assert LEEDS in answered.stdout, answered.stderr
    assert "sqlalchemy imported: False status: 0" in answered.stdout


def test_an_import_by_another_process_is_answered_at_once(database: Path, tmp_path: Path) -> None:
    assert "No organisation matches" in ask(database, "segment Leeds Teachers")
    assert cached(database) is not None
    aliases = with_alias(tmp_path, "Leeds Teachers")
    imported = in_another_process(database, "import", "aliases", str(aliases))
    assert imported.returncode == 0, imported.stderr

    assert LEEDS in ask(database, "segment Leeds Teachers")
    assert cached(database) is not None  # rewritten for the new data


def test_a_concern_filed_by_another_process_is_counted_at_once(database: Path, app: Application) -> None:
    assert open_concerns(ask(database, "segment RR8")) == "0"
    filed = app.concerns.file(REPORTER, SUBMISSION).concern
    assert open_concerns(ask(database, "segment RR8")) == "1"
    app.concerns.move(TRIAGER, filed.reference, Status.CLOSED, "resolved")
    assert open_concerns(ask(database, "segment RR8")) == "0"


def test_the_cache_holds_no_concern_nor_who_raised_it(database: Path, app: Application) -> None:
    """The file is written beside the store for any process of this user to read: what it holds is
    the published data only, never a concern's words, its reference or its reporter."""
    filed = app.concerns.file(REPORTER, SUBMISSION).concern
    cache_path(database).unlink(missing_ok=True)
    assert open_concerns(ask(database, "segment RR8")) == "1"  # answered, and the cache written now
    written = cache_path(database).read_bytes()
    assert cached(database) is not None
    for confidential in (SUBMISSION.summary, SUBMISSION.details, filed.reference, REPORTER.user_id):
        assert confidential.encode() not in written


def test_after_a_migration_the_cache_is_not_used(database: Path, app: Application) -> None:
    """Taking the register's migration back and making it again leaves the same revision and the
    same latest import, but no successions: the cache of before must not answer."""
    assert "(R0A) on 1 October 2021" in ask(database, "segment RW6")
    config = schema.alembic_config(app.engine)
    with app.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    schema.upgrade(app.engine)
    assert schema.at_head(app.engine)

    answer = ask(database, "segment RW6")
    assert "(R0A) on 1 October 2021" not in answer
    assert "ODS's successor file records no successor for it." in answer


def test_another_stores_cache_at_the_same_import_is_not_used(
    database: Path, seeded_sqlite_template: Path, tmp_path: Path
) -> None:
    """Two stores that have each had one more import (a restored backup, a store seeded again)
    share an import id but not their data: one's cache never answers for the other."""
    other = tmp_path / "other" / "oversight.db"
    other.parent.mkdir()
    other.write_bytes(seeded_sqlite_template.read_bytes())
    for store, alias in ((database, "Leeds Teachers"), (other, "Leeds Students")):
        aliases = with_alias(tmp_path, alias)
        imported = oversight("import", "aliases", str(aliases), env={"OVERSIGHT_DATABASE_URL": f"sqlite:///{store}"})
        assert imported.exit_code == 0, imported.output
        assert LEEDS in ask(store, f"segment {alias}")  # and writes its cache
    assert SqliteFile(database).latest_import().import_id == SqliteFile(other).latest_import().import_id

    cache_path(database).write_bytes(cache_path(other).read_bytes())
    assert "No organisation matches" in ask(database, "segment Leeds Students")
    assert LEEDS in ask(database, "segment Leeds Teachers")


def test_a_new_version_of_the_bot_does_not_read_the_old_ones_cache(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LEEDS in ask(database, "segment RR8")
    assert cached(database) is not None
    monkeypatch.setattr(read_model_cache, "code_fingerprint", lambda: "another version")
    assert cached(database) is None


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut short"),
        pytest.param(lambda data: data[:-10] + b"0123456789", id="bytes changed"),
        pytest.param(lambda data: data.replace(b"Leeds Teaching", b"Leeds Teachinx"), id="a name changed inside"),
        pytest.param(lambda data: b"not a cache at all\n" + data, id="not a cache"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_corrupt_cache_is_ignored_and_replaced(database: Path, app: Application, spoil: object) -> None:
    assert LEEDS in ask(database, "segment RR8")
    path = cache_path(database)
    path.write_bytes(spoil(path.read_bytes()))  # type: ignore[operator]
    assert cached(database) is None

    assert LEEDS in ask(database, "segment RR8")
    assert cached(database) == from_store(app)


class _Planted:
    """A pickle that, unpickled, would create a file: what a crafted cache would do."""

    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.canary), "w"))


def calling(module: str, name: str, *args: str) -> bytes:
    """A pickle (protocol 4, written out by hand) that calls `module`'s `name` with `args`: pickle
    itself names no class by a dotted path, a crafted file may."""

    def text(value: str) -> bytes:
        encoded = value.encode()
        return pickle.SHORT_BINUNICODE + bytes([len(encoded)]) + encoded

    arguments = b"".join(text(arg) for arg in args)
    return (
        pickle.PROTO
        + b"\x04"
        + text(module)
        + text(name)
        + pickle.STACK_GLOBAL
        + arguments
        + pickle.TUPLE2
        + pickle.REDUCE
        + pickle.STOP
    )


@pytest.mark.parametrize(
    "crafted",
    [
        "a function",
        # From a domain module, through what it imported, to io.FileIO: a class, and one that writes files.
        "a class reached through a module the domain imports",
    ],
)
def test_a_cache_that_names_anything_but_the_read_model_is_never_run(
    database: Path, app: Application, tmp_path: Path, crafted: str
) -> None:
    canary = tmp_path / "canary"
    schema_now, stamp = SqliteFile(database).facts()
    assert schema_now is not None
    if crafted == "a function":
        payload = pickle.dumps(_Planted(canary))
    else:
        payload = calling("oversight_bot.domain.quarters", "re.enum.bltns.open.__self__.FileIO", str(canary), "w")
    header = ReadModelCache._header(schema_now, stamp, payload)  # keyed exactly for this store
    cache_path(database).write_bytes(read_model_cache.MAGIC + json.dumps(header).encode() + b"\n" + payload)

    assert LEEDS in ask(database, "segment RR8")
    assert not canary.exists()
    assert cached(database) == from_store(app)  # replaced by the read model


@pytest.mark.parametrize("untrusted", ["others may write it", "another user owns it", "a link"])
def test_a_cache_this_user_did_not_write_alone_is_not_trusted(
    database: Path, app: Application, untrusted: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    planted = renamed_leeds(from_store(app))
    plant(database, planted)
    assert "Tampered Trust" in ask(database, "segment RR8")  # what a trusted file with these contents would do

    path = cache_path(database)
    if untrusted == "others may write it":
        path.chmod(0o666)
    elif untrusted == "another user owns it":
        monkeypatch.setattr(os, "geteuid", lambda: os.stat(path).st_uid + 1)
    else:
        elsewhere = tmp_path / "elsewhere.read-model"
        path.rename(elsewhere)
        path.symlink_to(elsewhere)
    answer = ask(database, "segment RR8")
    assert "Tampered Trust" not in answer
    assert LEEDS in answer


def test_two_processes_writing_at_once_leave_one_whole_cache(database: Path, app: Application) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    environment |= {"OVERSIGHT_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "oversight_bot", "ask", "segment RR8"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert LEEDS in out
    assert cached(database) == from_store(app)
    assert [p.name for p in database.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_an_import_committed_while_loading_is_never_cached_as_the_older_data(
    database: Path, app: Application, tmp_path: Path
) -> None:
    """A process loads the read model; before it has written the cache, another commits an import.
    What it loaded is not cached (under either import), and the next load has the import."""
    aliases = with_alias(tmp_path, "Leeds Teachers")
    loaded_before_the_import: list[Snapshot] = []

    class LoadThenImportElsewhere:
        def version(self) -> int:
            raise AssertionError("not asked")

        def load(self) -> Snapshot:
            snapshot = from_store(app)
            loaded_before_the_import.append(snapshot)
            imported = in_another_process(database, "import", "aliases", str(aliases))
            assert imported.returncode == 0, imported.stderr
            return snapshot

    source = CachedSnapshotSource(SqliteFile(database), LoadThenImportElsewhere)
    assert source.load() is loaded_before_the_import[0]
    assert not cache_path(database).exists()

    assert LEEDS in ask(database, "segment Leeds Teachers")
    assert cached(database) is not None


def test_the_quick_reads_agree_with_the_store(app: Application, database: Path) -> None:
    """The few facts read with sqlite3 are the ones the SQLAlchemy repositories give."""
    first = app.concerns.file(REPORTER, SUBMISSION).concern
    app.concerns.file(REPORTER, dataclasses.replace(SUBMISSION, ods_code="RWR"))
    app.concerns.file(REPORTER, dataclasses.replace(SUBMISSION, ods_code="RWR"))
    app.concerns.move(TRIAGER, first.reference, Status.CLOSED, "resolved")
    quick = SqliteFile(database)
    with app.uow() as uow:
        assert quick.open_concern_counts() == uow.concerns.open_counts() == {"RWR": 2}
    assert quick.revision() == schema.current_revision(app.engine)
    assert quick.latest_import().import_id == SqlAlchemySnapshotSource(app.engine, app.session_factory).version()
    with app.uow() as uow:
        assert quick.audit_keyed_from() == uow.audit.head().keyed_from is None


def test_a_keyed_audit_trail_without_its_key_is_refused_by_an_answer_from_the_cache(
    database: Path, app: Application
) -> None:
    """Every command checks the audit key at start (bootstrap.prepare), the quick ones too."""
    assert LEEDS in ask(database, "segment RR8")  # the cache written
    keyed = build(app.settings.model_copy(update={"audit_key": SecretStr("k" * 40)}))
    keyed.concerns.file(REPORTER, SUBMISSION)  # the trail keyed from this record on
    with keyed.uow() as uow:
        keyed_from = uow.audit.head().keyed_from
    keyed.close()
    assert keyed_from is not None and SqliteFile(database).audit_keyed_from() == keyed_from

    refused = oversight("ask", "segment RR8", env={"OVERSIGHT_DATABASE_URL": f"sqlite:///{database}"})
    assert refused.exit_code == 2 and refused.stdout == ""
    assert f"OVERSIGHT_AUDIT_KEY is not set, but this store's audit trail is keyed (from record {keyed_from})" in (
        refused.stderr
    )
