"""Which metric scores count, their average (step 2 of NOF 2025/26), and the worst of them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from oversight_bot.domain.frameworks import FrameworkVersion

ZERO = Decimal(0)


def counted_scores(scores: Mapping[str, Decimal], framework: FrameworkVersion) -> dict[str, Decimal]:
    """The scores that enter the average: non-zero (0 means not scored), and not those folded
    into the combined finance score (reference/nof.md §3.3)."""
    return {m: s for m, s in scores.items() if s > ZERO and m not in framework.excluded_from_average}


def average_metric_score(scores: Mapping[str, Decimal], framework: FrameworkVersion) -> Decimal | None:
    """Mean of the counted scores, infection metrics weighted one third each; 2 dp, half up.

    The sum is exact (whole hundredths times whole weights), so that a mean of exactly x.xx5
    rounds up as NHS England's worked example does, not by binary-float accident.
    """
    counted = counted_scores(scores, framework)
    if not counted:
        return None
    weight_of = framework.scaled_weight
    if all(100 % score.as_integer_ratio()[1] == 0 for score in counted.values()):
        total = sum(int(score * 100) * weight_of(m) for m, score in counted.items())
        mean = Fraction(total, 100 * sum(weight_of(m) for m in counted))
    else:
        total_f = sum((Fraction(score) * weight_of(m) for m, score in counted.items()), Fraction(0))
        mean = total_f / sum(weight_of(m) for m in counted)
    hundredths = (200 * mean.numerator + mean.denominator) // (2 * mean.denominator)
    return Decimal(hundredths).scaleb(-2)


def worst_scores(
    scores: Mapping[str, Decimal], framework: FrameworkVersion, count: int = 3
) -> list[tuple[str, Decimal]]:
    """The highest (worst) counted scores, worst first; ties in metric-id order."""
    counted = counted_scores(scores, framework)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:count]
