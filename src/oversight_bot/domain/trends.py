"""Change in a trust's average metric score between quarters, and whether NHS England would call
it significant.

NHS England reports "significant" changes in average metric score (8 of the 38 segment moves from
Q1 to Q2 2025/26) without publishing its test; its league tables give a likely range beside each
average (reference/nof.md §3.3 and §5). The bot reads a change as significant when the two
quarters' likely ranges do not overlap, and judges nothing where either range is not held: no
threshold of its own is invented (docs/positions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

Range = tuple[Decimal, Decimal]


class Significance(StrEnum):
    SIGNIFICANT = "significant"  # the likely ranges do not overlap
    WITHIN_RANGE = "within the likely ranges"  # they overlap: not a significant change
    NOT_JUDGED = "not judged"  # a likely range is not held for one of the quarters


@dataclass(frozen=True, slots=True)
class ScoreChange:
    change: Decimal  # later average minus earlier (a fall is an improvement: 1 is best)
    significance: Significance


def score_change(
    earlier: Decimal | None, later: Decimal | None, earlier_range: Range | None, later_range: Range | None
) -> ScoreChange | None:
    """The change from one quarter's average to the next held; None when either average is not held."""
    if earlier is None or later is None:
        return None
    return ScoreChange(later - earlier, significance(earlier_range, later_range))


def significance(earlier: Range | None, later: Range | None) -> Significance:
    if earlier is None or later is None:
        return Significance.NOT_JUDGED
    apart = later[0] > earlier[1] or later[1] < earlier[0]
    return Significance.SIGNIFICANT if apart else Significance.WITHIN_RANGE
