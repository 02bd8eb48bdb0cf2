"""The segment store on a real SQLite file and a real PostgreSQL server: schema, imports, events."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from oversight_bot.bootstrap import Application
from oversight_bot.domain.assessments import Basis
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.ingest.segments import read_segments_file
from oversight_bot.store import schema
from oversight_bot.store.db import make_engine
from oversight_bot.store.tables import (
    AssessmentRow,
    Base,
    DomainResultRow,
    ImportRow,
    MetricScoreRow,
    OrganisationRow,
    OutboxEventRow,
    full_metadata,
)
from tests import postgres
from tests.conftest import NOF_FILE, SEEDS
from tests.nof_files import q1_only, write_nof


def count(app: Application, table: type[Base]) -> int:
    with app.session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def table_counts(app: Application) -> dict[str, int]:
    return {
        t.__tablename__: count(app, t)
        for t in (OrganisationRow, MetricScoreRow, AssessmentRow, OutboxEventRow, ImportRow)
    }


def load_organisations(app: Application) -> None:
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")


def test_migrations_build_exactly_the_models_schema(empty_app: Application) -> None:
    assert schema.is_current(empty_app.engine)
    with empty_app.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), full_metadata()) == []


def test_importing_the_nof_file_stores_published_and_derived_results(empty_app: Application) -> None:
    load_organisations(empty_app)
    report = empty_app.importer.nof(read_nof_file(NOF_FILE))
    assert report.changed and report.changes["assessments"] == 244  # 122 published + 122 derived
    view = empty_app.segments.segment("RWR")
    assert view is not None and view.assessment is not None
    assert view.assessment.basis is Basis.PUBLISHED
    assert (view.assessment.segment, view.assessment.rank, view.assessment.peer_count) == (3, 26, 61)
    # Care trusts are not in ODS's trust file; NHS England's file brings them.
    assert empty_app.segments.organisation("TAH") is not None


def test_the_same_file_twice_changes_nothing_and_announces_nothing(empty_app: Application) -> None:
    load_organisations(empty_app)
    first = empty_app.importer.nof(read_nof_file(NOF_FILE))
    before = table_counts(empty_app)
    second = empty_app.importer.nof(read_nof_file(NOF_FILE))
    assert first.changed and not second.changed
    assert second.events == () and all(n == 0 for n in second.changes.values())
    assert table_counts(empty_app) == before


def expected_q2_events() -> Counter[str]:
    """What moved between Q1 and Q2, read straight from NHS England's summary rows (an independent oracle)."""
    total: Counter[str] = Counter()
    for kinds in expected_q2_events_by_trust().values():
        total += kinds
    return total


def expected_q2_events_by_trust() -> dict[str, Counter[str]]:
    """From the summary rows alone: a move of the final segment (both quarters publish segment 5),
    the deficit flag (OF5004) set or cleared, and entering or leaving segment 5 (OF5007)."""
    summary: dict[tuple[str, str], dict[str, float]] = {}
    with NOF_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Metric_ID"] in ("OF5004", "OF5005", "OF5007"):
                summary.setdefault((row["Trust_code"], row["Quarter"]), {})[row["Metric_ID"]] = float(row["Value"])
    found: dict[str, Counter[str]] = {}
    for code in {c for c, _ in summary}:
        q1, q2 = summary[(code, "Q1 2025/26")], summary[(code, "Q2 2025/26")]
        kinds: Counter[str] = Counter()
        kinds["segment_changed"] += q1["OF5005"] != q2["OF5005"]
        kinds["deficit_flag_set"] += q2["OF5004"] == 1 and q1["OF5004"] == 0
        kinds["deficit_flag_cleared"] += q1["OF5004"] == 1 and q2["OF5004"] == 0
        kinds["entered_segment_5"] += q2["OF5007"] == 1 and q1["OF5007"] == 0
        kinds["left_segment_5"] += q1["OF5007"] == 1 and q2["OF5007"] == 0
        if +kinds:
            found[code] = +kinds
    return found


def regions_in_q2() -> dict[str, str]:
    with NOF_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {row["Trust_code"]: row["Region"] for row in csv.DictReader(handle) if row["Quarter"] == "Q2 2025/26"}


def test_a_newer_file_announces_exactly_the_real_changes_in_the_outbox(empty_app: Application, tmp_path: Path) -> None:
    load_organisations(empty_app)
    baseline = empty_app.importer.nof(read_nof_file(q1_only(tmp_path / "q1.csv")))
    assert baseline.events == ()  # nothing known before: a baseline, not news
    newer = empty_app.importer.nof(read_nof_file(NOF_FILE))
    announced = Counter(event.kind for event in newer.events)
    assert announced == expected_q2_events()
    assert announced["left_segment_5"] == 1  # RXV left the Recovery Support Programme in Q2
    with empty_app.session_factory() as session:
        rows = session.scalars(select(OutboxEventRow)).all()
    assert Counter(row.kind for row in rows) == announced
    assert {row.import_id for row in rows} == {newer.import_id}


