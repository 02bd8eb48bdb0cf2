"""Framework versions as data: which method derives a segment, and the numbers each method needs.

The values live in `seeds/frameworks.toml`; this module only says what shape they have. Nothing
here is an NHS fact by itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from oversight_bot.domain.quarters import Quarter


class Method(StrEnum):
    QUARTILES = "quartiles"  # NOF 2025/26: quartiles of the quarter's pooled average scores
    THRESHOLDS = "thresholds"  # NOF 2026/27: fixed thresholds
    DECISION = "decision"  # SOF 2016 to NOF 2022: segments were decisions, imported as such


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    score_id: str
    segment_id: str


@dataclass(frozen=True, slots=True)
class FrameworkVersion:
    code: str
    name: str
    method: Method
    first_quarter: Quarter
    last_quarter: Quarter | None = None
    highest_segment: int = 4
    # Scores that reach the average only through another score (the combined finance score).
    excluded_from_average: frozenset[str] = frozenset()
    # Scores that count for less than one metric (each infection metric counts one third).
    weights: Mapping[str, Fraction] = field(default_factory=dict)
    # Segment a provider in financial deficit is held at, at best; None when there is no override.
    financial_override_floor: int | None = None
    # Segment that membership of the improvement programme puts a provider in; None when none.
    improvement_programme_segment: int | None = None
    # THRESHOLDS method: the highest average in segment 1, 2 and 3 (upper bounds, inclusive).
    thresholds: tuple[Decimal, Decimal, Decimal] | None = None
    thresholds_note: str = ""
    domains: tuple[Domain, ...] = ()
    source: str = ""

    def covers(self, quarter: Quarter) -> bool:
        after_start = quarter >= self.first_quarter
        return after_start and (self.last_quarter is None or quarter <= self.last_quarter)

    # Weights times the smallest number that makes them all whole (3 for one-third weights), so
    # that averages are summed exactly; a metric with no weight of its own weighs `weight_scale`.
    scaled_weights: dict[str, int] = field(init=False, repr=False, compare=False)
    weight_scale: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scale = math.lcm(1, *(w.denominator for w in self.weights.values()))
        object.__setattr__(self, "weight_scale", scale)
        object.__setattr__(self, "scaled_weights", {m: int(w * scale) for m, w in self.weights.items()})

    def weight(self, metric_id: str) -> Fraction:
        return self.weights.get(metric_id, Fraction(1))


@dataclass(frozen=True, slots=True)
class FrameworkCatalogue:
    versions: tuple[FrameworkVersion, ...]

    def for_quarter(self, quarter: Quarter) -> FrameworkVersion | None:
        return next((v for v in self.versions if v.covers(quarter)), None)

    def by_code(self, code: str) -> FrameworkVersion | None:
        return next((v for v in self.versions if v.code == code), None)
