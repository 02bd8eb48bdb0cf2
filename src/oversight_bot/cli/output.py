"""How CLI results are shown: rich tables for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from oversight_bot.chat.alerts import event_words
from oversight_bot.domain.audit import AuditRecord
from oversight_bot.domain.events import SegmentEvent
from oversight_bot.domain.quarters import Quarter
from oversight_bot.errors import ImportFileError
from oversight_bot.services.alerts import DeliveryInfo
from oversight_bot.services.imports import ImportReport
from oversight_bot.services.nof_check import CheckReport


def to_json(value: Any) -> str:
    return json.dumps(value, default=_encode, indent=2, ensure_ascii=False)


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, Quarter):
        return value.label
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def show_import(console: Console, report: ImportReport) -> None:
    quarters = f" ({', '.join(str(q) for q in report.quarters)})" if report.quarters else ""
    layout = f"; {report.layout}" if report.layout else ""
    if not report.changed:
        console.print(f"{report.source}: {report.rows} rows read{quarters}{layout}; nothing changed, nothing written.")
    else:
        changes = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in report.changes.items() if n)
        console.print(
            f"{report.source}: {report.rows} rows read{quarters}{layout}; import #{report.import_id} wrote {changes}."
        )
        console.print(f"  {len(report.events)} change(s) announced" + (":" if report.events else "."))
        for quarter, events in _by_quarter(report.events):
            console.print(f"  {quarter} ({len(events)}):")
            for event in events:
                console.print(f"    {event_line(event)}")
    if report.disagreements:
        console.print(
            f"  {report.disagreements} difference(s) between NHS England's published results and the rules core's "
            "recomputation in these quarters; `oversight nof check FILE` names each."
        )
    for note in report.notes:
        console.print(Text(f"  note: {note}", style="yellow"))


def _by_quarter(events: tuple[SegmentEvent, ...]) -> list[tuple[Quarter, list[SegmentEvent]]]:
    grouped: dict[Quarter, list[SegmentEvent]] = {}
    for event in events:
        grouped.setdefault(event.quarter, []).append(event)
    return sorted(grouped.items())


def event_line(event: SegmentEvent) -> str:
    since = f", since {event.previous_quarter}" if event.previous_quarter != event.quarter.previous() else ""
    return f"{event.ods_code} {event_words(event.kind, event.previous_segment, event.segment)}{since}"


def import_json(report: ImportReport) -> dict[str, Any]:
    """An import's report as fields: what was read, what changed and what it announced."""
    return {
        "schema": "oversight-import/1",
        "status": "imported" if report.changed else "unchanged",
        "kind": report.kind,
        "file": report.source,
        "rows": report.rows,
        "quarters": [q.label for q in report.quarters],
        "layout": report.layout or None,
        "import_id": report.import_id,
        "changes": {what: n for what, n in report.changes.items() if n},
        "events": [event_json(event) for event in report.events],
        "disagreements": report.disagreements,
        "notes": list(report.notes),
        "problems": [],
    }


def event_json(event: SegmentEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "ods_code": event.ods_code,
        "quarter": event.quarter.label,
        "segment": event.segment,
        "previous_quarter": event.previous_quarter.label,
        "previous_segment": event.previous_segment,
        "framework": event.framework,
        "segment_5_unpublished": event.segment_5_unpublished,
    }


def import_error_json(error: ImportFileError) -> dict[str, Any]:
    """A refused file: nothing was imported; every problem found, with its line where it has one."""
    return {
        "schema": "oversight-import/1",
        "status": "refused",
        "file": error.source or None,
        "problems": [{"line": problem.line, "message": problem.message} for problem in error.problems],
        "more_problems": error.more,
    }


def show_import_error(console: Console, error: ImportFileError) -> None:
    console.print(Text(error.summary(), style="red"))


