"""Published metric data: values (OF0xxx), scores (OF1xxx) and domain results (OF4xxx)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oversight_bot.domain.quarters import Quarter


@dataclass(frozen=True, slots=True)
class MetricInfo:
    metric_id: str
    description: str
    domain: str
    sub_domain: str
    units: str


@dataclass(frozen=True, slots=True)
class MetricValue:
    ods_code: str
    quarter: Quarter
    metric_id: str
    value: Decimal
    reporting_date: str
    median: Decimal | None = None
    lower_quartile: Decimal | None = None
    upper_quartile: Decimal | None = None
    rank: int | None = None
    units: str = ""  # as shown: "%", "rate", "count" (a metric may come as a rate and as a count)


@dataclass(frozen=True, slots=True)
class MetricScore:
    ods_code: str
    quarter: Quarter
    metric_id: str
    score: Decimal
    reporting_date: str
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class DomainResult:
    ods_code: str
    quarter: Quarter
    domain: str
    score: Decimal | None
    segment: int | None


def value_id_for(score_id: str) -> str:
    """OF1005 scores the value OF0005: NHS England numbers a metric's score 1000 above its value."""
    return "OF0" + score_id[3:]
