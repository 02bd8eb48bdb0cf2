"""The concern record on SQLite and PostgreSQL: an audit trail the database refuses to rewrite and
`oversight audit verify` checks, the audited export, and the retention rule applied by command."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import Result

from oversight_bot.bootstrap import Application, build
from oversight_bot.cli.exports import ExportFile
from oversight_bot.config import Settings
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import Category, RaisedAs, Severity, Status
from oversight_bot.errors import StoreUnavailable
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.services.concerns import ConcernService, ConcernSubmission
from tests.conftest import SEEDS
from tests.fakes import FakeClock
from tests.oversight_cli import oversight as run_oversight

TRIAGER = Actor("slack", "U0TRIAGER", "D0TRIAGER", "T0STANDIN")
REPORTER = Actor("slack", "U0REPORTER", "D0REPORTER", "T0STANDIN")
ROLES = json.dumps({"oversight": ["U0TRIAGER"]})
SUBMISSION = ConcernSubmission(
    ods_code="RR8",
    category=Category.GOVERNANCE,
    severity=Severity.HIGH,
    summary="Board papers altered after the meeting",
    details="The risk register item on maternity staffing was removed from the published papers.",
    raised_as=RaisedAs.CONFIDENTIALLY,
)


@pytest.fixture
def store(empty_db_url: str) -> Iterator[Application]:
    app = build(Settings(database_url=empty_db_url, seed_on_first_use=False, roles={"oversight": ["U0TRIAGER"]}))
    trusts = read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv"))
    app.importer.organisations(trusts, "ods")
    yield app
    app.close()


def oversight(store: Application, *args: str, **env: str) -> Result:
    environment = {"OVERSIGHT_DATABASE_URL": store.settings.database_url, "OVERSIGHT_ROLES": ROLES, "COLUMNS": "200"}
    environment |= env
    return run_oversight(*args, env=environment)


def concerns_at(store: Application, moment: datetime) -> ConcernService:
    """The concern service with the clock at `moment` (to close concerns in the past)."""
    return build(store.settings, prepare_store=False, clock=FakeClock(moment), uow=store.uow).concerns


def history(store: Application) -> str:
    """File, view and move a concern: three audit records."""
    reference = store.concerns.file(REPORTER, SUBMISSION).concern.reference
    store.concerns.view(TRIAGER, reference)
    store.concerns.move(TRIAGER, reference, Status.ACKNOWLEDGED)
    return reference


def test_the_database_refuses_to_edit_or_delete_audit_records(store: Application) -> None:
    history(store)
    for statement in ("UPDATE audit_records SET actor = 'someone else' WHERE seq = 2", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    assert oversight(store, "audit", "verify").exit_code == 0


def test_audit_verify_names_the_first_record_that_was_tampered_with(store: Application) -> None:
    reference = history(store)
    intact = oversight(store, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "Audit trail intact: 3 record(s)." in intact.output
    listed = oversight(store, "audit", "list", "--reference", reference, "--json")
    records = json.loads(listed.stdout)["records"]
    assert [r["action"] for r in records] == ["status changed", "viewed", "created"]

    with store.engine.begin() as connection:  # someone with the database owner's rights
        drop_append_only_guard(connection, store)
        connection.execute(text("UPDATE audit_records SET actor = 'nobody' WHERE seq = 2"))
    broken = oversight(store, "audit", "verify")
    assert broken.exit_code == 1
    assert "Audit trail BROKEN at record 2: its contents do not match its hash (edited)." in broken.output
    assert "1 record(s) before it check out." in broken.output


def test_audit_verify_notices_the_newest_records_deleted(store: Application) -> None:
    history(store)
    with store.engine.begin() as connection:
        drop_append_only_guard(connection, store)
        connection.execute(text("DELETE FROM audit_records WHERE seq = 3"))
    broken = oversight(store, "audit", "verify", "--json")
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["first_broken"] == 3 and report["reason"] == "records 3 to 3 are missing from the end"


def test_the_export_is_a_private_file_of_every_concern_without_reporters_and_is_audited(
    store: Application, tmp_path: Path
) -> None:
    reference = history(store)
    destination = tmp_path / "concerns.json"
    result = oversight(store, "concerns", "export", str(destination))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    (exported,) = json.loads(destination.read_text(encoding="utf-8"))
    assert exported["reference"] == reference and exported["details"] == SUBMISSION.details
    assert exported["raised_as"] == "confidentially" and "U0REPORTER" not in destination.read_text(encoding="utf-8")
    last = store.concerns.audit_records(limit=1)[0].entry
    assert (last.action, last.facts) == ("exported", {"count": 1, "to": str(destination.resolve())})
    again = oversight(store, "concerns", "export", str(destination))
    assert again.exit_code == 2 and "exists: give a new file name" in again.stderr
    assert store.concerns.audit_records(limit=1)[0].entry == last  # refused, so not recorded


def test_an_export_that_cannot_be_written_fails_cleanly_and_is_not_recorded(store: Application, tmp_path: Path) -> None:
    history(store)
    before = store.concerns.audit_records(limit=100)
    destination = tmp_path / "no-such-folder" / "concerns.json"
    result = oversight(store, "concerns", "export", str(destination))
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == (
        f"oversight: cannot write {destination} (No such file or directory): give a file in a folder you can write to"
    )
    assert store.concerns.audit_records(limit=100) == before  # no record of an export that never happened


def test_an_export_file_is_removed_unless_the_export_was_recorded(tmp_path: Path) -> None:
    """Written, then the audit record could not be kept: the file goes too, leaving no unrecorded copy."""
    destination = tmp_path / "concerns.json"
    with pytest.raises(StoreUnavailable), ExportFile(destination) as export:
        export.write([])
        raise StoreUnavailable("the store is unavailable (OperationalError)")
    assert not destination.exists()


def test_retention_deletes_only_concerns_closed_long_enough_ago_and_only_when_told_to(store: Application) -> None:
    now = datetime.now(UTC)
    old, recent, still_open = (store.concerns.file(REPORTER, SUBMISSION).concern.reference for _ in range(3))
    concerns_at(store, now - timedelta(days=40)).move(TRIAGER, old, Status.CLOSED, "Papers republished")
    concerns_at(store, now - timedelta(days=10)).move(TRIAGER, recent, Status.CLOSED, "No case to answer")

    unset = oversight(store, "concerns", "retention", "--apply")
    assert "No retention rule is configured" in unset.output

    listed = oversight(store, "concerns", "retention", OVERSIGHT_CONCERN_RETENTION_DAYS="30")
    assert f"1 concern(s) closed more than 30 days ago: {old}." in listed.output
    assert store.concerns.view(TRIAGER, old).concern.reference == old  # a listing deletes nothing

    as_json = oversight(store, "concerns", "retention", "--json", OVERSIGHT_CONCERN_RETENTION_DAYS="30")
    assert json.loads(as_json.stdout) == {"schema": "oversight-retention/1", "days": 30, "due": [old]}

    applied = oversight(store, "concerns", "retention", "--apply", OVERSIGHT_CONCERN_RETENTION_DAYS="30")
    assert f"1 concern(s) deleted under the retention rule: {old}." in applied.output
    remaining = {c.reference for c in store.concerns.listing(TRIAGER)}
    assert remaining == {recent, still_open}
    deletion = store.concerns.audit_records(old, limit=1)[0].entry
    assert (deletion.action, deletion.facts) == ("deleted by retention", {"rule": "closed more than 30 days ago"})
    assert oversight(store, "audit", "verify").exit_code == 0


@pytest.mark.parametrize("days", ["-5", "0", "29"])
def test_a_retention_rule_under_the_minimum_is_refused_and_deletes_nothing(store: Application, days: str) -> None:
    reference = store.concerns.file(REPORTER, SUBMISSION).concern.reference
    store.concerns.move(TRIAGER, reference, Status.CLOSED, "Resolved locally")
    result = oversight(store, "concerns", "retention", "--apply", OVERSIGHT_CONCERN_RETENTION_DAYS=days)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Configuration problem: OVERSIGHT_CONCERN_RETENTION_DAYS='{days}' must be at least 30; "
        "for example OVERSIGHT_CONCERN_RETENTION_DAYS=365"
    ]
    assert store.concerns.view(TRIAGER, reference).concern.reference == reference
    assert "deleted by retention" not in {r.entry.action for r in store.concerns.audit_records(limit=100)}


def test_a_reference_is_never_given_out_again_after_retention_deletes_its_concern(store: Application) -> None:
    now = datetime.now(UTC)
    first, newest = (store.concerns.file(REPORTER, SUBMISSION).concern.reference for _ in range(2))
    concerns_at(store, now - timedelta(days=40)).move(TRIAGER, newest, Status.CLOSED, "Papers republished")
    assert store.concerns.apply_retention(Actor("console", "operator"), keep_days=30) == [newest]
    later = store.concerns.file(REPORTER, SUBMISSION).concern.reference
    assert later not in (first, newest)
    assert [r.entry.action for r in store.concerns.audit_records(later)] == ["created"]  # no one else's history
    assert oversight(store, "audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    ("tampering", "found"),
    [
        ("UPDATE concerns SET severity = 'low', details = 'Nothing to see.' WHERE reference = :ref", "edited outside"),
        ("UPDATE concerns SET status = 'closed', outcome = 'Unfounded' WHERE reference = :ref", "edited outside"),
        ("DELETE FROM concern_reporters", "edited outside"),  # a confidential reporter's record destroyed
        ("DELETE FROM concerns WHERE reference = :ref", "no record says it was deleted"),
    ],
)
def test_audit_verify_notices_a_concern_changed_or_deleted_behind_the_bots_back(
    store: Application, tampering: str, found: str
) -> None:
    reference = history(store)
    assert "Every concern is as the audit trail last recorded it." in oversight(store, "audit", "verify").output
    with store.engine.begin() as connection:  # the audit trail itself is left alone
        if "DELETE FROM concerns" in tampering:
            connection.execute(text("DELETE FROM concern_reporters"))
        connection.execute(text(tampering), {"ref": reference})
    broken = oversight(store, "audit", "verify")
    assert broken.exit_code == 1
    assert f"CONCERN DOES NOT MATCH IT: concern {reference}" in broken.output and found in broken.output
    assert SUBMISSION.details not in broken.output


def test_audit_verify_notices_a_concern_slipped_in_without_being_filed(store: Application) -> None:
    history(store)
    columns = (
        "ods_code, category, severity, summary, details, occurred_on, raised_as, board_member_role, "
        "board_member_name, status, outcome, flagged, created_at, updated_at"
    )
    with store.engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO concerns (reference, {columns}) SELECT 'C-2026-999999', {columns} FROM concerns")
        )
    broken = oversight(store, "audit", "verify", "--json")
    assert broken.exit_code == 1
    problem = json.loads(broken.stdout)["concern_problem"]
    assert problem == "concern C-2026-999999 has no record of being filed: it was added outside the bot"


def drop_append_only_guard(connection: object, store: Application) -> None:
    execute = connection.execute  # type: ignore[attr-defined]
    if store.engine.dialect.name == "postgresql":
        execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))
    else:
        execute(text("DROP TRIGGER audit_records_no_update"))
        execute(text("DROP TRIGGER audit_records_no_delete"))


def test_concerns_filed_at_the_same_time_keep_one_unbroken_chain(store: Application) -> None:
    def file_many(worker: int) -> list[str]:
        actor = Actor("slack", f"U0FILER{worker}", None, "T0STANDIN")
        return [store.concerns.file(actor, SUBMISSION, form_id=f"V{worker}-{n}").concern.reference for n in range(8)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        filed = [reference for batch in pool.map(file_many, range(3)) for reference in batch]
    assert len(set(filed)) == 24
    result = store.concerns.verify_audit()
    assert result.intact and result.checked == 24


def test_the_same_form_filed_by_two_requests_at_once_is_one_concern_and_both_are_told_it(
    store: Application,
) -> None:
    def file_once(_: int) -> str:
        return store.concerns.file(REPORTER, SUBMISSION, form_id="V-double-click").concern.reference

    for _ in range(3):  # the race is won differently each time; every loser must still get the answer
        with ThreadPoolExecutor(max_workers=4) as pool:
            references = set(pool.map(file_once, range(4)))
        assert len(references) == 1
    assert len(store.concerns.listing(TRIAGER)) == 1


def test_a_long_platform_user_id_is_kept_whole(store: Application) -> None:
    """A Teams user without an Entra object id is known by a `29:…` id of about 90 characters."""
    long_id = "29:" + "1a2b3c4d" * 11
    reporter = Actor("teams", long_id, "a:personal", "tenant")
    filed = store.concerns.file(reporter, replace(SUBMISSION, raised_as=RaisedAs.OPENLY)).concern
    guardian = Actor("console", "operator")
    seen = store.concerns.view(guardian, filed.reference)
    assert seen.reporter is not None and seen.reporter.user_id == long_id
    assert store.concerns.audit_records(filed.reference, limit=5)[-1].entry.actor == long_id


KEY = "audit-key-for-tests-0123456789abcdef"


@pytest.fixture
def keyed(empty_db_url: str) -> Iterator[Application]:
    settings = Settings(database_url=empty_db_url, seed_on_first_use=False, roles={"oversight": ["U0TRIAGER"]},
                        audit_key=KEY)  # fmt: skip
    app = build(settings)
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    yield app
    app.close()


def forge_append(app: Application) -> None:
    """Someone with the database owner's rights but not the key adds a record after the head, with
    a correct SHA-256 link (the most they can compute), and moves the head to it."""
    from oversight_bot.domain.audit import AuditEntry, chain_hash

    with app.engine.begin() as connection:
        drop_append_only_guard(connection, app)
        seq, previous = connection.execute(text("SELECT seq, hash FROM audit_head")).one()
        at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        entry = AuditEntry("viewed", "U0TRIAGER", at, "C-2026-000001", {"platform": "slack"})
        forged = chain_hash(previous, entry, seq + 1)
        connection.execute(
            text("INSERT INTO audit_records (seq, at, action, actor, reference, facts, previous_hash, hash) "
                 "VALUES (:seq, :at, 'viewed', 'U0TRIAGER', 'C-2026-000001', :facts, :previous, :hash)"),
            {"seq": seq + 1, "at": at, "facts": json.dumps(entry.facts), "previous": previous, "hash": forged},
        )  # fmt: skip
        connection.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), {"seq": seq + 1, "hash": forged})


def test_a_keyed_trail_names_a_forged_append(keyed: Application) -> None:
    history(keyed)
    intact = oversight(keyed, "audit", "verify", OVERSIGHT_AUDIT_KEY=KEY)
    assert intact.exit_code == 0 and "not keyed" not in intact.output
    forge_append(keyed)
    broken = oversight(keyed, "audit", "verify", "--json", OVERSIGHT_AUDIT_KEY=KEY)
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["first_broken"] == 4 and "forged (written without the key)" in report["reason"]


def test_a_keyed_trail_names_a_deletion_re_hashed_without_the_key(keyed: Application) -> None:
    history(keyed)
    from oversight_bot.domain.audit import GENESIS, AuditEntry, chain_hash

    with keyed.engine.begin() as connection:  # delete `viewed` (record 2), renumber, re-link with SHA-256
        drop_append_only_guard(connection, keyed)
        rows = connection.execute(text("SELECT seq, at, action, actor, reference, facts FROM audit_records "
                                       "WHERE seq <> 2 ORDER BY seq")).all()  # fmt: skip
        connection.execute(text("DELETE FROM audit_records"))
        previous = GENESIS
        for number, row in enumerate(rows, start=1):
            at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
            facts = row.facts if isinstance(row.facts, dict) else json.loads(row.facts)
            link = chain_hash(previous, AuditEntry(row.action, row.actor, at.replace(tzinfo=UTC), row.reference, facts),
                              number)  # fmt: skip
            connection.execute(
                text("INSERT INTO audit_records VALUES (:seq, :at, :action, :actor, :reference, :facts, :prev, :hash)"),
                {"seq": number, "at": at, "action": row.action, "actor": row.actor, "reference": row.reference,
                 "facts": json.dumps(facts), "prev": previous, "hash": link},
            )  # fmt: skip
            previous = link
        connection.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), {"seq": len(rows), "hash": previous})
    broken = oversight(keyed, "audit", "verify", "--json", OVERSIGHT_AUDIT_KEY=KEY)
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["first_broken"] == 1  # the very first re-linked record gives it away


def test_records_deleted_from_the_end_with_the_head_rewound_are_named_by_the_anchor(
    keyed: Application, tmp_path: Path
) -> None:
    keyed.concerns.view(TRIAGER, history(keyed))  # record 4: a view, the record a reader would hide
    anchors = tmp_path / "anchors" / "audit.jsonl"
    anchors.parent.mkdir()
    anchored = oversight(keyed, "audit", "anchor", OVERSIGHT_AUDIT_KEY=KEY, OVERSIGHT_AUDIT_ANCHOR_FILE=str(anchors))
    assert anchored.exit_code == 0 and "Anchored record 4" in anchored.output and "keyed" in anchored.output
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    as_json = oversight(keyed, "audit", "anchor", "--json", OVERSIGHT_AUDIT_KEY=KEY,
                        OVERSIGHT_AUDIT_ANCHOR_FILE=str(anchors))  # fmt: skip
    anchor = json.loads(as_json.stdout)
    assert (anchor["schema"], anchor["path"], anchor["seq"]) == ("oversight-audit-anchor/1", str(anchors), 4)
    assert (
        anchor["keyed_from"] is not None and anchor["hash"] == json.loads(anchors.read_text().splitlines()[-1])["hash"]
    )
    with keyed.engine.begin() as connection:  # delete the newest record and rewind the head to match
        drop_append_only_guard(connection, keyed)
        seq, digest = connection.execute(text("SELECT seq, hash FROM audit_records WHERE seq = 3")).one()
        connection.execute(text("DELETE FROM audit_records WHERE seq = 4"))
        connection.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), {"seq": seq, "hash": digest})
    without_anchor = oversight(keyed, "audit", "verify", OVERSIGHT_AUDIT_KEY=KEY)
    assert without_anchor.exit_code == 0  # the chain alone cannot tell: that is what the anchor is for
    broken = oversight(keyed, "audit", "verify", "--json", OVERSIGHT_AUDIT_KEY=KEY,
                       OVERSIGHT_AUDIT_ANCHOR_FILE=str(anchors))  # fmt: skip
    assert broken.exit_code == 1
    verified = json.loads(broken.stdout)
    assert verified["schema"] == "oversight-audit-verify/1" and verified["intact"] is False
    assert "records 4 to 4 were deleted (the anchor of" in verified["reason"]


def test_an_unkeyed_store_is_keyed_from_its_next_record_and_its_past_stays_checked(store: Application) -> None:
    history(store)  # three records written before any key was configured
    unkeyed = oversight(store, "audit", "verify")
    assert unkeyed.exit_code == 0 and "The chain is not keyed" in unkeyed.output
    later = build(store.settings.model_copy(update={"audit_key": SecretStr(KEY)}))
    later.concerns.file(REPORTER, SUBMISSION)
    later.close()
    keyed_now = oversight(store, "audit", "verify", OVERSIGHT_AUDIT_KEY=KEY)
    assert keyed_now.exit_code == 0 and "not keyed" not in keyed_now.output
    without_key = oversight(store, "audit", "verify", "--json")  # refused at start: tests/integration/test_startup.py
    assert without_key.exit_code == 2 and "OVERSIGHT_AUDIT_KEY is not set" in without_key.output
