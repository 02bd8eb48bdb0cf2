"""SQLAlchemy implementations of the service ports; each returns domain objects, never rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from oversight_bot.domain.assessments import Assessment, Basis, Disagreement
from oversight_bot.domain.events import SegmentEvent
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import Organisation
from oversight_bot.domain.quarters import Quarter
from oversight_bot.services.alerts import EventRecord
from oversight_bot.services.ports import AssessmentKey, MetricKey, ValueKey
from oversight_bot.services.releases import Publication
from oversight_bot.store import mapping
from oversight_bot.store.deliveries import event_record
from oversight_bot.store.tables import (
    AliasRow,
    AssessmentRow,
    DomainResultRow,
    ImportRow,
    MetricRow,
    MetricScoreRow,
    MetricValueRow,
    OrganisationRow,
    OutboxEventRow,
)


class SqlAlchemyOrganisationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaded: dict[str, OrganisationRow] | None = None

    def all(self) -> list[Organisation]:
        return [mapping.organisation_from_row(row) for row in self._rows().values()]

    def save(self, organisation: Organisation) -> None:
        rows = self._rows()
        fields = mapping.organisation_fields(organisation)
        row = rows.get(organisation.ods_code)
        if row is None:
            rows[organisation.ods_code] = row = OrganisationRow(**fields)
            self.session.add(row)
            return
        for name, value in fields.items():
            setattr(row, name, value)

    def save_all(self, organisations: Iterable[Organisation]) -> None:
        """Save each, then write them: the unit of work does not order rows linked only by a foreign
        key (no relationship), so a new trust's results must not reach the database before it."""
        for organisation in organisations:
            self.save(organisation)
        self.session.flush()

    def _rows(self) -> dict[str, OrganisationRow]:
        if self._loaded is None:
            query = select(OrganisationRow).order_by(OrganisationRow.ods_code)
            self._loaded = {row.ods_code: row for row in self.session.scalars(query)}
        return self._loaded

    def aliases(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for row in self.session.scalars(select(AliasRow)):
            found.setdefault(row.alias, set()).add(row.ods_code)
        return found

    def replace_aliases(self, aliases: Mapping[str, Collection[str]]) -> None:
        self.session.execute(delete(AliasRow))
        self.session.add_all(AliasRow(alias=a, ods_code=code) for a, codes in aliases.items() for code in codes)


class SqlAlchemyMetricRepository:
    """Rows read by `*_in` stay in the session, so saving one of them updates it in place; a key
    not read before is inserted. Callers read a quarter before writing to it (the import does)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaded: dict[tuple[type[Any], tuple[Any, ...]], Any] = {}
        # New rows, written together by `write_pending` (one INSERT per table, not one ORM object
        # per row: a quarter of 50,000 providers brings a million of them).
        self._pending: dict[type[Any], dict[tuple[Any, ...], dict[str, Any]]] = {}

    def catalogue(self) -> dict[str, MetricInfo]:
        return {row.metric_id: mapping.info_from_row(row) for row in self.session.scalars(select(MetricRow))}

    def save_info(self, info: MetricInfo) -> None:
        self.session.merge(MetricRow(**dataclasses.asdict(info)))
        self.session.flush()

    def values_in(self, quarters: Collection[Quarter]) -> dict[ValueKey, MetricValue]:
        rows = self._load(MetricValueRow, MetricValueRow.quarter.in_(quarters))
        return {(r.ods_code, r.quarter, r.metric_id, r.units): mapping.value_from_row(r) for r in rows}

    def save_value(self, value: MetricValue) -> None:
        key = (value.ods_code, value.quarter, value.metric_id, value.units)
        self._upsert(MetricValueRow, key, _fields(value))

    def scores_in(self, quarters: Collection[Quarter]) -> dict[MetricKey, MetricScore]:
        rows = self._load(MetricScoreRow, MetricScoreRow.quarter.in_(quarters))
        return {(r.ods_code, r.quarter, r.metric_id): mapping.score_from_row(r) for r in rows}

    def save_score(self, score: MetricScore) -> None:
        self._upsert(MetricScoreRow, (score.ods_code, score.quarter, score.metric_id), _fields(score))

    def domain_results_in(self, quarters: Collection[Quarter]) -> dict[MetricKey, DomainResult]:
        rows = self._load(DomainResultRow, DomainResultRow.quarter.in_(quarters))
        return {(r.ods_code, r.quarter, r.domain): mapping.domain_result_from_row(r) for r in rows}

    def save_domain_result(self, result: DomainResult) -> None:
        self._upsert(DomainResultRow, (result.ods_code, result.quarter, result.domain), _fields(result))

    def _load(self, table: type[Any], condition: Any) -> list[Any]:
        rows = list(self.session.scalars(select(table).where(condition)))
        for row in rows:
            self._loaded[(table, _primary_key(row))] = row
        return rows

    def _upsert(self, table: type[Any], key: tuple[Any, ...], fields: dict[str, Any]) -> None:
        row = self._loaded.get((table, key))
        if row is None:
            self._pending.setdefault(table, {})[key] = fields
            return
        for name, value in fields.items():
            setattr(row, name, value)

    def write_pending(self) -> None:
        write_in_bulk(self.session, self._pending)


def write_in_bulk(session: Session, pending: dict[type[Any], dict[tuple[Any, ...], dict[str, Any]]]) -> None:
    """Insert new rows table by table (executemany), after the session's own pending objects."""
    if not any(pending.values()):
        return
    session.flush()
    for table, rows in pending.items():
        if rows:
            session.execute(insert(table), list(rows.values()))
    pending.clear()


def _primary_key(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, column.key) for column in row.__table__.primary_key.columns)


