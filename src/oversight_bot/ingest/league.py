"""NHS England's league-table files, and secondary sources that give part of one.

NHS England's layout (reference/nof.md §5): `Quarter, Region, Trust_type, Trust_subtype, Trust_code,
Trust_name, Average_score, Likely_range_of_average_score, Segment, Trust_in_financial_deficit, Rank,
Likely_range_of_rank`, the ranges written "a to b" and the deficit flag "Yes"/"No". Only
`Trust_code` and `Segment` are required, so that a secondary source giving the segment alone
(shared/data's acute Q3 extract) reads through the same validation; what a file leaves out is not
published by it, and never erases what another file published.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from oversight_bot.domain.assessments import Basis
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.ingest.csvfile import Problems, header_of, read_text, rows_with_header, validate_rows
from oversight_bot.ingest.nof import REGIONS, OptionalNumber, OptionalWhole
from oversight_bot.ingest.segments import OptionalFlag, blank_to_none
from oversight_bot.services.releases import PublishedSegment, PublishedSegmentList, SourceFile

LAYOUT = "NHS England's league-table layout"
REQUIRED = ("Trust_code", "Segment")
OPTIONAL = (
    "Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_name", "Average_score",
    "Likely_range_of_average_score", "Trust_in_financial_deficit", "Rank", "Likely_range_of_rank",
)  # fmt: skip
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


def _range(text: object) -> object:
    if not isinstance(text, str) or not text.strip():
        return None
    match = _RANGE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a range like '2.05 to 2.21'")
    low, high = Decimal(match[1]), Decimal(match[2])
    if low > high:
        raise ValueError(f"{text!r} runs backwards")
    return (low, high)


def _region(text: object) -> object:
    if not isinstance(text, str) or not text.strip():
        return None
    if text.strip() not in REGIONS:
        raise ValueError(
            f"{text.strip()!r} is not a region NHS England's files use ({', '.join(sorted(set(REGIONS.values())))})"
        )
    return REGIONS[text.strip()]


Range = Annotated[tuple[Decimal, Decimal] | None, BeforeValidator(_range)]


class LeagueRow(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=False)

    quarter: Quarter | None = Field(default=None, alias="Quarter")
    region: Annotated[str | None, BeforeValidator(_region)] = Field(default=None, alias="Region")
    trust_type: Annotated[TrustType | None, BeforeValidator(blank_to_none)] = Field(default=None, alias="Trust_type")
    trust_subtype: Annotated[str | None, BeforeValidator(blank_to_none)] = Field(default=None, alias="Trust_subtype")
    trust_code: str = Field(alias="Trust_code", pattern=r"^[A-Z0-9]{3,5}$")
    trust_name: Annotated[str | None, BeforeValidator(blank_to_none)] = Field(default=None, alias="Trust_name")
    average_score: OptionalNumber = Field(default=None, alias="Average_score", ge=0, le=4)
    average_range: Range = Field(default=None, alias="Likely_range_of_average_score")
    segment: OptionalWhole = Field(alias="Segment", ge=1, le=5)
    in_deficit: OptionalFlag = Field(default=None, alias="Trust_in_financial_deficit")
    rank: OptionalWhole = Field(default=None, alias="Rank", ge=1)
    rank_range: Range = Field(default=None, alias="Likely_range_of_rank")

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, text: object) -> object:
        return Quarter.parse(text) if isinstance(text, str) and text.strip() else None

    @field_validator("trust_code", mode="before")
    @classmethod
    def _code(cls, text: object) -> object:
        return text.strip() if isinstance(text, str) else text

    @model_validator(mode="after")
    def _consistent(self) -> LeagueRow:
        if self.segment is None:
            raise ValueError("column Segment: a segment is required")
        if (
            self.average_range
            and self.average_score is not None
            and not (self.average_range[0] <= self.average_score <= self.average_range[1])
        ):
            raise ValueError(f"the average {self.average_score} lies outside its likely range")
        if self.rank_range and self.rank is not None and not (self.rank_range[0] <= self.rank <= self.rank_range[1]):
            raise ValueError(f"the rank {self.rank} lies outside its likely range")
        return self


def read_league_file(path: Path, quarter: Quarter | None = None) -> PublishedSegmentList:
    """A league table, or a secondary source's part of one; `quarter` for a file without a Quarter column."""
    text = read_text(path)
    header = header_of(text)
    if "Quarter" not in header and quarter is None:
        message = "the file has no Quarter column: give the quarter it holds (`--quarter 'Q3 2025/26'`)"
        raise ImportFileError(text.source, [FileProblem(1, message)])
    problems = Problems(text.source)
    rows = validate_rows(LeagueRow, rows_with_header(text, REQUIRED, OPTIONAL, LAYOUT), problems)
    located = [(line, row if row.quarter else row.model_copy(update={"quarter": quarter})) for line, row in rows]
    _check_unique(located, problems)
    problems.raise_if_any()
    peers = Counter((row.quarter, row.trust_type) for _, row in located if row.rank is not None)
    entries = tuple(_entry(line, row, peers) for line, row in located)
    return PublishedSegmentList(SourceFile(text.source, text.sha256, len(rows)), entries)


def _check_unique(rows: list[tuple[int, LeagueRow]], problems: Problems) -> None:
    seen: dict[tuple[str, Quarter | None], int] = {}
    for line, row in rows:
        key = (row.trust_code, row.quarter)
        if key in seen:
            problems.add(line, f"{row.trust_code} {row.quarter} repeats line {seen[key]}")
        seen.setdefault(key, line)


def _entry(line: int, row: LeagueRow, peers: Counter[tuple[Quarter | None, TrustType | None]]) -> PublishedSegment:
    assert row.quarter is not None and row.segment is not None
    in_programme = True if row.segment == 5 else None  # a league table that shows 5 shows the programme
    return PublishedSegment(
        line=line,
        basis=Basis.PUBLISHED,
        framework=None,
        quarter=row.quarter,
        ods_code=row.trust_code,
        name=row.trust_name,
        trust_type=row.trust_type,
        trust_subtype=row.trust_subtype,
        region=row.region,
        segment=row.segment,
        adjusted_segment=row.segment if row.segment != 5 else None,  # the league's Segment is OF5000
        unadjusted_segment=None,
        financial_override=row.in_deficit,
        in_improvement_programme=in_programme,
        average_score=row.average_score,
        rank=row.rank,
        peer_count=peers[(row.quarter, row.trust_type)] if row.rank is not None and row.trust_type else None,
        domain_results=(),
        decided_by=None,
        reason_codes=(),
        source=None,
        average_range=row.average_range,
        rank_range=(int(row.rank_range[0]), int(row.rank_range[1])) if row.rank_range else None,
    )
