"""Which metric scores count, their average (step 2 of NOF 2025/26), and the worst of them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from operator import itemgetter

from oversight_bot.domain.frameworks import FrameworkVersion

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")
_SCORE = itemgetter(1)
# Room for any sum of scores without rounding; the quotient is then exact wherever it matters
# (a mean of exactly x.xx5 has a terminating expansion and is represented exactly).
EXACT = Context(prec=40)


def counted_scores(scores: Mapping[str, Decimal], framework: FrameworkVersion) -> Mapping[str, Decimal]:
    """The scores that enter the average: non-zero (0 means not scored), and not those folded
    into the combined finance score (reference/nof.md §3.3)."""
    excluded = framework.excluded_from_average
    if excluded.isdisjoint(scores) and (not scores or min(scores.values()) > ZERO):
        return scores  # all of them count: no copy
    return {m: s for m, s in scores.items() if s > ZERO and m not in excluded}


def average_metric_score(scores: Mapping[str, Decimal], framework: FrameworkVersion) -> Decimal | None:
    """Mean of the counted scores, infection metrics weighted one third each; 2 dp, half up."""
    return average_of(counted_scores(scores, framework), framework)


def average_of(counted: Mapping[str, Decimal], framework: FrameworkVersion) -> Decimal | None:
    """The weighted mean of scores already counted, rounded half up to 2 dp.

    Weights are scaled to whole numbers (3 for thirds), so the sum is exact in decimal, and a
    mean of exactly x.xx5 rounds up as NHS England's worked example does, never by float accident.
    """
    if not counted:
        return None
    weights, default = framework.scaled_weights, framework.weight_scale
    if weights.keys().isdisjoint(counted):  # the usual case: every metric counts once
        total, weight = sum(counted.values(), ZERO), len(counted)
    else:
        total, weight = ZERO, 0
        for metric, score in counted.items():
            w = weights.get(metric, default)
            total += score * w
            weight += w
    return EXACT.divide(total, weight).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def worst_of(counted: Mapping[str, Decimal], count: int = 3) -> list[tuple[str, Decimal]]:
    """The highest (worst) of scores already counted, worst first; ties in metric-id order."""
    # Sort by id, then stably by score descending: two C-level sorts, no Python key per item.
    return sorted(sorted(counted.items()), key=_SCORE, reverse=True)[:count]


def worst_scores(
    scores: Mapping[str, Decimal], framework: FrameworkVersion, count: int = 3
) -> list[tuple[str, Decimal]]:
    """The highest (worst) counted scores, worst first; ties in metric-id order."""
    return worst_of(counted_scores(scores, framework), count)