def test_a_revised_value_announces_only_what_it_changes(empty_app: Application, tmp_path: Path) -> None:
    load_organisations(empty_app)
    empty_app.importer.nof(read_nof_file(q1_only(tmp_path / "q1.csv")))
    empty_app.importer.nof(read_nof_file(NOF_FILE))

    def worsen_rdy(row: dict[str, str]) -> dict[str, str]:
        if row["Trust_code"] == "RDY" and row["Quarter"] == "Q2 2025/26" and row["Metric_ID"] in ("OF5000", "OF5005"):
            row["Value"] = "4.0"
        if row["Trust_code"] == "RWX" and row["Quarter"] == "Q2 2025/26" and row["Metric_ID"] == "OF1061":
            row["Value"] = "1.10"  # a score revision that moves no segment
        return row

    revised = empty_app.importer.nof(read_nof_file(write_nof(tmp_path / "revised.csv", change=worsen_rdy)))
    assert [(e.ods_code, e.kind, e.previous_segment, e.segment) for e in revised.events] == [
        ("RDY", "segment_changed", 2, 4)
    ]
    assert revised.changes["metric_scores"] == 1


def test_published_results_file_and_decisions_are_imported_with_their_framework(empty_app: Application) -> None:
    load_organisations(empty_app)
    report = empty_app.importer.segments(read_segments_file(SEEDS / "published-segments-acute-2025-26-q3.csv"))
    assert report.changes["assessments"] == 129
    leeds = empty_app.segments.segment("RR8")
    assert leeds is not None and leeds.assessment is not None
    assert leeds.assessment.basis is Basis.PUBLISHED and leeds.assessment.peer_count == 134
    decided = empty_app.importer.segments(read_segments_file(SEEDS / "decisions.csv"))
    assert decided.changes["assessments"] == 1
    history = empty_app.segments.history("RM3")
    assert history is not None
    assert [(e.assessment.framework, e.assessment.basis) for e in history.entries] == [
        ("NOF2022", Basis.DECISION),
        ("NOF2025", Basis.PUBLISHED),
    ]


def test_a_trust_new_to_the_store_is_added_with_its_results(empty_app: Application, tmp_path: Path) -> None:
    """A newer file can name a trust the store has never seen (a merger's new code)."""
    load_organisations(empty_app)

    def renamed(row: dict[str, str]) -> dict[str, str]:
        return row | {"Trust_code": "ZZ9"} if row["Trust_code"] == "RKL" else row

    empty_app.importer.nof(read_nof_file(write_nof(tmp_path / "merged.csv", change=renamed)))
    acute = SEEDS / "published-segments-acute-2025-26-q3.csv"
    lines = acute.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "acute.csv").write_text(lines[0] + lines[1].replace(",R0A,", ",ZZZ02,", 1), encoding="utf-8")
    empty_app.importer.segments(read_segments_file(tmp_path / "acute.csv"))
    for code in ("ZZ9", "ZZZ02"):
        answer = empty_app.segments.segment(code)
        assert answer is not None and answer.assessment is not None, code
    with empty_app.session_factory() as session:
        domains = select(func.count()).select_from(DomainResultRow).where(DomainResultRow.ods_code == "ZZZ02")
        assert session.scalar(domains)


def test_a_file_rejected_by_the_store_writes_nothing(empty_app: Application, tmp_path: Path) -> None:
    load_organisations(empty_app)
    before = table_counts(empty_app)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "basis,framework,quarter,ods_code,name,segment\n"
        "published,NOF2025,Q3 2025/26,ZZZ01,NEW TRUST,2\n"
        "decision,NOF2025,Q3 2025/26,RR8,LEEDS,2\n",  # NOF 2025/26 segments are derived, not decisions
        encoding="utf-8",
    )
    from oversight_bot.errors import ImportFileError

    with pytest.raises(ImportFileError, match="line 3"):
        empty_app.importer.segments(read_segments_file(bad))
    assert table_counts(empty_app) == before
    assert empty_app.segments.organisation("ZZZ01") is None


def test_sqlite_runs_in_wal_with_a_short_busy_timeout(tmp_path: Path) -> None:
    from oversight_bot.store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert SQLITE_BUSY_TIMEOUT_MS < 3000  # well inside Slack's three seconds


