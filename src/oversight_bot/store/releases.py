"""The release checks' records: addresses and their validators, file versions handled, the check lease."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from oversight_bot.services.release_records import (
    CheckRun,
    FileRecord,
    FileStatus,
    Outcome,
    ReleaseSummary,
    UrlRecord,
)
from oversight_bot.services.releases import Validators
from oversight_bot.store.tables import ImportRow, ReleaseCheckRow, ReleaseFileRow, ReleaseUrlRow

CHECK_ROW = 1


class SqlAlchemyReleaseRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- addresses ----------------------------------------------------------------------------

    def url(self, url: str) -> UrlRecord | None:
        row = self.session.get(ReleaseUrlRow, url)
        return _url_record(row) if row is not None else None

    def urls(self) -> list[UrlRecord]:
        return [_url_record(row) for row in self.session.scalars(select(ReleaseUrlRow).order_by(ReleaseUrlRow.url))]

    def save_url(self, record: UrlRecord) -> None:
        fields: dict[str, Any] = {
            "url": record.url,
            "source": record.source,
            "role": record.role,
            "kind": record.kind,
            "etag": record.validators.etag,
            "last_modified": record.validators.last_modified,
            "checked_at": record.checked_at,
            "outcome": record.outcome.value if record.outcome else None,
            "detail": record.detail,
            "sha256": record.sha256,
            "links": [list(link) for link in record.links] if record.role == "page" else None,
        }
        self.session.merge(ReleaseUrlRow(**fields))

    # -- file versions ------------------------------------------------------------------------

    def file(self, url: str, sha256: str) -> FileRecord | None:
        row = self.session.scalars(
            select(ReleaseFileRow).where(ReleaseFileRow.url == url, ReleaseFileRow.sha256 == sha256)
        ).first()
        return _file_record(row) if row is not None else None

    def files(self) -> list[FileRecord]:
        """Every version handled, newest first."""
        query = select(ReleaseFileRow).order_by(ReleaseFileRow.fetched_at.desc(), ReleaseFileRow.id.desc())
        return [_file_record(row) for row in self.session.scalars(query)]

    def add_file(self, record: FileRecord) -> FileRecord:
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name != "id"}
        fields["status"] = record.status.value
        fields["summary"] = dataclasses.asdict(record.summary)
        row = ReleaseFileRow(**fields)
        self.session.add(row)
        self.session.flush()
        return dataclasses.replace(record, id=row.id)

    def unreported(self) -> list[FileRecord]:
        """Imported and refused versions the admins have not been told of, oldest first."""
        query = (
            select(ReleaseFileRow)
            .where(
                ReleaseFileRow.reported_at.is_(None),
                ReleaseFileRow.status.in_([FileStatus.IMPORTED.value, FileStatus.REFUSED.value]),
            )
            .order_by(ReleaseFileRow.id)
        )
        return [_file_record(row) for row in self.session.scalars(query)]

    def mark_reported(self, ids: Iterable[int], at: datetime) -> None:
        wanted = list(ids)
        if wanted:
            self.session.execute(update(ReleaseFileRow).where(ReleaseFileRow.id.in_(wanted)).values(reported_at=at))

    def import_with_checksum(self, sha256: str) -> int | None:
        """The latest import of a file with these bytes (by hand, the seeds, or a check), if any."""
        query = select(ImportRow.id).where(ImportRow.sha256 == sha256).order_by(ImportRow.id.desc()).limit(1)
        return self.session.scalars(query).first()

    # -- the check lease ----------------------------------------------------------------------

    def claim_check(self, holder: str, now: datetime, lease_until: datetime, due_before: datetime | None) -> bool:
        """Take the check if no one holds it (or their lease ran out) and, with `due_before`, if the last
        check started before then. One UPDATE: of several workers at once, exactly one wins (on
        PostgreSQL the others wait for its commit and then find the condition false)."""
        conditions = [
            ReleaseCheckRow.id == CHECK_ROW,
            or_(ReleaseCheckRow.lease_until.is_(None), ReleaseCheckRow.lease_until < now),
        ]
        if due_before is not None:
            conditions.append(or_(ReleaseCheckRow.started_at.is_(None), ReleaseCheckRow.started_at <= due_before))
        result = self.session.execute(
            update(ReleaseCheckRow).where(*conditions).values(holder=holder, lease_until=lease_until, started_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def extend_check(self, holder: str, lease_until: datetime) -> None:
        self.session.execute(
            update(ReleaseCheckRow)
            .where(ReleaseCheckRow.id == CHECK_ROW, ReleaseCheckRow.holder == holder)
            .values(lease_until=lease_until)
        )

    def end_check(self, holder: str, now: datetime) -> None:
        self.session.execute(
            update(ReleaseCheckRow)
            .where(ReleaseCheckRow.id == CHECK_ROW, ReleaseCheckRow.holder == holder)
            .values(holder=None, lease_until=None, finished_at=now)
        )

    def check_run(self) -> CheckRun:
        row = self.session.get(ReleaseCheckRow, CHECK_ROW)
        if row is None:
            return CheckRun()
        return CheckRun(row.holder, row.lease_until, row.started_at, row.finished_at)


def _url_record(row: ReleaseUrlRow) -> UrlRecord:
    return UrlRecord(
        url=row.url,
        source=row.source,
        role=row.role,
        kind=row.kind,
        validators=Validators(row.etag, row.last_modified),
        checked_at=row.checked_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        detail=row.detail,
        sha256=row.sha256,
        links=tuple((str(url), str(kind)) for url, kind in row.links or ()),
    )


def _file_record(row: ReleaseFileRow) -> FileRecord:
    summary = dict(row.summary or {})
    return FileRecord(
        url=row.url,
        sha256=row.sha256,
        source=row.source,
        kind=row.kind,
        name=row.name,
        size=row.size,
        fetched_at=row.fetched_at,
        status=FileStatus(row.status),
        reason=row.reason,
        import_id=row.import_id,
        summary=ReleaseSummary(
            quarters=tuple(summary.get("quarters", ())),
            organisations=int(summary.get("organisations", 0)),
            moves=int(summary.get("moves", 0)),
            other_events=int(summary.get("other_events", 0)),
            changes={str(k): int(v) for k, v in dict(summary.get("changes", {})).items()},
        ),
        reported_at=row.reported_at,
        id=row.id,
    )
