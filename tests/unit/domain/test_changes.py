"""Events between consecutive quarters: what moved, and why it matters to a channel."""

from __future__ import annotations

from decimal import Decimal

from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.changes import detect_changes
from oversight_bot.domain.quarters import Quarter

Q1, Q2, Q3 = Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)


def assessed(
    quarter: Quarter, segment: int, unadjusted: int | None = None, override: bool = False, framework: str = "NOF2025"
) -> Assessment:
    adjusted = min(segment, 4)
    return Assessment(
        "RWR",
        quarter,
        framework,
        Basis.PUBLISHED,
        segment=segment,
        adjusted_segment=adjusted,
        unadjusted_segment=unadjusted if unadjusted is not None else adjusted,
        financial_override=override,
        in_improvement_programme=segment == 5,
        average_score=Decimal("2.10"),
    )


def kinds(previous: Assessment | None, current: Assessment) -> list[str]:
    return [event.kind for event in detect_changes(previous, current)]


def test_an_unchanged_segment_raises_nothing() -> None:
    assert kinds(assessed(Q1, 2), assessed(Q2, 2)) == []


def test_a_move_caused_by_the_override_says_so() -> None:
    events = detect_changes(assessed(Q1, 2), assessed(Q2, 3, unadjusted=2, override=True))
    assert [e.kind for e in events] == ["segment_changed", "financial_override_applied"]
    assert (events[0].previous_segment, events[0].segment, events[0].worsened) == (2, 3, True)


def test_the_override_lifting_is_news_even_without_a_move() -> None:
    assert kinds(assessed(Q1, 3, unadjusted=2, override=True), assessed(Q2, 3)) == ["financial_override_removed"]


def test_a_flag_on_a_provider_already_in_three_is_no_override_event() -> None:
    assert kinds(assessed(Q1, 3), assessed(Q2, 3, unadjusted=3, override=True)) == []


def test_entering_and_leaving_segment_five() -> None:
    assert kinds(assessed(Q1, 4), assessed(Q2, 5)) == ["segment_changed", "entered_segment_5"]
    assert kinds(assessed(Q1, 5), assessed(Q2, 4)) == ["segment_changed", "left_segment_5"]


def test_nothing_is_compared_across_a_gap_a_framework_change_or_a_first_quarter() -> None:
    assert kinds(assessed(Q1, 2), assessed(Q3, 4)) == []
    assert kinds(assessed(Q1, 2, framework="NOF2022"), assessed(Q2, 4)) == []
    assert kinds(None, assessed(Q2, 4)) == []
