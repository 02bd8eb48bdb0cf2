"""Answers as data, for `oversight ask --json` and `lookup --json`: fields a script can use, never the
sentences the chat shows. docs/cli.md documents the schema; `SCHEMA` names its version, raised
whenever a field changes meaning or goes.

Every answer has `schema`, `status` (answered, not_found, ambiguous, usage, refused) and `command`.
Organisations are named as people write them ("Leeds Teaching Hospitals NHS Trust"), beside the
register's own capitals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oversight_bot.chat.commands import (
    Command,
    ExplainSegment,
    GetSegment,
    ListSegment,
    ShowHelp,
    ShowHistory,
    ShowLeague,
)
from oversight_bot.chat.handle import Conversation, pick_quarter
from oversight_bot.chat.replies import Chart, Reply, ReplyKind
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.assessments import Assessment
from oversight_bot.domain.organisations import Organisation, display_name
from oversight_bot.domain.provenance import Provenance
from oversight_bot.services.lookup import Candidate, LookupResult, LookupStatus
from oversight_bot.services.segments import Freshness, SegmentReader, SegmentView, TableRow, WhyView

SCHEMA = "oversight-answer/1"
ANSWERED, NOT_FOUND, AMBIGUOUS, USAGE, REFUSED = "answered", "not_found", "ambiguous", "usage", "refused"
STATUS_OF_KIND = {ReplyKind.NOT_FOUND: NOT_FOUND, ReplyKind.CHOICE: AMBIGUOUS, ReplyKind.ERROR: REFUSED}


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    fields: dict[str, Any]


def answer(command: Command, conversation: Conversation, actor: Actor) -> Answer:
    """The answer to `command` as fields; commands without fields of their own (help, concerns,
    subscriptions) give the reply's title, summary and lines under `reply`."""
    reader = conversation.segments.reader()
    match command:
        case GetSegment(quarter=str()) | ExplainSegment(quarter=str()) | ShowLeague(quarter=str()):
            if not _quarter_held(command, reader):  # said in words, with the quarters held
                return _reply_answer(command, conversation.handle(command, actor))
    match command:
        case GetSegment() | ExplainSegment() | ShowHistory():
            return _about_organisation(command, reader, conversation)
        case ShowLeague(table=table, region=region, quarter=spec):
            quarter = pick_quarter(spec, reader.table_quarters(table))
            return _rows_answer(command, reader, region, lambda r: reader.league(table, r, quarter))
        case ListSegment(segment=segment, region=region):
            return _rows_answer(command, reader, region, lambda r: reader.list_segment(segment, r))
    reply = conversation.handle(command, actor)
    return _reply_answer(command, reply)


def status_of(command: Command, reply: Reply) -> str:
    """What a reply shown in the terminal amounts to, for the exit status."""
    if isinstance(command, ShowHelp) and command.problem:
        return USAGE
    return STATUS_OF_KIND.get(reply.kind, ANSWERED)


def _base(command: Command, status: str) -> dict[str, Any]:
    return {"schema": SCHEMA, "status": status, "command": command.verb}  # type: ignore[attr-defined]


def _about_organisation(
    command: GetSegment | ExplainSegment | ShowHistory, reader: SegmentReader, conversation: Conversation
) -> Answer:
    found = reader.lookup(command.query)
    if found.status is not LookupStatus.RESOLVED or found.organisation is None:
        status = AMBIGUOUS if found.status is LookupStatus.AMBIGUOUS else NOT_FOUND
        fields = _base(command, status) | {"query": command.query, "candidates": candidates(found.candidates)}
        return Answer(status, fields)
    organisation = found.organisation
    fields = _base(command, ANSWERED) | {"query": command.query, "organisation": organisation_fields(organisation)}
    quarter = None
    if not isinstance(command, ShowHistory):
        quarter = pick_quarter(command.quarter, reader.quarters_held(organisation.ods_code))
    if isinstance(command, ShowHistory):
        history = reader.history(organisation.ods_code)
        fields["history"] = [
            assessment_fields(e.assessment)
            | {"framework_name": e.framework, "segment_5_unpublished": e.segment_5_unpublished}
            for e in (history.entries if history else ())
        ]
        fields["freshness"] = freshness_fields(history.freshness if history else None)
        return Answer(ANSWERED, fields)
    view = reader.segment(organisation.ods_code, quarter)
    assert view is not None
    fields |= segment_fields(view)
    if isinstance(command, ExplainSegment):
        fields |= why_fields(reader.why(organisation.ods_code, quarter))
    elif conversation.concerning is not None:
        fields["open_concerns"] = conversation.concerning.service.open_count(organisation.ods_code)
    return Answer(ANSWERED, fields)


