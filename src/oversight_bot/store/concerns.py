"""The concern store and the audit trail, in SQLAlchemy."""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oversight_bot.domain.actors import Reporter
from oversight_bot.domain.audit import AuditEntry, AuditRecord, ChainHead, chain_hash
from oversight_bot.domain.concerns import Category, Concern, RaisedAs, Severity, Status, reference_for
from oversight_bot.errors import StoreUnavailable
from oversight_bot.store.tables import AuditHeadRow, AuditRecordRow, ConcernReporterRow, ConcernRow

logger = logging.getLogger(__name__)


def concern_from_row(row: ConcernRow) -> Concern:
    return Concern(
        reference=row.reference,
        ods_code=row.ods_code,
        category=Category(row.category),
        severity=Severity(row.severity),
        summary=row.summary,
        details=row.details,
        raised_as=RaisedAs(row.raised_as),
        status=Status(row.status),
        created_at=row.created_at,
        occurred_on=row.occurred_on,
        board_member_role=row.board_member_role,
        board_member_name=row.board_member_name,
        outcome=row.outcome,
        flagged=row.flagged,
    )


class SqlAlchemyConcernRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, concern: Concern, reporter: Reporter | None, submission_key: str | None) -> Concern:
        """Store a new concern and give it its reference (from its row number)."""
        row = ConcernRow(
            reference=f"pending-{submission_key or id(concern)}"[:20],
            ods_code=concern.ods_code,
            category=concern.category.value,
            severity=concern.severity.value,
            summary=concern.summary,
            details=concern.details,
            occurred_on=concern.occurred_on,
            raised_as=concern.raised_as.value,
            board_member_role=concern.board_member_role,
            board_member_name=concern.board_member_name,
            status=concern.status.value,
            flagged=concern.flagged,
            submission_key=submission_key,
            created_at=concern.created_at,
            updated_at=concern.created_at,
        )
        self.session.add(row)
        self.session.flush()
        row.reference = reference_for(concern.created_at.year, row.id)
        if reporter is not None and concern.raised_as.keeps_identity:
            self.session.add(
                ConcernReporterRow(
                    concern_id=row.id,
                    platform=reporter.platform,
                    user_id=reporter.user_id,
                    confidential=concern.raised_as is RaisedAs.CONFIDENTIALLY,
                )
            )
        self.session.flush()
        return concern_from_row(row)

    def by_submission(self, submission_key: str) -> Concern | None:
        row = self.session.scalars(select(ConcernRow).where(ConcernRow.submission_key == submission_key)).one_or_none()
        return concern_from_row(row) if row else None

    def get(self, reference: str) -> Concern | None:
        row = self._row(reference)
        return concern_from_row(row) if row else None

    def reporter(self, reference: str) -> Reporter | None:
        query = (
            select(ConcernReporterRow)
            .join(ConcernRow, ConcernRow.id == ConcernReporterRow.concern_id)
            .where(ConcernRow.reference == reference)
        )
        row = self.session.scalars(query).one_or_none()
        return Reporter(row.platform, row.user_id) if row else None

    def listing(self, ods_code: str | None, status: Status | None, limit: int) -> list[Concern]:
        query = select(ConcernRow).order_by(ConcernRow.id.desc()).limit(limit)
        if ods_code:
            query = query.where(ConcernRow.ods_code == ods_code)
        if status:
            query = query.where(ConcernRow.status == status.value)
        return [concern_from_row(row) for row in self.session.scalars(query)]

    def set_status(self, reference: str, status: Status, outcome: str | None, at: datetime) -> None:
        row = self._row(reference)
        assert row is not None
        row.status, row.updated_at = status.value, at
        if outcome is not None:
            row.outcome = outcome

    def open_counts(self) -> dict[str, int]:
        query = (
            select(ConcernRow.ods_code, func.count())
            .where(ConcernRow.status != Status.CLOSED.value)
            .group_by(ConcernRow.ods_code)
        )
        return {code: int(count) for code, count in self.session.execute(query)}

    def closed_before(self, moment: datetime) -> list[Concern]:
        query = select(ConcernRow).where(ConcernRow.status == Status.CLOSED.value, ConcernRow.updated_at < moment)
        return [concern_from_row(row) for row in self.session.scalars(query)]

    def delete(self, reference: str) -> None:
        row = self._row(reference)
        if row is not None:
            reporter = self.session.get(ConcernReporterRow, row.id)
            if reporter is not None:
                self.session.delete(reporter)
            self.session.delete(row)

    def all_for_audit(self) -> list[tuple[Concern, bool]]:
        kept = select(ConcernReporterRow.concern_id).where(ConcernReporterRow.concern_id == ConcernRow.id).exists()
        rows = self.session.execute(select(ConcernRow, kept).order_by(ConcernRow.id))
        return [(concern_from_row(row), bool(has_reporter)) for row, has_reporter in rows]

    def _row(self, reference: str) -> ConcernRow | None:
        return self.session.scalars(select(ConcernRow).where(ConcernRow.reference == reference)).one_or_none()


class SqlAlchemyAuditLog:
    def __init__(self, session: Session, key: bytes | None = None) -> None:
        self.session = session
        self.key = key

    def append(self, entry: AuditEntry) -> AuditRecord:
        """Chain a record onto the head, holding the head's row lock until the transaction ends.
        With a key, the first record written with it starts the keyed part of the chain."""
        head = self.session.scalars(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).one()
        seq = head.seq + 1
        if head.keyed_from is None and self.key is not None:
            head.keyed_from = seq
        if head.keyed_from is not None and self.key is None:
            # Answered like a store that is down, so that the user is given their words back.
            logger.error("the audit trail is keyed but OVERSIGHT_AUDIT_KEY is not set: nothing can be recorded")
            raise StoreUnavailable("the audit trail is keyed: set OVERSIGHT_AUDIT_KEY to the key it was keyed with")
        digest = chain_hash(head.hash, entry, seq, self.key if head.keyed_from is not None else None)
        self.session.add(
            AuditRecordRow(
                seq=seq,
                at=entry.at,
                action=entry.action,
                actor=entry.actor,
                reference=entry.reference,
                facts=entry.facts or {},
                previous_hash=head.hash,
                hash=digest,
            )
        )
        record = AuditRecord(seq, entry, head.hash, digest)
        head.seq, head.hash = seq, digest
        self.session.flush()
        return record

    def head(self) -> ChainHead:
        head = self.session.scalars(select(AuditHeadRow).where(AuditHeadRow.id == 1)).one()
        return ChainHead(head.seq, head.hash, head.keyed_from)

    def records(self) -> Generator[AuditRecord, None, None]:
        """Oldest first, streamed; a caller that stops early should close() the iterator, which
        closes the server-side cursor while its connection is still open."""
        rows = self.session.scalars(
            select(AuditRecordRow).order_by(AuditRecordRow.seq).execution_options(yield_per=500)
        )
        try:
            for row in rows:
                entry = AuditEntry(row.action, row.actor, row.at, row.reference, dict(row.facts))
                yield AuditRecord(row.seq, entry, row.previous_hash, row.hash)
        finally:
            rows.close()
