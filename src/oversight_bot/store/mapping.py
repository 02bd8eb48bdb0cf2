"""Conversions between table rows and domain objects, in one place."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Row

from oversight_bot.domain.assessments import Assessment, Basis, Disagreement, Reason, Step
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import Organisation, OrgKind, TrustType
from oversight_bot.domain.provenance import Provenance
from oversight_bot.store.tables import (
    AssessmentRow,
    DomainResultRow,
    MetricRow,
    MetricScoreRow,
    MetricValueRow,
    OrganisationRow,
)

T = TypeVar("T")
# Stores from before publishers were recorded (migration 0007) know the file, not who published it.
UNRECORDED = "publisher not recorded"


def organisation_from_row(row: OrganisationRow) -> Organisation:
    return Organisation(
        ods_code=row.ods_code,
        name=row.name,
        kind=OrgKind(row.kind),
        trust_type=TrustType(row.trust_type) if row.trust_type else None,
        trust_subtype=row.trust_subtype,
        region=row.region,
        icb_code=row.icb_code,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
    )


def organisation_fields(org: Organisation) -> dict[str, Any]:
    return {
        "ods_code": org.ods_code,
        "name": org.name,
        "kind": org.kind.value,
        "trust_type": org.trust_type.value if org.trust_type else None,
        "trust_subtype": org.trust_subtype,
        "region": org.region,
        "icb_code": org.icb_code,
        "opened_on": org.opened_on,
        "closed_on": org.closed_on,
    }


def assessment_from_row(row: AssessmentRow) -> Assessment:
    return Assessment(
        ods_code=row.ods_code,
        quarter=row.quarter,
        framework=row.framework,
        basis=Basis(row.basis),
        segment=row.segment,
        adjusted_segment=row.adjusted_segment,
        unadjusted_segment=row.unadjusted_segment,
        financial_override=row.financial_override,
        in_improvement_programme=row.in_improvement_programme,
        average_score=row.average_score,
        rank=row.rank,
        peer_count=row.peer_count,
        peer_table=TrustType(row.peer_table) if row.peer_table else None,
        region=row.region,
        average_range=_pair(row.average_low, row.average_high),
        rank_range=_pair(row.rank_low, row.rank_high),
        reasons=tuple(reason_from_json(r) for r in row.reasons),
        provenance=_provenance(row),
    )


def _provenance(row: AssessmentRow) -> Provenance | None:
    if row.source_file is None:
        return None
    return Provenance(
        file=row.source_file,
        publisher=row.publisher or UNRECORDED,
        secondary=row.secondary,
        published=row.published,
        imported_on=row.updated_at.date(),
    )


def _pair(low: T | None, high: T | None) -> tuple[T, T] | None:
    return (low, high) if low is not None and high is not None else None


def assessment_fields(assessment: Assessment) -> dict[str, Any]:
    return {
        "ods_code": assessment.ods_code,
        "quarter": assessment.quarter,
        "basis": assessment.basis.value,
        "framework": assessment.framework,
        "segment": assessment.segment,
        "adjusted_segment": assessment.adjusted_segment,
        "unadjusted_segment": assessment.unadjusted_segment,
        "financial_override": assessment.financial_override,
        "in_improvement_programme": assessment.in_improvement_programme,
        "average_score": assessment.average_score,
        "rank": assessment.rank,
        "peer_count": assessment.peer_count,
        "peer_table": assessment.peer_table.value if assessment.peer_table else None,
        "region": assessment.region,
        "average_low": assessment.average_range[0] if assessment.average_range else None,
        "average_high": assessment.average_range[1] if assessment.average_range else None,
        "rank_low": assessment.rank_range[0] if assessment.rank_range else None,
        "rank_high": assessment.rank_range[1] if assessment.rank_range else None,
        "reasons": [reason_to_json(r) for r in assessment.reasons],
    } | _provenance_fields(assessment.provenance)


def _provenance_fields(provenance: Provenance | None) -> dict[str, Any]:
    if provenance is None:
        return {"source_file": None, "publisher": None, "published": None, "secondary": False}
    return {
        "source_file": provenance.file,
        "publisher": provenance.publisher,
        "published": provenance.published,
        "secondary": provenance.secondary,
    }


def reason_to_json(reason: Reason) -> dict[str, Any]:
    return {"step": reason.step.value, "text": reason.text, "metrics": list(reason.metrics)}


def reason_from_json(data: dict[str, Any]) -> Reason:
    return Reason.plain(Step(data["step"]), data["text"], tuple(data.get("metrics", ())))


def disagreement_to_json(d: Disagreement) -> dict[str, Any]:
    return {"field": d.field, "published": str(d.published), "derived": str(d.derived)}


def info_from_row(row: MetricRow) -> MetricInfo:
    return MetricInfo(row.metric_id, row.description, row.domain, row.sub_domain, row.units)


def value_from_row(row: MetricValueRow | Row[*tuple[Any, ...]]) -> MetricValue:
    """From the table's object, or a plain row of its columns (the read model's bulk load)."""
    return MetricValue(
        row.ods_code,
        row.quarter,
        row.metric_id,
        row.value,
        row.reporting_date,
        row.median,
        row.lower_quartile,
        row.upper_quartile,
        row.rank,
        row.units,
    )


def score_from_row(row: MetricScoreRow) -> MetricScore:
    return MetricScore(row.ods_code, row.quarter, row.metric_id, row.score, row.reporting_date, row.rank)


def domain_result_from_row(row: DomainResultRow | Row[*tuple[Any, ...]]) -> DomainResult:
    return DomainResult(row.ods_code, row.quarter, row.domain, row.score, row.segment)
