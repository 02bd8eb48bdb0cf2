"""NHS England's NOF metric files (long format, one metric of one trust-quarter per row).

The published layout: UTF-8 with BOM, cumulative (each quarter's file repeats the earlier
quarters), `Reporting_date` in mixed formats kept as written, and metric IDs by family:
OF0xxx values, OF1xxx scores, OF4xxx domain scores (OF40xx) and segments (OF41xx), OF5xxx results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.ingest.csvfile import Problems, read_text, rows_with_header, validate_rows
from oversight_bot.services.releases import NofProvider, NofRelease, PublishedSummary, SourceFile

COLUMNS = (
    "Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Domain", "Sub-domain",
    "Metric_ID", "Metric_description", "Reporting_date", "Units", "Value", "Median_value", "Lower_quartile",
    "Upper_quartile", "Rank",
)  # fmt: skip

ADJUSTED, AVERAGE, UNADJUSTED, OVERRIDE, FINAL, IN_PROGRAMME = (
    "OF5000",
    "OF5002",
    "OF5003",
    "OF5004",
    "OF5005",
    "OF5007",
)
REQUIRED_SUMMARY = (ADJUSTED, AVERAGE, UNADJUSTED, OVERRIDE)
SUMMARY_NAMES = {
    ADJUSTED: "adjusted segment",
    AVERAGE: "average metric score",
    UNADJUSTED: "unadjusted segment",
    OVERRIDE: "financial override flag",
}


def _number(text: str) -> Decimal | None:
    text = text.strip()
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _whole(text: str) -> int | None:
    number = _number(text)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return int(number)


OptionalNumber = Annotated[Decimal | None, BeforeValidator(_number)]
OptionalWhole = Annotated[int | None, BeforeValidator(_whole)]
Text = Annotated[str, BeforeValidator(lambda s: s.strip() if isinstance(s, str) else s)]


class NofRow(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=False)

    quarter: Quarter = Field(alias="Quarter")
    region: Text = Field(alias="Region", min_length=1, max_length=60)
    trust_type: TrustType = Field(alias="Trust_type")
    trust_subtype: Text = Field(alias="Trust_subtype", max_length=60)
    trust_code: Text = Field(alias="Trust_code", pattern=r"^[A-Z0-9]{3,5}$")
    trust_name: Text = Field(alias="Trust_name", min_length=1, max_length=200)
    domain: Text = Field(alias="Domain", min_length=1, max_length=100)
    sub_domain: Text = Field(alias="Sub-domain", max_length=150)
    metric_id: Text = Field(alias="Metric_ID", pattern=r"^OF[0-5]\d{3}$")
    description: Text = Field(alias="Metric_description", max_length=400)
    reporting_date: Text = Field(alias="Reporting_date", min_length=1, max_length=80)
    units: Text = Field(alias="Units", max_length=40)
    value: OptionalNumber = Field(alias="Value")
    median: OptionalNumber = Field(alias="Median_value")
    lower_quartile: OptionalNumber = Field(alias="Lower_quartile")
    upper_quartile: OptionalNumber = Field(alias="Upper_quartile")
    rank: OptionalWhole = Field(alias="Rank", ge=1)

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, text: object) -> object:
        return Quarter.parse(text) if isinstance(text, str) else text

    @field_validator("value")
    @classmethod
    def _value_fits_family(cls, value: Decimal | None, info: object) -> Decimal | None:
        metric_id = getattr(info, "data", {}).get("metric_id", "")
        if value is None:
            raise ValueError("a value is required")
        check_family_value(metric_id, value)
        return value


def check_family_value(metric_id: str, value: Decimal) -> None:
    """Scores are 0-4 in hundredths, segments 1-5, flags 0 or 1; raw values are free."""
    family = metric_id[:3]
    if family == "OF1" or metric_id.startswith("OF40") or metric_id == AVERAGE:
        _require(Decimal(0) <= value <= Decimal(4), f"a score must be between 0 and 4, not {value}")
        _require(value == value.quantize(Decimal("0.01")), f"a score has at most 2 decimal places, not {value}")
    elif metric_id.startswith("OF41") or metric_id in (ADJUSTED, UNADJUSTED, FINAL):
        _require(value in {Decimal(n) for n in range(1, 6)}, f"a segment must be 1 to 5, not {value}")
    elif metric_id in (OVERRIDE, IN_PROGRAMME):
        _require(value in (Decimal(0), Decimal(1)), f"a flag must be 0 or 1, not {value}")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def read_nof_file(path: Path) -> NofRelease:
    """Validate the whole file, then build the release; any problem rejects the whole file."""
    text = read_text(path)
    problems = Problems(text.source)
    rows = validate_rows(NofRow, rows_with_header(text, COLUMNS), problems)
    # A bad row would make its provider look incomplete too; report the row, not the echo.
    problems.raise_if_any()
    groups = _group_by_provider_quarter(rows, problems)
    providers = [_provider(lines_rows, problems) for lines_rows in groups.values()]
    problems.raise_if_any()
    metrics = _catalogue(row for _, row in rows)
    source = SourceFile(text.source, text.sha256, len(rows))
    return NofRelease(source, tuple(metrics.values()), tuple(p for p in providers if p is not None))


def _group_by_provider_quarter(
    rows: list[tuple[int, NofRow]], problems: Problems
) -> dict[tuple[Quarter, str], list[tuple[int, NofRow]]]:
    groups: dict[tuple[Quarter, str], list[tuple[int, NofRow]]] = defaultdict(list)
    first_seen: dict[tuple[Quarter, str, str], int] = {}
    for line, row in rows:
        key = (row.quarter, row.trust_code, row.metric_id)
        if key in first_seen:
            problems.add(line, f"{row.trust_code} {row.metric_id} {row.quarter} repeats line {first_seen[key]}")
            continue
        first_seen[key] = line
        groups[(row.quarter, row.trust_code)].append((line, row))
    return groups


def _provider(rows: list[tuple[int, NofRow]], problems: Problems) -> NofProvider | None:
    first_line, first = rows[0]
    for line, row in rows[1:]:
        for name in ("trust_name", "trust_type", "region"):
            if getattr(row, name) != getattr(first, name):
                problems.add(
                    line,
                    f"{name} {getattr(row, name)!r} differs from line {first_line} for {first.trust_code}",
                )
    by_metric = {row.metric_id: row for _, row in rows}
    missing = [m for m in REQUIRED_SUMMARY if m not in by_metric]
    if missing:
        names = ", ".join(f"{m} ({SUMMARY_NAMES[m]})" for m in missing)
        problems.add(first_line, f"{first.trust_code} {first.quarter} has no {names} row; is the file complete?")
        return None
    return NofProvider(
        ods_code=first.trust_code,
        quarter=first.quarter,
        name=first.trust_name,
        region=first.region,
        trust_type=first.trust_type,
        trust_subtype=first.trust_subtype,
        values=tuple(_value(row) for row in by_metric.values() if row.metric_id.startswith("OF0")),
        scores=tuple(_score(row) for row in by_metric.values() if row.metric_id.startswith("OF1")),
        domain_results=_domain_results(by_metric),
        summary=_summary(by_metric),
    )


def _value(row: NofRow) -> MetricValue:
    assert row.value is not None
    return MetricValue(
        row.trust_code,
        row.quarter,
        row.metric_id,
        row.value,
        row.reporting_date,
        row.median,
        row.lower_quartile,
        row.upper_quartile,
        row.rank,
    )


def _score(row: NofRow) -> MetricScore:
    assert row.value is not None
    return MetricScore(row.trust_code, row.quarter, row.metric_id, row.value, row.reporting_date, row.rank)


def _domain_results(by_metric: dict[str, NofRow]) -> tuple[DomainResult, ...]:
    """OF40xx is a domain's score and OF41xx its segment; the Domain column names the domain."""
    domains: dict[str, dict[str, NofRow]] = defaultdict(dict)
    for metric_id, row in by_metric.items():
        if metric_id.startswith("OF40"):
            domains[row.domain]["score"] = row
        elif metric_id.startswith("OF41"):
            domains[row.domain]["segment"] = row
    results = []
    for name, parts in sorted(domains.items()):
        any_row = next(iter(parts.values()))
        score = parts["score"].value if "score" in parts else None
        segment = int(parts["segment"].value) if "segment" in parts and parts["segment"].value is not None else None
        results.append(DomainResult(any_row.trust_code, any_row.quarter, name, score, segment))
    return tuple(results)


def _summary(by_metric: dict[str, NofRow]) -> PublishedSummary:
    def value(metric_id: str) -> Decimal | None:
        row = by_metric.get(metric_id)
        return row.value if row is not None else None

    final, in_programme = value(FINAL), value(IN_PROGRAMME)
    average = value(AVERAGE)
    assert average is not None
    return PublishedSummary(
        adjusted_segment=int(value(ADJUSTED) or 0),
        average_score=average,
        unadjusted_segment=int(value(UNADJUSTED) or 0),
        financial_override=value(OVERRIDE) == 1,
        final_segment=int(final) if final is not None else None,
        in_improvement_programme=(in_programme == 1) if in_programme is not None else None,
        rank=by_metric[ADJUSTED].rank,
    )


def _catalogue(rows: Iterable[NofRow]) -> dict[str, MetricInfo]:
    catalogue: dict[str, MetricInfo] = {}
    for row in rows:
        if row.metric_id not in catalogue:
            catalogue[row.metric_id] = MetricInfo(
                row.metric_id, row.description.strip(), row.domain, row.sub_domain, row.units
            )
    return catalogue
