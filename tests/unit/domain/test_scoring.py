"""Step 1: metric scores 1.00-4.00 by standard, floor or rank (reference/nof.md §3.2)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oversight_bot.domain.scoring import ScoringModel, ScoringRule, score_metric

D = Decimal


def test_ranked_metric_spreads_best_to_worst_evenly() -> None:
    values = {"A": D("90"), "B": D("80"), "C": D("70"), "D": D("60")}
    assert score_metric(values, ScoringRule()) == {"A": D("1.00"), "B": D("2.00"), "C": D("3.00"), "D": D("4.00")}


def test_lower_is_better_reverses_the_order() -> None:
    values = {"A": D("1.5"), "B": D("9.0"), "C": D("3.0")}
    scores = score_metric(values, ScoringRule(higher_is_better=False))
    assert scores == {"A": D("1.00"), "C": D("2.50"), "B": D("4.00")}


def test_tied_providers_take_the_best_score_of_their_cluster() -> None:
    # The manual's example: a cluster that would score 2.50-2.80 is all scored 2.50.
    values = {"A": D("10"), "B": D("8"), "C": D("8"), "D": D("8"), "E": D("1")}
    scores = score_metric(values, ScoringRule())
    assert scores["B"] == scores["C"] == scores["D"] == D("1.75")
    assert scores["E"] == D("4.00")


def test_with_a_standard_those_meeting_it_score_one_and_the_rest_spread_from_two() -> None:
    rule = ScoringRule(ScoringModel.STANDARD, higher_is_better=True, threshold=D("92"))
    values = {"meets": D("95"), "exactly": D("92"), "near": D("91"), "mid": D("80"), "far": D("50")}
    scores = score_metric(values, rule)
    assert scores == {"meets": D("1.00"), "exactly": D("1.00"), "near": D("2.00"), "mid": D("3.00"), "far": D("4.00")}


def test_with_a_floor_those_failing_it_score_four_and_the_rest_spread_to_three() -> None:
    rule = ScoringRule(ScoringModel.FLOOR, higher_is_better=False, threshold=D("10"))
    values = {"best": D("1"), "ok": D("5"), "edge": D("10"), "failed": D("12")}
    scores = score_metric(values, rule)
    assert scores == {"best": D("1.00"), "ok": D("2.00"), "edge": D("3.00"), "failed": D("4.00")}


def test_a_single_provider_scores_best() -> None:
    assert score_metric({"A": D("3")}, ScoringRule()) == {"A": D("1.00")}
    assert score_metric({}, ScoringRule()) == {}


values_strategy = st.dictionaries(
    st.text(alphabet="ABCDEFGHJK", min_size=3, max_size=3),
    st.decimals(min_value=-100, max_value=100, places=1, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=40,
)


@given(values_strategy, st.booleans())
def test_scores_stay_in_range_in_two_decimals_and_follow_performance(values: dict[str, Decimal], higher: bool) -> None:
    rule = ScoringRule(higher_is_better=higher)
    scores = score_metric(values, rule)
    assert set(scores) == set(values)
    assert all(D(1) <= s <= D(4) and s == s.quantize(D("0.01")) for s in scores.values())
    for a in values:
        for b in values:
            if rule.is_better(values[a], values[b]):
                assert scores[a] <= scores[b]
            if values[a] == values[b]:
                assert scores[a] == scores[b]
    best = min(values.values()) if not higher else max(values.values())
    assert all(scores[org] == D("1.00") for org, v in values.items() if v == best)
