"""Steps 2 to 6 of NOF 2025/26: average score, segment, financial override, segment 5, league rank.

Each step is a small pure function (reference/nof.md §3.3-§3.8 and §8); `assess_quarter` runs
them in order for every provider of a quarter and records the reasons for each result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.explain import explain
from oversight_bot.domain.frameworks import FrameworkVersion, Method
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.scores import average_metric_score
from oversight_bot.domain.scoring import round_score


@dataclass(frozen=True, slots=True)
class ProviderInputs:
    """What one provider brings to a quarter's segmentation."""

    ods_code: str
    trust_type: TrustType | None
    scores: Mapping[str, Decimal]
    financial_override: bool = False
    in_improvement_programme: bool = False
    # NHS England's average, computed from unrounded scores; when present it places the provider.
    published_average: Decimal | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class CutPoints:
    """Averages below `first` are segment 1, below `second` 2, below `third` 3, the rest 4."""

    first: Decimal
    second: Decimal
    third: Decimal

    def __post_init__(self) -> None:
        if not self.first <= self.second <= self.third:
            raise ValueError("cut-points must rise: first <= second <= third")

    def segment_for(self, average: Decimal) -> int:
        """A value exactly on a cut-point goes to the worse segment (R0A at 2.36 in Q3, nof.md §3.3)."""
        return 1 + sum(average >= cut for cut in (self.first, self.second, self.third))

    def __str__(self) -> str:
        return f"{self.first}, {self.second}, {self.third}"


def quartile_cut_points(averages: Iterable[Decimal]) -> CutPoints | None:
    """P25, P50 and P75 of the pooled averages (linear interpolation, as Excel's QUARTILE.INC)."""
    pool = sorted(averages)
    if not pool:
        return None
    return CutPoints(*(round_score(_percentile(pool, q)) for q in (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))))


def _percentile(pool: Sequence[Decimal], q: Decimal) -> Decimal:
    position = q * (len(pool) - 1)
    below = int(position)
    fraction = position - below
    if below + 1 >= len(pool):
        return pool[below]
    return pool[below] + (pool[below + 1] - pool[below]) * fraction


def threshold_cut_points(framework: FrameworkVersion) -> CutPoints:
    """NOF 2026/27: fixed upper bounds for segments 1-3 (inclusive), from configuration."""
    if framework.thresholds is None:
        raise ValueError(f"{framework.name}: segment thresholds are not configured")
    upper_1, upper_2, upper_3 = framework.thresholds
    step = Decimal("0.01")
    return CutPoints(upper_1 + step, upper_2 + step, upper_3 + step)


def apply_financial_override(segment: int, in_deficit: bool, framework: FrameworkVersion) -> int:
    """A provider in deficit or receiving deficit support is held at segment 3 at best (nof.md §3.4)."""
    floor = framework.financial_override_floor
    if not in_deficit or floor is None:
        return segment
    return max(segment, floor)


def final_segment(adjusted: int, in_programme: bool, framework: FrameworkVersion) -> int:
    """Providers in the Provider Improvement Programme (formerly RSP) are in segment 5 (nof.md §3.5)."""
    programme_segment = framework.improvement_programme_segment
    return programme_segment if in_programme and programme_segment is not None else adjusted


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    peer_count: int


def league_ranks(entries: Mapping[str, tuple[TrustType | None, int, Decimal]]) -> dict[str, Standing]:
    """Competition rank ("1224") within each trust type by (adjusted segment, average) (nof.md §3.8).

    `entries` maps a provider to (peer table, adjusted segment, average). Providers with no peer
    table are not ranked.
    """
    tables: dict[TrustType, list[tuple[int, Decimal, str]]] = {}
    for org, (table, segment, average) in entries.items():
        if table is not None:
            tables.setdefault(table, []).append((segment, average, org))
    standings: dict[str, Standing] = {}
    for members in tables.values():
        members.sort()
        for position, (segment, average, org) in enumerate(members):
            tied_before = position
            while tied_before > 0 and members[tied_before - 1][:2] == (segment, average):
                tied_before -= 1
            standings[org] = Standing(tied_before + 1, len(members))
    return standings


def assess_quarter(
    quarter: Quarter,
    providers: Sequence[ProviderInputs],
    framework: FrameworkVersion,
    cut_points: CutPoints | None = None,
) -> list[Assessment]:
    """Derive every provider's segment for the quarter, with reasons.

    Cut-points come from the caller when known; otherwise from the framework's method (quartiles of
    this quarter's averages, or configured thresholds). Providers with no counted score get no
    assessment: NHS England does not segment them either.
    """
    averages = _placing_averages(providers, framework)
    cuts = cut_points or _cut_points_for(framework, averages.values())
    placed = {p.ods_code: p for p in providers if p.ods_code in averages}
    unadjusted = {org: cuts.segment_for(avg) for org, avg in averages.items()}
    adjusted = {
        org: apply_financial_override(unadjusted[org], placed[org].financial_override, framework) for org in placed
    }
    ranks = league_ranks({org: (placed[org].trust_type, adjusted[org], averages[org]) for org in placed})
    return [
        _assessment(
            quarter,
            framework,
            placed[org],
            averages[org],
            cuts,
            unadjusted[org],
            adjusted[org],
            ranks.get(org),
        )
        for org in placed
    ]


def _placing_averages(providers: Sequence[ProviderInputs], framework: FrameworkVersion) -> dict[str, Decimal]:
    averages = {}
    for provider in providers:
        average = provider.published_average
        if average is None:
            average = average_metric_score(provider.scores, framework)
        if average is not None:
            averages[provider.ods_code] = average
    return averages


def _cut_points_for(framework: FrameworkVersion, averages: Iterable[Decimal]) -> CutPoints:
    if framework.method is Method.THRESHOLDS:
        return threshold_cut_points(framework)
    if framework.method is Method.DECISION:
        raise ValueError(f"{framework.name} segments are decisions, imported rather than derived")
    cuts = quartile_cut_points(averages)
    if cuts is None:
        raise ValueError("no provider has a score, so there are no quartiles")
    return cuts


def _assessment(
    quarter: Quarter,
    framework: FrameworkVersion,
    provider: ProviderInputs,
    average: Decimal,
    cuts: CutPoints,
    unadjusted: int,
    adjusted: int,
    standing: Standing | None,
) -> Assessment:
    assessment = Assessment(
        ods_code=provider.ods_code,
        quarter=quarter,
        framework=framework.code,
        basis=Basis.DERIVED,
        segment=final_segment(adjusted, provider.in_improvement_programme, framework),
        adjusted_segment=adjusted,
        unadjusted_segment=unadjusted,
        financial_override=provider.financial_override,
        in_improvement_programme=provider.in_improvement_programme,
        average_score=average,
        rank=standing.rank if standing else None,
        peer_count=standing.peer_count if standing else None,
        peer_table=provider.trust_type,
        region=provider.region,
    )
    return replace(assessment, reasons=explain(assessment, provider.scores, framework, cuts))
