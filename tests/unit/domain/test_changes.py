"""Events between two quarters held: what moved, and only from what both quarters published."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.changes import detect_changes
from oversight_bot.domain.quarters import Quarter

Q1, Q2, Q3, Q4 = Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3), Quarter(2025, 4)
UNPUBLISHED = "unpublished"


def assessed(
    quarter: Quarter,
    segment: int,
    unadjusted: int | None = None,
    override: bool | None = False,
    framework: str = "NOF2025",
    programme: bool | str | None = "from segment",
    adjusted: int | None = None,
) -> Assessment:
    """An NHS England result; `programme=None` for a quarter that did not publish segment 5."""
    adjusted = adjusted if adjusted is not None else min(segment, 4)
    in_programme = segment == 5 if programme == "from segment" else programme
    return Assessment(
        "RWR",
        quarter,
        framework,
        Basis.PUBLISHED,
        segment=segment,
        adjusted_segment=adjusted,
        unadjusted_segment=unadjusted if unadjusted is not None else adjusted,
        financial_override=override,
        in_improvement_programme=in_programme if isinstance(in_programme, bool) else None,
        average_score=Decimal("2.10"),
    )


def kinds(previous: Assessment | None, current: Assessment) -> list[str]:
    return [event.kind for event in detect_changes(previous, current)]


def test_an_unchanged_segment_raises_nothing() -> None:
    assert kinds(assessed(Q1, 2), assessed(Q2, 2)) == []


def test_a_move_with_the_deficit_flag_newly_set_says_both() -> None:
    events = detect_changes(assessed(Q1, 2), assessed(Q2, 3, unadjusted=2, override=True))
    assert [e.kind for e in events] == ["segment_changed", "deficit_flag_set"]
    assert (events[0].previous_segment, events[0].segment, events[0].worsened) == (2, 3, True)


def test_the_flag_cleared_is_news_and_is_called_what_it_is() -> None:
    assert kinds(assessed(Q1, 3, unadjusted=2, override=True), assessed(Q2, 3)) == ["deficit_flag_cleared"]


def test_no_override_removal_while_the_flag_is_still_set() -> None:
    """RY2 in Q3: its unadjusted segment rose to 3 while flagged, so the override no longer changed
    its segment; the flag was still set, so nothing was removed and nothing is announced."""
    before = assessed(Q2, 3, unadjusted=2, override=True)
    after = assessed(Q3, 3, unadjusted=3, override=True)
    assert kinds(before, after) == []


def test_a_flag_already_set_is_not_set_again() -> None:
    """RY2 in Q2: flagged in Q1 already, so no "applied" in Q2 whatever the segment did."""
    assert kinds(assessed(Q1, 3, unadjusted=3, override=True), assessed(Q2, 3, unadjusted=1, override=True)) == []


def test_entering_and_leaving_segment_five_where_both_quarters_published_it() -> None:
    assert kinds(assessed(Q1, 4), assessed(Q2, 5)) == ["segment_changed", "entered_segment_5"]
    assert kinds(assessed(Q1, 5), assessed(Q2, 4)) == ["segment_changed", "left_segment_5"]


def test_segment_five_no_longer_published_is_no_move_out_of_it() -> None:
    """RHA: segment 5 (underlying 4) in Q2; Q3 did not publish segment 5 and its segment is 4."""
    rha = kinds(assessed(Q2, 5, adjusted=4), assessed(Q3, 4, programme=None))
    assert rha == []


def test_a_move_beside_unpublished_segment_five_is_measured_below_it() -> None:
    """RW1: segment 5 (underlying 3) in Q2, segment 2 in Q3 with segment 5 unpublished: 3 to 2."""
    events = detect_changes(assessed(Q2, 5, adjusted=3), assessed(Q3, 2, programme=None))
    assert [(e.kind, e.previous_segment, e.segment) for e in events] == [("segment_changed", 3, 2)]
    assert events[0].segment_5_unpublished


def test_a_missed_release_compares_with_the_last_quarter_held() -> None:
    events = detect_changes(assessed(Q1, 2), assessed(Q3, 4))
    assert [(e.kind, e.previous_quarter) for e in events] == [("segment_changed", Q1)]


def test_nothing_is_compared_across_a_framework_change_backwards_or_from_nothing() -> None:
    assert kinds(assessed(Q1, 2, framework="NOF2022"), assessed(Q2, 4)) == []
    assert kinds(assessed(Q3, 2), assessed(Q2, 4)) == []
    assert kinds(None, assessed(Q2, 4)) == []


flags = st.none() | st.booleans()
segments = st.integers(1, 4)


@st.composite
def published(draw: st.DrawFn, quarter: Quarter) -> Assessment:
    adjusted = draw(st.none() | segments)
    programme = draw(flags)
    segment = 5 if programme else (adjusted if adjusted is not None else draw(segments))
    return Assessment(
        "RWR",
        quarter,
        "NOF2025",
        Basis.PUBLISHED,
        segment=segment,
        adjusted_segment=adjusted,
        financial_override=draw(flags),
        in_improvement_programme=programme,
    )


@given(published(Q2), published(Q3))
def test_no_event_arises_from_a_field_either_quarter_did_not_publish(previous: Assessment, current: Assessment) -> None:
    found = kinds(previous, current)
    if previous.financial_override is None or current.financial_override is None:
        assert not {"deficit_flag_set", "deficit_flag_cleared"} & set(found)
    if previous.in_improvement_programme is None or current.in_improvement_programme is None:
        assert not {"entered_segment_5", "left_segment_5"} & set(found)
        for event in detect_changes(previous, current):
            assert 5 not in (event.previous_segment, event.segment) or event.kind != "segment_changed"
    if previous.adjusted_segment is None and previous.segment == 5 and current.in_improvement_programme is None:
        assert "segment_changed" not in found
