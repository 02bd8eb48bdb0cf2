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

from oversight_bot.domain.audit import AuditRecord
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
    if not report.changed:
        console.print(f"{report.source}: {report.rows} rows read; nothing changed, nothing written.")
    else:
        changes = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in report.changes.items() if n)
        console.print(f"{report.source}: {report.rows} rows read; import #{report.import_id} wrote {changes}.")
        if report.disagreements:
            console.print(
                f"  {report.disagreements} difference(s) between NHS England's results and the rules core's own "
                "derivation were recorded (see `oversight nof check`)."
            )
        console.print(f"  {len(report.events)} change(s) announced" + (":" if report.events else "."))
        for event in report.events:
            console.print(
                f"    {event.ods_code} {event.kind.replace('_', ' ')}: segment "
                f"{event.previous_segment} -> {event.segment}, {event.quarter}"
            )
    for note in report.notes:
        console.print(Text(f"  note: {note}", style="yellow"))


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
    if "unadjusted segment" not in report.tallies:
        console.print("Unadjusted segments taken as published; give --cut-points to check them.")
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
        "file": report.source,
        "quarters": [q.label for q in report.quarters],
        "all_agree": report.all_agree,
        "summary": {m: {"agree": t.agreed, "checked": t.checked} for m, t in report.tallies.items()},
        "exact_averages": report.exact_averages,
        "average_tolerance": "0.01",
        "ranks_differing_on_recomputed_averages": report.ranks_differing_on_recomputed_averages,
        "cut_points": {q.label: str(c) for q, c in report.cut_points.items()},
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
