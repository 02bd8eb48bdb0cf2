"""NHS England's NOF metric files (long format, one metric of one trust-quarter per row).

NHS England has published them in two layouts, recognised from the header (docs/data.md):

- the first release (September 2025): no `Quarter` column (the quarter is written in
  `Reporting_date` on the OF4xxx and OF5xxx rows), "North East" for North East and Yorkshire,
  "percent" for "%", metrics with a rate row and a count row;
- the cumulative layout: a `Quarter` column, each quarter's file repeating the year's earlier ones.

Both come as UTF-8 with a BOM and CRLF line ends; `Reporting_date` comes in mixed formats and is
kept as written. Metric IDs by family: OF0xxx values, OF1xxx scores, OF40xx domain scores and
OF41xx domain segments, OF5xxx results. Every variant is mapped explicitly here, and anything not
recognised is refused with its line and column.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.ingest.csvfile import Problems, header_of, read_text, rows_with_header, validate_rows
from oversight_bot.services.releases import NofProvider, NofRelease, PublishedSummary, SourceFile


class Layout(StrEnum):
    CUMULATIVE = "NHS England's cumulative layout (with a Quarter column)"
    FIRST_RELEASE = "NHS England's first-release layout (no Quarter column)"


FIRST_RELEASE_COLUMNS = (
    "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Domain", "Sub-domain",
    "Metric_ID", "Metric_description", "Reporting_date", "Units", "Value", "Median_value", "Lower_quartile",
    "Upper_quartile", "Rank",
)  # fmt: skip
COLUMNS = ("Quarter", *FIRST_RELEASE_COLUMNS)

# Region names as NHS England's files have written them, to the names its later files use.
REGIONS = {
    "London": "London",
    "South East": "South East",
    "South West": "South West",
    "East": "East",
    "East of England": "East",  # ODS's name for it
    "Midlands": "Midlands",
    "North West": "North West",
    "North East and Yorkshire": "North East and Yorkshire",
    "North East": "North East and Yorkshire",  # first release
}
# Units as written, to the form shown; anything else is refused rather than guessed at.
UNITS = {
    "%": "%",
    "percent": "%",  # first release
    "percentage points": "percentage points",
    "out of 10": "out of 10",
    "score": "score",
    "segment": "segment",
    "flag": "flag",
    "rate": "rate",
    "count": "count",
    "days": "days",
    "mins": "mins",
}

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
    FINAL: "final segment",
    IN_PROGRAMME: "improvement programme flag",
}
# In the first-release layout these rows carry the quarter in Reporting_date (OF5005 and OF5007
# carry none); raw metrics carry their own reporting periods, which may be other quarters.
_QUARTER_BEARING = re.compile(r"^OF(4\d{3}|500[0-4])$")


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


def _one_of(known: dict[str, str], what: str) -> BeforeValidator:
    def mapped(text: object) -> object:
        if not isinstance(text, str):
            return text
        written = text.strip()
        if written not in known:
            names = ", ".join(sorted(set(known.values())))
            raise ValueError(f"{written!r} is not a {what} NHS England's files use ({names})")
        return known[written]

    return BeforeValidator(mapped)


OptionalNumber = Annotated[Decimal | None, BeforeValidator(_number)]
OptionalWhole = Annotated[int | None, BeforeValidator(_whole)]
Text = Annotated[str, BeforeValidator(lambda s: s.strip() if isinstance(s, str) else s)]


class NofRow(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=False)

    quarter: Quarter | None = Field(default=None, alias="Quarter")  # from Reporting_date in the first release
    region: Annotated[str, _one_of(REGIONS, "region")] = Field(alias="Region")
    trust_type: TrustType = Field(alias="Trust_type")
    trust_subtype: Text = Field(alias="Trust_subtype", max_length=60)
    trust_code: Text = Field(alias="Trust_code", pattern=r"^[A-Z0-9]{3,5}$")
    trust_name: Text = Field(alias="Trust_name", min_length=1, max_length=200)
    domain: Text = Field(alias="Domain", min_length=1, max_length=100)
    sub_domain: Text = Field(alias="Sub-domain", max_length=150)
    metric_id: Text = Field(alias="Metric_ID", pattern=r"^OF[0-5]\d{3}$")
    description: Text = Field(alias="Metric_description", max_length=400)
    reporting_date: Text = Field(alias="Reporting_date", max_length=80)
    units: Annotated[str, _one_of(UNITS, "unit")] = Field(alias="Units")
    value: OptionalNumber = Field(alias="Value")
    median: OptionalNumber = Field(alias="Median_value")
    lower_quartile: OptionalNumber = Field(alias="Lower_quartile")
    upper_quartile: OptionalNumber = Field(alias="Upper_quartile")
    rank: OptionalWhole = Field(alias="Rank", ge=1)

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, text: object) -> object:
        if isinstance(text, str):
            if not text.strip():
                raise ValueError("a quarter like 'Q1 2025/26' is required in this layout")
            return Quarter.parse(text)
        return text

    @field_validator("value")
    @classmethod
    def _value_fits_family(cls, value: Decimal | None, info: object) -> Decimal | None:
        metric_id = getattr(info, "data", {}).get("metric_id", "")
        if value is None:
            raise ValueError("a value is required")
        check_family_value(metric_id, value)
        return value

    @property
    def in_quarter(self) -> Quarter:
        assert self.quarter is not None  # set for every row once the layout's quarter is known
        return self.quarter


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


Located = tuple[int, NofRow]


def read_nof_file(path: Path) -> NofRelease:
    """Validate the whole file, then build the release; any problem rejects the whole file."""
    text = read_text(path)
    layout = _layout(text.source, header_of(text))
    columns = COLUMNS if layout is Layout.CUMULATIVE else FIRST_RELEASE_COLUMNS
    problems = Problems(text.source)
    rows = validate_rows(NofRow, rows_with_header(text, columns, layout=layout.value), problems)
    # A bad row would make its provider look incomplete too; report the row, not the echo.
    problems.raise_if_any()
    if layout is Layout.FIRST_RELEASE:
        rows = _with_quarter(rows, _first_release_quarter(rows, problems))
        problems.raise_if_any()
    groups = _group_by_provider_quarter(rows, problems)
    providers = [p for p in (_provider(located, problems) for located in groups.values()) if p is not None]
    _check_summaries_complete(providers, groups, problems)
    problems.raise_if_any()
    metrics = _catalogue(row for _, row in rows)
    source = SourceFile(text.source, text.sha256, len(rows))
    return NofRelease(source, tuple(metrics.values()), tuple(providers), layout.value)


def _layout(source: str, header: list[str]) -> Layout:
    if "Quarter" in header:
        return Layout.CUMULATIVE
    if header and re.fullmatch(r"[A-Z0-9]{3,5}", header[0]) and "Metric_ID" not in header:
        message = (
            f"the first line starts {header[0]!r} where NHS England's metric file has column names: "
            "is this ODS's trust file (`oversight import ods`)?"
        )
        raise ImportFileError(source, [FileProblem(1, message)])
    return Layout.FIRST_RELEASE


def _first_release_quarter(rows: list[Located], problems: Problems) -> Quarter | None:
    """The one quarter a first-release file holds, from the Reporting_date of its OF4xxx/OF5xxx rows."""
    first_line: dict[Quarter, int] = {}
    for line, row in rows:
        bearing = _QUARTER_BEARING.match(row.metric_id) is not None
        if not row.metric_id.startswith(("OF4", "OF5")) or (not bearing and not row.reporting_date):
            continue
        try:
            quarter = Quarter.parse(row.reporting_date)
        except ValueError:
            problems.add(
                line,
                f"column Reporting_date: a {row.metric_id} row gives the quarter here in a file without a "
                f"Quarter column, like 'Q1 2025/26'; got {row.reporting_date!r}",
            )
            continue
        if first_line and quarter not in first_line:
            (other, other_line), *_ = first_line.items()
            problems.add(
                line,
                f"column Reporting_date: {quarter} here, but line {other_line} says {other}; a file without a "
                "Quarter column holds one quarter",
            )
        first_line.setdefault(quarter, line)
    if not first_line and not problems:
        problems.add(
            None, "no OF4xxx or OF5xxx row gives the quarter in Reporting_date, and there is no Quarter column"
        )
    return next(iter(first_line), None)


def _with_quarter(rows: list[Located], quarter: Quarter | None) -> list[Located]:
    if quarter is None:
        return rows
    return [(line, row.model_copy(update={"quarter": quarter})) for line, row in rows]


def _group_by_provider_quarter(rows: list[Located], problems: Problems) -> dict[tuple[Quarter, str], list[Located]]:
    """Rows per trust-quarter; a metric given twice is refused, except a value given once per unit
    (NHS England gives some infection metrics as a rate and as a count)."""
    groups: dict[tuple[Quarter, str], list[Located]] = defaultdict(list)
    first_seen: dict[tuple[Quarter, str, str, str], int] = {}
    for line, row in rows:
        units = row.units if row.metric_id.startswith("OF0") else ""
        key = (row.in_quarter, row.trust_code, row.metric_id, units)
        if key in first_seen:
            problems.add(line, f"{row.trust_code} {row.metric_id} {row.in_quarter} repeats line {first_seen[key]}")
            continue
        first_seen[key] = line
        groups[(row.in_quarter, row.trust_code)].append((line, row))
    return groups


def _provider(rows: list[Located], problems: Problems) -> NofProvider | None:
    first_line, first = rows[0]
    for line, row in rows[1:]:
        for name in ("trust_name", "trust_type", "region"):
            if getattr(row, name) != getattr(first, name):
                problems.add(
                    line,
                    f"{name} {getattr(row, name)!r} differs from line {first_line} for {first.trust_code}",
                )
    by_metric = {row.metric_id: (line, row) for line, row in rows if not row.metric_id.startswith("OF0")}
    missing = [m for m in REQUIRED_SUMMARY if m not in by_metric]
    if missing:
        names = ", ".join(f"{m} ({SUMMARY_NAMES[m]})" for m in missing)
        problems.add(
            first_line,
            f"{first.trust_code} {first.in_quarter} has no {names} row: is the file cut short or incomplete?",
        )
        return None
    summary = _summary(by_metric, problems)
    return NofProvider(
        ods_code=first.trust_code,
        quarter=first.in_quarter,
        name=first.trust_name,
        region=first.region,
        trust_type=first.trust_type,
        trust_subtype=first.trust_subtype,
        values=tuple(_value(row) for _, row in rows if row.metric_id.startswith("OF0")),
        scores=tuple(_score(row) for _, row in by_metric.values() if row.metric_id.startswith("OF1")),
        domain_results=_domain_results({m: row for m, (_, row) in by_metric.items()}),
        summary=summary,
    )


def _check_summaries_complete(
    providers: list[NofProvider], groups: dict[tuple[Quarter, str], list[Located]], problems: Problems
) -> None:
    """Catch a file cut at a row boundary: NHS England gives each summary row (OF5xxx) for every trust
    of a type in a quarter, or for none, and OF5005 and OF5007 together."""
    present: dict[tuple[Quarter, str], set[str]] = {}
    for (quarter, code), rows in groups.items():
        present[(quarter, code)] = {row.metric_id for _, row in rows if row.metric_id.startswith("OF5")}
    by_table: dict[tuple[Quarter, TrustType], list[NofProvider]] = defaultdict(list)
    for provider in providers:
        by_table[(provider.quarter, provider.trust_type)].append(provider)
    for (quarter, table), members in sorted(by_table.items()):
        counts = Counter(metric for p in members for metric in present[(quarter, p.ods_code)])
        for metric, count in sorted(counts.items()):
            if count < len(members):
                lacking = sorted(p.ods_code for p in members if metric not in present[(quarter, p.ods_code)])
                problems.add(
                    None,
                    f"{quarter}: {metric} ({SUMMARY_NAMES.get(metric, 'summary')}) is given for {count} of "
                    f"{len(members)} {table.plural}, not for {', '.join(lacking[:5])}"
                    f"{' ...' if len(lacking) > 5 else ''}: is the file cut short or incomplete?",
                )
        if (counts[FINAL] > 0) != (counts[IN_PROGRAMME] > 0):
            given, absent = (FINAL, IN_PROGRAMME) if counts[FINAL] else (IN_PROGRAMME, FINAL)
            problems.add(
                None,
                f"{quarter}: {given} ({SUMMARY_NAMES[given]}) is given without {absent} "
                f"({SUMMARY_NAMES[absent]}); NHS England publishes the two together: is the file cut short?",
            )


def _value(row: NofRow) -> MetricValue:
    assert row.value is not None
    return MetricValue(
        row.trust_code,
        row.in_quarter,
        row.metric_id,
        row.value,
        row.reporting_date,
        row.median,
        row.lower_quartile,
        row.upper_quartile,
        row.rank,
        row.units,
    )


def _score(row: NofRow) -> MetricScore:
    assert row.value is not None
    return MetricScore(row.trust_code, row.in_quarter, row.metric_id, row.value, row.reporting_date, row.rank)


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
        results.append(DomainResult(any_row.trust_code, any_row.in_quarter, name, score, segment))
    return tuple(results)


def _summary(by_metric: dict[str, Located], problems: Problems) -> PublishedSummary:
    def value(metric_id: str) -> Decimal | None:
        located = by_metric.get(metric_id)
        return located[1].value if located is not None else None

    final, flag = value(FINAL), value(IN_PROGRAMME)
    if final is not None and flag is not None and (final == 5) != (flag == 1):
        line = by_metric[IN_PROGRAMME][0]
        problems.add(line, f"OF5007 (improvement programme flag) is {flag} but OF5005 (final segment) is {final}")
    average = value(AVERAGE)
    assert average is not None
    return PublishedSummary(
        adjusted_segment=int(value(ADJUSTED) or 0),
        average_score=average,
        unadjusted_segment=int(value(UNADJUSTED) or 0),
        financial_override=value(OVERRIDE) == 1,
        final_segment=int(final) if final is not None else None,
        in_improvement_programme=_in_programme(final, flag),
        rank=by_metric[ADJUSTED][1].rank,
    )


def _in_programme(final: Decimal | None, flag: Decimal | None) -> bool | None:
    """OF5007 where published, else what OF5005 says; neither published: unknown."""
    if flag is not None:
        return flag == 1
    if final is not None:
        return final == 5
    return None


def _catalogue(rows: Iterable[NofRow]) -> dict[str, MetricInfo]:
    catalogue: dict[str, MetricInfo] = {}
    for row in rows:
        if row.metric_id not in catalogue:
            catalogue[row.metric_id] = MetricInfo(
                row.metric_id, row.description.strip(), row.domain, row.sub_domain, row.units
            )
    return catalogue