def test_upgrading_a_sqlite_store_in_use_keeps_its_subscriptions_and_deliveries(tmp_path: Path) -> None:
    """SQLite alters a table by copying it; one that others refer to must survive with its rows."""
    engine = make_engine(f"sqlite:///{tmp_path / 'in-use.db'}")
    schema.upgrade(engine, "0004")
    tables = MetaData()
    tables.reflect(engine)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    rows: dict[str, dict[str, Any]] = {
        "organisations": {"ods_code": "RR8", "name": "Leeds Teaching Hospitals NHS Trust", "kind": "trust"},
        "outbox_events": {"id": 1, "kind": "segment_changed", "ods_code": "RR8", "payload": {}, "created_at": when},
        "subscriptions": {
            "id": 1, "platform": "slack", "workspace": "T1", "channel": "C1", "target_kind": "all",
            "target_value": "", "events": ["segment"], "worsened_only": False, "exclude": [], "created_by": "U1",
            "created_at": when, "updated_at": when,
        },
        "alert_deliveries": {
            "id": 1, "event_id": 1, "subscription_id": 1, "platform": "slack", "workspace": "T1", "channel": "C1",
            "group_key": "g", "status": "pending", "next_attempt_at": when, "attempts": 0, "created_at": when,
        },
    }  # fmt: skip
    rows["audit_records"] = {"seq": 1, "at": when, "action": "created", "actor": "anonymous", "facts": {},
                             "reference": "C-2026-000007", "previous_hash": "0" * 64, "hash": "1" * 64}  # fmt: skip
    with engine.begin() as connection:
        for table, values in rows.items():
            connection.execute(tables.tables[table].insert().values(values))
    schema.upgrade(engine)
    assert schema.is_current(engine)
    with engine.connect() as connection:
        for table in rows:
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1, table
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:  # still refused
        connection.execute(text("UPDATE audit_records SET actor = 'someone'"))
    with engine.begin() as connection:  # C-2026-000007 was given out (and deleted since): never again
        concern = {"reference": "next", "ods_code": "RR8", "category": "other", "severity": "low", "summary": "s",
                   "details": "d", "raised_as": "anonymously", "status": "new", "flagged": False,
                   "created_at": when, "updated_at": when}  # fmt: skip
        added = connection.execute(tables.tables["concerns"].insert().values(concern))
        assert added.inserted_primary_key is not None and added.inserted_primary_key[0] == 8
    engine.dispose()


def test_a_sqlite_migration_that_fails_half_way_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'stuck.db'}")
    schema.upgrade(engine, "0004")
    with engine.begin() as connection:  # in the way of 0005's third step, after it has created a table
        connection.execute(text("CREATE TABLE _alembic_tmp_alert_threads (x INTEGER)"))
    with pytest.raises(OperationalError):
        schema.upgrade(engine)
    assert schema.current_revision(engine) == "0004"
    assert "teams_conversations" not in inspect(engine).get_table_names()  # the first step was undone too
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE _alembic_tmp_alert_threads"))
    schema.upgrade(engine)  # once the obstacle is gone, the same upgrade goes through
    assert schema.is_current(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with postgres.throwaway_database(request.getfixturevalue("postgres_server")) as url:
        yield url


def test_a_store_from_before_units_keeps_its_values_with_their_metrics_units(unmigrated_url: str) -> None:
    engine = make_engine(unmigrated_url)
    schema.upgrade(engine, "0006")
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        connection.execute(tables.tables["organisations"].insert().values(ods_code="RDY", name="DORSET", kind="trust"))
        connection.execute(
            tables.tables["metrics"].insert(),
            [
                {"metric_id": "OF0005", "description": "d", "domain": "d", "sub_domain": "s", "units": "percent"},
                {"metric_id": "OF0061", "description": "d", "domain": "d", "sub_domain": "s", "units": "out of 10"},
            ],
        )
        connection.execute(
            tables.tables["metric_values"].insert(),
            [
                {"ods_code": "RDY", "quarter": 20251, "metric_id": m, "value": "1.5", "reporting_date": "Jun-25"}
                for m in ("OF0005", "OF0061")
            ],
        )
    schema.upgrade(engine)
    with engine.connect() as connection:
        units: dict[str, str] = dict(connection.execute(text("SELECT metric_id, units FROM metric_values")).all())
        assert units == {"OF0005": "%", "OF0061": "out of 10"}
        assert compare_metadata(MigrationContext.configure(connection), full_metadata()) == []
    engine.dispose()


def test_the_head_read_from_the_migration_files_is_alembics(tmp_path: Path) -> None:
    """Every command checks the schema without importing Alembic (`schema.at_head`): it must agree."""
    assert schema.declared_head() == schema.head_revision() is not None
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert not schema.at_head(engine) and schema.current_revision(engine) is None
    schema.upgrade(engine)
    assert schema.at_head(engine)
    engine.dispose()
