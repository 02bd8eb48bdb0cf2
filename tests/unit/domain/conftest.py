"""Framework versions built in code, so that rules-core tests touch no file."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from oversight_bot.domain.frameworks import FrameworkVersion, Method
from oversight_bot.domain.quarters import Quarter

INFECTION = ("OF1020", "OF1048", "OF1088")


def nof2025() -> FrameworkVersion:
    return FrameworkVersion(
        code="NOF2025",
        name="NHS Oversight Framework 2025/26",
        method=Method.QUARTILES,
        first_quarter=Quarter(2025, 1),
        last_quarter=Quarter(2025, 4),
        highest_segment=5,
        excluded_from_average=frozenset({"OF1079", "OF1081"}),
        weights={metric: Fraction(1, 3) for metric in INFECTION},
        financial_override_floor=3,
        improvement_programme_segment=5,
    )


def nof2026(thresholds: tuple[str, str, str] | None = ("2.05", "2.35", "2.70")) -> FrameworkVersion:
    return FrameworkVersion(
        code="NOF2026",
        name="NHS Oversight Framework 2026/27",
        method=Method.THRESHOLDS,
        first_quarter=Quarter(2026, 1),
        excluded_from_average=frozenset({"OF1079", "OF1081"}),
        financial_override_floor=3,
        thresholds=tuple(Decimal(t) for t in thresholds) if thresholds else None,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def framework() -> FrameworkVersion:
    return nof2025()