def show_check(console: Console, report: CheckReport) -> None:
    table = Table(title=f"NHS England's figures recomputed from {report.source}")
    table.add_column("measure")
    table.add_column("agree", justify="right")
    table.add_column("checked", justify="right")
    for measure, tally in report.tallies.items():
        table.add_row(measure, str(tally.agreed), str(tally.checked), style=None if tally.all_agree else "red")
    console.print(table)
    total = report.tallies["average"].checked
    console.print(f"Averages: {report.exact_averages} of {total} exact; the rest within 0.01 where they agree.")
    console.print(
        "Ranks use NHS England's published averages (computed from unrounded scores); ranking the recomputed "
        f"averages instead would change {report.ranks_differing_on_recomputed_averages} rank(s)."
    )
    for quarter, cuts in report.cut_points.items():
        console.print(f"{quarter} cut-points: {cuts}.")
    for quarter in report.unplaced:
        console.print(
            Text(
                f"{quarter}: the published placings fit no single set of cut-points, so unadjusted segments are "
                "taken as published; give --cut-points to check them.",
                style="yellow",
            )
        )
    for m in report.mismatches:
        console.print(
            Text(
                f"MISMATCH {m.ods_code} {m.quarter} {m.measure}: published {m.published}, derived {m.derived}",
                style="red",
            )
        )
    verdict = "All published figures reproduced." if report.all_agree else f"{len(report.mismatches)} mismatch(es)."
    console.print(Text(verdict, style="green" if report.all_agree else "red"))


def check_json(report: CheckReport) -> dict[str, Any]:
    return {
        "schema": "oversight-nof-check/1",
        "file": report.source,
        "quarters": [q.label for q in report.quarters],
        "all_agree": report.all_agree,
        "summary": {m: {"agree": t.agreed, "checked": t.checked} for m, t in report.tallies.items()},
        "exact_averages": report.exact_averages,
        "average_tolerance": "0.01",
        "ranks_differing_on_recomputed_averages": report.ranks_differing_on_recomputed_averages,
        "cut_points": {
            q.label: {"values": [str(c.first), str(c.second), str(c.third)], "origin": c.origin}
            for q, c in report.cut_points.items()
        },
        "unplaced_quarters": [q.label for q in report.unplaced],
        "mismatches": [dataclasses.asdict(m) for m in report.mismatches],
        "rows": [dataclasses.asdict(r) for r in report.rows],
    }


def deliveries_json(deliveries: list[DeliveryInfo]) -> dict[str, Any]:
    return {"schema": "oversight-deliveries/1", "deliveries": [dataclasses.asdict(d) for d in deliveries]}


def show_deliveries(console: Console, deliveries: list[DeliveryInfo]) -> None:
    table = Table(title="Alert deliveries, newest first")
    for column in ("id", "event", "organisation", "destination", "status", "attempts", "next attempt", "error"):
        table.add_column(column)
    for d in deliveries:
        table.add_row(
            str(d.id), d.event_kind, d.ods_code, d.destination, d.status, str(d.attempts),
            f"{d.next_attempt_at:%Y-%m-%d %H:%M:%S}" if d.status in ("pending", "retry") else "", d.last_error or "",
        )  # fmt: skip
    console.print(table)


def audit_json(records: list[AuditRecord]) -> dict[str, Any]:
    """Newest first; each record's own fields, its chain hashes, never a concern's words."""
    return {
        "schema": "oversight-audit/1",
        "records": [
            {
                "id": r.id,
                "at": r.entry.at.isoformat(),
                "action": r.entry.action,
                "actor": r.entry.actor,
                "reference": r.entry.reference,
                "facts": r.entry.facts or {},
                "previous_hash": r.previous_hash,
                "hash": r.hash,
            }
            for r in records
        ],
    }


def show_audit(console: Console, records: list[AuditRecord]) -> None:
    table = Table("#", "When (UTC)", "Action", "By", "Concern", "Facts", box=None)
    for record in records:
        entry = record.entry
        facts = ", ".join(f"{k}={v}" for k, v in (entry.facts or {}).items())
        when = f"{entry.at:%Y-%m-%d %H:%M:%S}"
        cells = (str(record.id), when, entry.action, entry.actor, entry.reference or "", facts)
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table if records else Text("No audit records."))
