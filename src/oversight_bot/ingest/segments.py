"""Files of segments that are not derived here: NHS England's published results, and decisions.

One layout serves both: a published league table row (acute Q3 2025/26 in the seeds) and a
segment decided under an earlier framework (SOF 2016 to NOF 2022/23), which the rules core must
not re-derive (reference/nof.md §2.6). Columns are described in docs/data.md.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from oversight_bot.domain.assessments import Basis
from oversight_bot.domain.metrics import DomainResult
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.ingest.csvfile import Problems, read_text, rows_with_header, validate_rows
from oversight_bot.ingest.nof import OptionalNumber, OptionalWhole
from oversight_bot.services.releases import PublishedSegment, PublishedSegmentList, SourceFile

LAYOUT = "the published-results and decisions layout (docs/data.md)"
REQUIRED = ("basis", "framework", "quarter", "ods_code", "name", "segment")
DOMAIN_COLUMNS = {
    "access": "Access to services",
    "patient_safety": "Patient safety",
    "finance_productivity": "Finance and productivity",
    "people_workforce": "People and workforce",
    "effectiveness_experience": "Effectiveness and experience",
}
OPTIONAL = (
    "trust_type", "trust_subtype", "region", "adjusted_segment", "unadjusted_segment", "financial_override",
    "in_improvement_programme", "average_score", "rank", "peer_count", "decided_by", "reason_codes", "source",
    *(f"domain_{part}_{name}" for part in ("score", "segment") for name in DOMAIN_COLUMNS),
)  # fmt: skip
REASON_CODES = frozenset(
    {"QUALITY_CQC", "ACCESS_PERFORMANCE", "FINANCE", "LEADERSHIP_GOVERNANCE", "LICENCE_BREACH", "OTHER"}
)


def blank_to_none(text: object) -> object:
    return None if isinstance(text, str) and text.strip() == "" else text


def yes_or_no(text: object) -> object:
    if not isinstance(text, str):
        return text
    word = text.strip().lower()
    flags = {"": None, "1": True, "yes": True, "true": True, "0": False, "no": False, "false": False}
    if word not in flags:
        raise ValueError(f"{text!r} is not a flag (1/0, yes/no)")
    return flags[word]


OptionalText = Annotated[str | None, BeforeValidator(blank_to_none)]
OptionalFlag = Annotated[bool | None, BeforeValidator(yes_or_no)]


class SegmentRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    basis: Basis
    framework: str = Field(pattern=r"^(SOF|NOF)\d{4}$")
    quarter: Quarter
    ods_code: str = Field(pattern=r"^[A-Z0-9]{3,5}$")
    name: str = Field(min_length=1, max_length=200)
    trust_type: Annotated[TrustType | None, BeforeValidator(blank_to_none)] = None
    trust_subtype: OptionalText = None
    region: OptionalText = None
    segment: int = Field(ge=1, le=5)
    adjusted_segment: OptionalWhole = Field(default=None, ge=1, le=4)
    unadjusted_segment: OptionalWhole = Field(default=None, ge=1, le=4)
    financial_override: OptionalFlag = None
    in_improvement_programme: OptionalFlag = None
    average_score: OptionalNumber = Field(default=None, ge=1, le=4)
    rank: OptionalWhole = Field(default=None, ge=1)
    peer_count: OptionalWhole = Field(default=None, ge=1)
    decided_by: OptionalText = None
    reason_codes: OptionalText = None
    source: OptionalText = None

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, text: object) -> object:
        return Quarter.parse(text) if isinstance(text, str) else text

    @field_validator("basis", mode="before")
    @classmethod
    def _basis(cls, text: object) -> object:
        if text == Basis.DERIVED.value:
            raise ValueError("a segments file holds published results or decisions, not derived ones")
        return text

    @field_validator("reason_codes")
    @classmethod
    def _known_codes(cls, text: str | None) -> str | None:
        unknown = [c for c in _split_codes(text) if c not in REASON_CODES]
        if unknown:
            raise ValueError(f"unknown reason code(s) {', '.join(unknown)}; known: {', '.join(sorted(REASON_CODES))}")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> SegmentRow:
        if self.rank is not None and self.peer_count is not None and self.rank > self.peer_count:
            raise ValueError(f"rank {self.rank} is beyond the peer count {self.peer_count}")
        if self.basis is Basis.PUBLISHED and self.segment != 5 and self.adjusted_segment not in (None, self.segment):
            raise ValueError("segment and adjusted_segment differ but the segment is not 5")
        return self


def _split_codes(text: str | None) -> list[str]:
    return [code.strip() for code in (text or "").split(";") if code.strip()]


def read_segments_file(path: Path) -> PublishedSegmentList:
    text = read_text(path)
    problems = Problems(text.source)
    rows = validate_rows(SegmentRow, rows_with_header(text, REQUIRED, OPTIONAL, LAYOUT), problems)
    seen: dict[tuple[str, Quarter, Basis], int] = {}
    for line, row in rows:
        key = (row.ods_code, row.quarter, row.basis)
        if key in seen:
            problems.add(line, f"{row.ods_code} {row.quarter} ({row.basis}) repeats line {seen[key]}")
        seen.setdefault(key, line)
    problems.raise_if_any()
    entries = tuple(_entry(line, row) for line, row in rows)
    return PublishedSegmentList(SourceFile(text.source, text.sha256, len(rows)), entries)


def _entry(line: int, row: SegmentRow) -> PublishedSegment:
    return PublishedSegment(
        line=line,
        basis=row.basis,
        framework=row.framework,
        quarter=row.quarter,
        ods_code=row.ods_code,
        name=row.name,
        trust_type=row.trust_type,
        trust_subtype=row.trust_subtype,
        region=row.region,
        segment=row.segment,
        adjusted_segment=row.adjusted_segment,
        unadjusted_segment=row.unadjusted_segment,
        financial_override=row.financial_override,
        in_improvement_programme=row.in_improvement_programme,
        average_score=row.average_score,
        rank=row.rank,
        peer_count=row.peer_count,
        domain_results=_domains(row),
        decided_by=row.decided_by,
        reason_codes=tuple(_split_codes(row.reason_codes)),
        source=row.source,
    )


def _domains(row: SegmentRow) -> tuple[DomainResult, ...]:
    extra = row.model_extra or {}
    results = []
    for column, domain in DOMAIN_COLUMNS.items():
        score_text = (extra.get(f"domain_score_{column}") or "").strip()
        segment_text = (extra.get(f"domain_segment_{column}") or "").strip()
        if score_text or segment_text:
            score = Decimal(score_text) if score_text else None
            segment = int(segment_text) if segment_text else None
            results.append(DomainResult(row.ods_code, row.quarter, domain, score, segment))
    return tuple(results)