def segment_fields(view: SegmentView) -> dict[str, Any]:
    assessment = view.assessment
    return {
        "assessment": None if assessment is None else assessment_fields(assessment),
        "framework_name": view.framework_name,
        "since": view.since.label if view.since else None,
        "previous": None
        if view.previous is None
        else {
            "segment": view.previous.segment,
            "quarter": view.previous.quarter.label,
            "framework_name": view.previous.framework,
        },
        "domains": [
            {"domain": d.domain, "segment": d.segment, "score": _number(d.score)}
            for d in view.domains
            if d.segment is not None or d.score is not None
        ],
        "worst_metrics": [
            {"metric_id": m.metric_id, "name": m.name, "score": _number(m.score)} for m in view.worst_metrics
        ],
        "freshness": freshness_fields(view.freshness),
        "segment_5": None
        if view.segment_5 is None
        else {
            "unpublished_since": view.segment_5.unpublished_since.label,
            "last_published": view.segment_5.last_published.label if view.segment_5.last_published else None,
            "last_in_programme": view.segment_5.last_in_programme,
        },
        "quarters_not_held": [q.label for q in view.not_held_in_run],
    }


def why_fields(why: WhyView | None) -> dict[str, Any]:
    """`why`: the steps, and every scored metric of the latest quarter that has them."""
    assessment = why.segment.assessment if why else None
    return {
        "reasons": [
            {"step": r.step.value, "text": r.text, "metrics": list(r.metrics)}
            for r in (assessment.reasons if assessment else ())
        ],
        "metrics_quarter": why.metrics_quarter.label if why and why.metrics_quarter else None,
        "metrics": [
            {
                "metric_id": m.metric_id,
                "name": m.name,
                "domain": m.domain,
                "score": _number(m.score),
                "weight": str(m.weight),
                "counted": m.counted,
                "note": m.note or None,
                "values": [
                    {
                        "metric_id": v.metric_id,
                        "value": _number(v.value),
                        "units": v.units,
                        "reported": v.reporting_date,
                    }
                    for v in m.values
                ],
            }
            for m in (why.metrics if why else ())
        ],
        "metrics_source": provenance_fields(why.metrics_provenance if why else None),
    }


def freshness_fields(freshness: Freshness | None) -> dict[str, Any] | None:
    if freshness is None:
        return None
    return {"quarter": freshness.quarter.label, "months_old": freshness.months_old, "stale": freshness.stale}


def provenance_fields(provenance: Provenance | None) -> dict[str, Any] | None:
    """Whose file a figure came from: NHS England's own, or a named secondary source."""
    if provenance is None:
        return None
    return {
        "file": provenance.file,
        "publisher": provenance.publisher,
        "secondary": provenance.secondary,
        "published": provenance.published,
        "imported_on": provenance.imported_on.isoformat() if provenance.imported_on else None,
    }


def assessment_fields(assessment: Assessment) -> dict[str, Any]:
    return {
        "quarter": assessment.quarter.label,
        "framework": assessment.framework,
        "basis": assessment.basis.value,
        "segment": assessment.segment,
        "underlying_segment": assessment.underlying_segment,
        "unadjusted_segment": assessment.unadjusted_segment,
        "adjusted_segment": assessment.adjusted_segment,
        "financial_override": assessment.financial_override,
        "override_applied": assessment.override_applied,
        "in_improvement_programme": assessment.in_improvement_programme,
        "average_score": _number(assessment.average_score),
        "average_range": [_number(n) for n in assessment.average_range] if assessment.average_range else None,
        "rank": assessment.rank,
        "rank_range": list(assessment.rank_range) if assessment.rank_range else None,
        "peer_count": assessment.peer_count,
        "peer_table": assessment.peer_table.short if assessment.peer_table else None,
        "region": assessment.region,
        "source": provenance_fields(assessment.provenance),
    }


