"""The release checks as JSON fields for scripts (docs/cli.md): `oversight releases status --json`
(`oversight-releases/1`) and `oversight releases check --json` (`oversight-releases-check/1`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from oversight_bot.services.release_checks import CheckReport, FileCheck
from oversight_bot.services.release_records import FileRecord, ReleaseSummary, UrlRecord
from oversight_bot.services.release_status import FileState, ReleaseStatus, SourceState


def status_fields(status: ReleaseStatus) -> dict[str, Any]:
    run = status.run
    return {
        "schema": "oversight-releases/1",
        "every_hours": status.every.total_seconds() / 3600 if status.every is not None else None,
        "last_check": {"started_at": run.started_at, "finished_at": run.finished_at, "running": run.holder},
        "sources": [_source_fields(state) for state in status.sources],
    }


def _source_fields(state: SourceState) -> dict[str, Any]:
    source = state.source
    return {
        "name": source.name,
        "url": source.url,
        "page": source.is_page,
        "kind": source.kind.value if source.kind else None,
        **_checked_fields(state.checked),
        "files": [_file_state_fields(file) for file in state.files],
    }


def _checked_fields(record: UrlRecord | None) -> dict[str, Any]:
    return {
        "checked_at": record.checked_at if record else None,
        "outcome": record.outcome.value if record and record.outcome else None,
        "detail": record.detail if record else None,
    }


def _file_state_fields(file: FileState) -> dict[str, Any]:
    return {
        "url": file.url,
        "name": file.name,
        "kind": file.kind,
        **_checked_fields(file.checked),
        "latest": file_fields(file.latest),
        "last_imported": file_fields(file.last_imported),
    }


def file_fields(record: FileRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "id": record.id,
        "name": record.name,
        "sha256": record.sha256,
        "size": record.size,
        "fetched_at": record.fetched_at,
        "status": record.status.value,
        "reason": record.reason,
        "import_id": record.import_id,
        **summary_fields(record.summary),
        "reported_at": record.reported_at,
    }


def summary_fields(summary: ReleaseSummary) -> dict[str, Any]:
    return dataclasses.asdict(summary) | {"quarters": list(summary.quarters)}


def check_fields(report: CheckReport) -> dict[str, Any]:
    running = report.running
    return {
        "schema": "oversight-releases-check/1",
        "ran": report.ran,
        "dry_run": report.dry_run,
        "running": running.holder if running else None,
        "sources": [
            {
                "name": check.source.name,
                "url": check.source.url,
                "outcome": check.outcome.value,
                "detail": check.detail,
                "files": [_file_check_fields(file) for file in check.files],
            }
            for check in report.sources
        ],
        "told": [record.id for record in report.told],
    }


def _file_check_fields(file: FileCheck) -> dict[str, Any]:
    return {
        "url": file.url,
        "name": file.name,
        "kind": file.kind.value,
        "outcome": file.outcome.value,
        "detail": file.detail,
        "file": file_fields(file.record),
        "summary": summary_fields(file.summary) if file.summary is not None else None,
    }
