"""Step 1 of NOF 2025/26: score each metric from 1.00 (best) to 4.00 (worst).

NHS England's methodology manual (reference/nof.md §3.2): with an operating standard, providers
meeting it score 1.00 and the rest are spread from 2.00 to 4.00; with a floor, providers failing
it score 4.00 and the rest are spread from 1.00 to 3.00; otherwise the best scores 1.00 and the
worst 4.00. Scores are spread evenly by rank, tied providers all take the best score of their
cluster, and scores are rounded to 2 dp. NHS England publishes the scores it used (OF1xxx), and
the bot prefers those; this step serves metrics that arrive without a published score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HUNDREDTH = Decimal("0.01")


class ScoringModel(StrEnum):
    RANKED = "ranked"
    STANDARD = "standard"
    FLOOR = "floor"


@dataclass(frozen=True, slots=True)
class ScoringRule:
    model: ScoringModel = ScoringModel.RANKED
    higher_is_better: bool = True
    # The standard to meet, or the floor to stay above; unused by the ranked model.
    threshold: Decimal | None = None

    def __post_init__(self) -> None:
        if self.model is not ScoringModel.RANKED and self.threshold is None:
            raise ValueError(f"the {self.model} model needs a threshold")

    def is_better(self, a: Decimal, b: Decimal) -> bool:
        return a > b if self.higher_is_better else a < b

    def passes(self, value: Decimal) -> bool:
        """Meets the standard, or is not below the floor."""
        assert self.threshold is not None
        return value == self.threshold or self.is_better(value, self.threshold)


def round_score(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def score_metric(values: Mapping[str, Decimal], rule: ScoringRule) -> dict[str, Decimal]:
    """Score every provider that has a value; providers without one are simply absent (score 0)."""
    if rule.model is ScoringModel.RANKED:
        return _spread(values, rule, best=Decimal(1), worst=Decimal(4))
    passing = {org: v for org, v in values.items() if rule.passes(v)}
    failing = {org: v for org, v in values.items() if org not in passing}
    if rule.model is ScoringModel.STANDARD:
        met = dict.fromkeys(passing, Decimal("1.00"))
        return met | _spread(failing, rule, best=Decimal(2), worst=Decimal(4))
    failed = dict.fromkeys(failing, Decimal("4.00"))
    return failed | _spread(passing, rule, best=Decimal(1), worst=Decimal(3))


def _spread(values: Mapping[str, Decimal], rule: ScoringRule, best: Decimal, worst: Decimal) -> dict[str, Decimal]:
    """Spread scores evenly by competition rank, so that ties share the best score of the cluster."""
    if not values:
        return {}
    ordered = sorted(values.values(), key=lambda v: -v if rule.higher_is_better else v)
    first_rank: dict[Decimal, int] = {}
    for position, value in enumerate(ordered):
        first_rank.setdefault(value, position)
    span = len(ordered) - 1
    if span == 0:
        return dict.fromkeys(values, round_score(best))
    step = (worst - best) / span
    return {org: round_score(best + step * first_rank[v]) for org, v in values.items()}