def organisation_fields(organisation: Organisation) -> dict[str, Any]:
    return {
        "ods_code": organisation.ods_code,
        "name": display_name(organisation.name),
        "register_name": organisation.name,
        "kind": organisation.kind.value,
        "trust_type": organisation.trust_type.short if organisation.trust_type else None,
        "region": organisation.region,
        "icb_code": organisation.icb_code,
        "open": organisation.is_open,
        "closed_on": organisation.closed_on.isoformat() if organisation.closed_on else None,
    }


def candidates(found: tuple[Candidate, ...]) -> list[dict[str, Any]]:
    return [
        {
            "ods_code": c.ods_code,
            "name": display_name(c.name),
            "register_name": c.name,
            "open": c.is_open,
            "score": round(c.score, 1),
        }
        for c in found
    ]


def lookup_fields(result: LookupResult) -> dict[str, Any]:
    """`oversight lookup --json`: what a query resolves to, or the candidates."""
    organisation = result.organisation
    return {
        "schema": SCHEMA,
        "status": result.status.value,
        "query": result.query,
        "matched_by": result.matched_by,
        "organisation": None if organisation is None else organisation_fields(organisation),
        "candidates": candidates(result.candidates),
    }


def _rows_answer(command: ShowLeague | ListSegment, reader: SegmentReader, typed: str | None, rows_for: Any) -> Answer:
    region = None
    if typed is not None:
        region, suggestions = reader.region_named(typed)
        if region is None:
            fields = _base(command, NOT_FOUND) | {"region": typed, "regions": suggestions}
            return Answer(NOT_FOUND, fields)
    view = rows_for(region)
    fields = _base(command, ANSWERED) | {
        "region": region,
        "rows": [_row(row) for row in view.rows],
        "sources": [provenance_fields(p) for p in view.sources],
    }
    if isinstance(command, ShowLeague):
        fields |= {
            "table": command.table.short,
            "quarter": view.quarter.label if view.quarter else None,
            "peer_count": view.peer_count,
            "unranked": [_row(row) for row in view.unranked],
            "missing_ranks": list(view.missing_ranks),
            "freshness": freshness_fields(view.freshness),
        }
    else:
        fields |= {
            "segment": command.segment,
            "segment_5_unpublished_since": view.unpublished_since.label if view.unpublished_since else None,
            "last_published": [_row(row) for row in view.last_published],
        }
    return Answer(ANSWERED, fields)


def _row(row: TableRow) -> dict[str, Any]:
    a = row.assessment
    return {
        "ods_code": row.organisation.ods_code,
        "name": display_name(row.organisation.name),
        "quarter": a.quarter.label,
        "segment": a.segment,
        "rank": a.rank,
        "average_score": _number(a.average_score),
        "override_applied": a.override_applied,
    }


def _reply_answer(command: Command, reply: Reply) -> Answer:
    status = status_of(command, reply)
    lines = [line for section in reply.sections for line in section.lines]
    lines += [f"{fact.label}: {fact.value}" for section in reply.sections for fact in section.facts]
    fields = _base(command, status) | {
        "reply": {"title": reply.title, "summary": reply.summary, "lines": lines},
        "choices": [{"label": c.label, "command": c.command} for c in reply.choices],
    }
    if reply.chart is not None:
        fields["chart"] = chart_fields(reply.chart)
    return Answer(status, fields)


def chart_fields(chart: Chart) -> dict[str, Any]:
    """A chart's figures (`metric`, `trend`): what its picture shows, as data."""
    return {
        "title": chart.title,
        "kind": chart.kind.value,
        "categories": list(chart.categories),
        "value_label": chart.value_label,
        "lower_is_better": chart.lower_is_better,
        "series": [
            {"label": s.label, "role": s.role.value, "points": list(s.points), "low": list(s.low), "high": list(s.high)}
            for s in chart.series
        ],
        "source": chart.source,
    }


def _quarter_held(command: GetSegment | ExplainSegment | ShowLeague, reader: SegmentReader) -> bool:
    if isinstance(command, ShowLeague):
        return pick_quarter(command.quarter, reader.table_quarters(command.table)) is not None
    found = reader.lookup(command.query)
    if found.organisation is None:
        return True  # not found or ambiguous: answered as such below
    return pick_quarter(command.quarter, reader.quarters_held(found.organisation.ods_code)) is not None


def _number(value: object) -> float | None:
    return None if value is None else float(str(value))
