"""Rounding of metric scores and averages: 2 dp, half up, as NHS England's worked example rounds.

Step 1 of NOF 2025/26, scoring each metric from 1.00 to 4.00 against a standard, a floor or by rank,
is NHS England's: its files publish the scores it used (OF1xxx), and the bot takes them as given.
It does not score raw values itself, because the standards and floors of each metric are not
published in any file here (docs/rules.md).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def round_score(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
