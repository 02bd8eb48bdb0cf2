"""Steps 2 to 6 of NOF 2025/26: average score, segment, financial override, segment 5, league rank.

Each step is a small pure function (reference/nof.md §3.3-§3.8 and §8); `assess_quarter` runs
them in order for every provider of a quarter and records the reasons for each result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.explain import explain_counted
from oversight_bot.domain.frameworks import FrameworkVersion, Method
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.scores import average_of, counted_scores
from oversight_bot.domain.scoring import round_score


@dataclass(frozen=True, slots=True)
class ProviderInputs:
    """What one provider brings to a quarter's segmentation."""

    ods_code: str
    trust_type: TrustType | None
    scores: Mapping[str, Decimal]
    financial_override: bool | None = False
    in_improvement_programme: bool | None = False  # None: segment 5 not published this quarter
    # NHS England's average, computed from unrounded scores; when present it places the provider.
    published_average: Decimal | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class CutPoints:
    """Averages below `first` are segment 1, below `second` 2, below `third` 3, the rest 4."""

    first: Decimal
    second: Decimal
    third: Decimal
    origin: str = field(default="", compare=False)  # where they come from, as a reason says it

    def __post_init__(self) -> None:
        if not self.first <= self.second <= self.third:
            raise ValueError("cut-points must rise: first <= second <= third")

    def segment_for(self, average: Decimal) -> int:
        """A value exactly on a cut-point goes to the worse segment (R0A at 2.36 in Q3, nof.md §3.3)."""
        return 1 + sum(average >= cut for cut in (self.first, self.second, self.third))

    def __str__(self) -> str:
        where = f" ({self.origin})" if self.origin else ""
        return f"{self.first}, {self.second}, {self.third}{where}"


def quartile_cut_points(averages: Iterable[Decimal]) -> CutPoints | None:
    """P25, P50 and P75 of the pooled averages (linear interpolation, as Excel's QUARTILE.INC)."""
    pool = sorted(averages)
    if not pool:
        return None
    first, second, third = (
        round_score(_percentile(pool, q)) for q in (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))
    )
    return CutPoints(first, second, third, origin="quartiles of the averages held for the quarter")


def implied_cut_points(placings: Iterable[tuple[Decimal, int]]) -> CutPoints | None:
    """The cut-points NHS England's own placings imply: (average, unadjusted segment) pairs.

    NHS England's cut-points are quartiles pooled over every provider type nationally, so no one
    file yields them; but its placings bound them: each lies above the best segment's highest
    average and at the worse segment's lowest (a value on a cut-point goes to the worse segment).
    None when a segment is empty or the placings fit no single set (then nothing is implied).
    """
    by_segment: dict[int, list[Decimal]] = {1: [], 2: [], 3: [], 4: []}
    for average, segment in placings:
        if segment in by_segment:
            by_segment[segment].append(average)
    if not all(by_segment.values()):
        return None
    cuts = []
    for boundary in (1, 2, 3):
        highest_better = max(a for s, averages in by_segment.items() if s <= boundary for a in averages)
        lowest_worse = min(a for s, averages in by_segment.items() if s > boundary for a in averages)
        if highest_better >= lowest_worse:
            return None
        cuts.append(lowest_worse)
    return CutPoints(cuts[0], cuts[1], cuts[2], origin="implied by NHS England's placings for the quarter")


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
    return CutPoints(upper_1 + step, upper_2 + step, upper_3 + step, origin=f"{framework.name} thresholds")


def apply_financial_override(segment: int, in_deficit: bool | None, framework: FrameworkVersion) -> int:
    """A provider in deficit or receiving deficit support is held at segment 3 at best (nof.md §3.4)."""
    floor = framework.financial_override_floor
    if not in_deficit or floor is None:
        return segment
    return max(segment, floor)


def final_segment(adjusted: int, in_programme: bool | None, framework: FrameworkVersion) -> int:
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
        rank, previous = 0, None
        for position, (segment, average, org) in enumerate(members, start=1):
            if (segment, average) != previous:
                rank, previous = position, (segment, average)
            standings[org] = Standing(rank, len(members))
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
    placed = [p for p in (_place(provider, framework) for provider in providers) if p is not None]
    cuts = cut_points or _cut_points_for(framework, [p.average for p in placed])
    for p in placed:
        p.unadjusted = cuts.segment_for(p.average)
        p.adjusted = apply_financial_override(p.unadjusted, p.provider.financial_override, framework)
    ranks = league_ranks({p.provider.ods_code: (p.provider.trust_type, p.adjusted, p.average) for p in placed})
    return [_assessment(quarter, framework, p, cuts, ranks.get(p.provider.ods_code)) for p in placed]


@dataclass(slots=True)
class _Placed:
    """One provider on its way through the steps (only providers with an average get this far)."""

    provider: ProviderInputs
    counted: Mapping[str, Decimal]
    recomputed: Decimal | None
    average: Decimal
    unadjusted: int = 0
    adjusted: int = 0


def _place(provider: ProviderInputs, framework: FrameworkVersion) -> _Placed | None:
    counted = counted_scores(provider.scores, framework)
    recomputed = average_of(counted, framework)
    average = provider.published_average if provider.published_average is not None else recomputed
    return None if average is None else _Placed(provider, counted, recomputed, average)


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
    quarter: Quarter, framework: FrameworkVersion, placed: _Placed, cuts: CutPoints, standing: Standing | None
) -> Assessment:
    provider = placed.provider
    assessment = Assessment(
        provider.ods_code,
        quarter,
        framework.code,
        Basis.DERIVED,
        final_segment(placed.adjusted, provider.in_improvement_programme, framework),
        placed.adjusted,
        placed.unadjusted,
        provider.financial_override,
        provider.in_improvement_programme,
        placed.average,
        standing.rank if standing else None,
        standing.peer_count if standing else None,
        provider.trust_type,
        provider.region,
    )
    # The reasons read the finished assessment, so they are set just after it is built, as a frozen
    # dataclass's own __post_init__ would; dataclasses.replace would cost far more at 50,000 providers.
    has_segment_5 = framework.improvement_programme_segment is not None
    reasons = explain_counted(assessment, placed.counted, placed.recomputed, cuts, has_segment_5)
    object.__setattr__(assessment, "reasons", reasons)
    return assessment