def _fields(item: Any) -> dict[str, Any]:
    # Shallow on purpose: dataclasses.asdict would deep-copy the Quarter into a dict.
    return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}


class SqlAlchemyAssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaded: dict[AssessmentKey, AssessmentRow] = {}
        self._quarters_read: set[Quarter] = set()
        self._pending: dict[type[Any], dict[tuple[Any, ...], dict[str, Any]]] = {AssessmentRow: {}}

    def in_quarters(self, quarters: Collection[Quarter]) -> dict[AssessmentKey, Assessment]:
        rows = self.session.scalars(select(AssessmentRow).where(AssessmentRow.quarter.in_(quarters)))
        self._quarters_read |= set(quarters)
        found = {}
        for row in rows:
            key = (row.ods_code, row.quarter, Basis(row.basis))
            self._loaded[key] = row
            found[key] = mapping.assessment_from_row(row)
        return found

    def quarters_known(self) -> dict[str, set[Quarter]]:
        known: dict[str, set[Quarter]] = {}
        query = select(AssessmentRow.ods_code, AssessmentRow.quarter).distinct()
        for code, quarter in self.session.execute(query):
            known.setdefault(code, set()).add(quarter)
        return known

    def save(
        self,
        assessment: Assessment,
        import_id: int,
        at: datetime,
        disagreements: Iterable[Disagreement] = (),
        decided_by: str | None = None,
        source: str | None = None,
    ) -> None:
        """Insert or update; an assessment of a quarter not read by `in_quarters` is looked up first."""
        fields = mapping.assessment_fields(assessment) | {
            "disagreements": [mapping.disagreement_to_json(d) for d in disagreements],
            "decided_by": decided_by,
            "source": source,
            "import_id": import_id,
            "updated_at": at,
        }
        key = (assessment.ods_code, assessment.quarter, assessment.basis)
        row = self._loaded.get(key)
        if row is None and assessment.quarter not in self._quarters_read:  # a quarter read whole has no other rows
            row = self.session.scalars(select(AssessmentRow).filter_by(**_key_filter(assessment))).one_or_none()
        if row is None:
            self._pending[AssessmentRow][key] = fields
            return
        for name, value in fields.items():
            setattr(row, name, value)

    def write_pending(self) -> None:
        write_in_bulk(self.session, self._pending)
        self._pending[AssessmentRow] = {}

    def delete(self, key: AssessmentKey) -> None:
        code, quarter, basis = key
        self._loaded.pop(key, None)
        self._pending[AssessmentRow].pop(key, None)
        condition = (AssessmentRow.ods_code == code) & (AssessmentRow.quarter == quarter)
        self.session.execute(delete(AssessmentRow).where(condition, AssessmentRow.basis == basis.value))


def _key_filter(assessment: Assessment) -> dict[str, Any]:
    return {"ods_code": assessment.ods_code, "quarter": assessment.quarter, "basis": assessment.basis.value}


class SqlAlchemyOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append_message(self, kind: str, ods_code: str, payload: dict[str, Any], at: datetime) -> None:
        """An event that is not a segment move (a concern logged): no quarter, no import."""
        self.session.add(OutboxEventRow(kind=kind, ods_code=ods_code, quarter=None, payload=payload, created_at=at))

    def undispatched(self, limit: int) -> list[EventRecord]:
        """The oldest events not yet fanned out; locked (SKIP LOCKED) so that two workers split them."""
        query = (
            select(OutboxEventRow)
            .where(OutboxEventRow.dispatched_at.is_(None))
            .order_by(OutboxEventRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [event_record(row) for row in self.session.scalars(query)]

    def depth(self) -> int:
        """Events not yet fanned out (for the operators' gauge)."""
        return self.session.scalar(select(func.count()).where(OutboxEventRow.dispatched_at.is_(None))) or 0

    def mark_dispatched(self, event_ids: Iterable[int], at: datetime) -> None:
        ids = list(event_ids)
        if ids:
            self.session.execute(update(OutboxEventRow).where(OutboxEventRow.id.in_(ids)).values(dispatched_at=at))

    def append(self, events: Iterable[SegmentEvent], import_id: int | None, at: datetime) -> None:
        self.session.add_all(
            OutboxEventRow(
                kind=event.kind,
                ods_code=event.ods_code,
                quarter=event.quarter,
                payload=event_payload(event),
                import_id=import_id,
                created_at=at,
            )
            for event in events
        )


def event_payload(event: SegmentEvent) -> dict[str, Any]:
    return {
        "ods_code": event.ods_code,
        "quarter": event.quarter.label,
        "previous_quarter": event.previous_quarter.label,
        "framework": event.framework,
        "previous_segment": event.previous_segment,
        "segment": event.segment,
        "segment_5_unpublished": event.segment_5_unpublished,
    }


class SqlAlchemyImportLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        kind: str,
        source_name: str,
        sha256: str,
        rows: int,
        summary: dict[str, Any],
        at: datetime,
        publication: Publication,
    ) -> int:
        row = ImportRow(
            kind=kind,
            source_name=source_name,
            sha256=sha256,
            rows=rows,
            summary=summary,
            imported_at=at,
            publisher=publication.publisher,
            published=publication.published,
            secondary=publication.secondary,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def last_at(self) -> dict[str, datetime]:
        """When each kind of file was last imported with changes (for the operators' gauge)."""
        latest = select(ImportRow.kind, func.max(ImportRow.imported_at)).group_by(ImportRow.kind)
        return dict(self.session.execute(latest).all())  # max() keeps the column's UTC type
