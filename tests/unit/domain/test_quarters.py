from __future__ import annotations

import pytest

from oversight_bot.domain.quarters import Quarter


def test_parses_nhs_england_labels_and_prints_them_back() -> None:
    quarter = Quarter.parse("Q3 2025/26")
    assert quarter == Quarter(2025, 3)
    assert quarter.label == "Q3 2025/26"
    assert Quarter.parse(" q1 2099/00 ").label == "Q1 2099/00"


@pytest.mark.parametrize("label", ["Q5 2025/26", "Q1 2025/27", "2025/26 Q1", "Q1 2025-26", ""])
def test_rejects_what_is_not_a_quarter(label: str) -> None:
    with pytest.raises(ValueError):
        Quarter.parse(label)


def test_quarters_step_across_financial_years_and_sort_chronologically() -> None:
    assert Quarter(2025, 1).previous() == Quarter(2024, 4)
    assert Quarter(2024, 4).next() == Quarter(2025, 1)
    assert sorted([Quarter(2026, 1), Quarter(2025, 4), Quarter(2025, 2)]) == [
        Quarter(2025, 2),
        Quarter(2025, 4),
        Quarter(2026, 1),
    ]
