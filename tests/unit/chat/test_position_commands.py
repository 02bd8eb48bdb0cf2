"""The grammar of `metric`, `compare`, `trend` and past quarters, and the quarter a spec means."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oversight_bot.chat.commands import (
    CompareOrganisations,
    ExplainSegment,
    GetSegment,
    ShowHelp,
    ShowLeague,
    ShowMetrics,
    ShowTrend,
    command_text,
    parse_segment_command,
    parse_text,
)
from oversight_bot.chat.handle import pick_quarter
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.trends import Significance, score_change, significance


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("segment RR8 Q1 2025/26", GetSegment(query="RR8", quarter="Q1 2025/26")),
        ("segment RR8 q1 2025-26", GetSegment(query="RR8", quarter="Q1 2025/26")),
        ("segment RR8 in Q3 25/26", GetSegment(query="RR8", quarter="Q3 2025/26")),
        ("why RWR Q2", ExplainSegment(query="RWR", quarter="Q2")),
        ("league acute Q1", ShowLeague(table=TrustType.ACUTE, quarter="Q1")),
        (
            "league mh London Q2 2025/26",
            ShowLeague(table=TrustType.MENTAL_HEALTH_AND_COMMUNITY, region="London", quarter="Q2 2025/26"),
        ),
        ("metric Leeds Teaching cancer 62", ShowMetrics(query="Leeds Teaching cancer 62")),
        ("metrics RWR Q1", ShowMetrics(query="RWR", quarter="Q1")),
        ("trend RWR", ShowTrend(query="RWR")),
        ("compare RR8, RHM", CompareOrganisations(query="RR8, RHM")),
        ("compare RR8 vs RHM Q1", CompareOrganisations(query="RR8 vs RHM", quarter="Q1")),
        ("can you show me trend RWR please", ShowTrend(query="RWR")),
    ],
)
def test_what_is_typed_becomes_the_command_and_back(typed: str, expected: object) -> None:
    parsed = parse_text(typed)
    assert parsed == expected
    assert parse_text(command_text(parsed)) == parsed  # what a button or a shared answer re-runs


def test_slash_segment_takes_a_quarter_too() -> None:
    assert parse_segment_command("RR8 Q1 2025/26") == GetSegment(query="RR8", quarter="Q1 2025/26")
    assert parse_segment_command("trend RR8") == ShowTrend(query="RR8")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("segment RR8 Q1 2025/27", "Q1 2025/27 is not a quarter"),
        ("metric", "`metric` needs an organisation"),
        ("trend", "`trend` needs an organisation"),
        ("compare RR8", "`compare` needs two to four organisations"),
        ("segment Q1", "`segment` needs an organisation"),
    ],
)
def test_what_cannot_be_answered_says_why(typed: str, problem: str) -> None:
    parsed = parse_text(typed)
    assert isinstance(parsed, ShowHelp) and parsed.problem is not None and problem in parsed.problem


def test_a_quarter_without_a_year_is_the_latest_of_that_number_held() -> None:
    held = [Quarter(2024, 2), Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)]
    assert pick_quarter("Q2", held) == Quarter(2025, 2)
    assert pick_quarter("Q2 2024/25", held) == Quarter(2024, 2)
    assert pick_quarter("Q4", held) is None and pick_quarter("Q1 2023/24", held) is None
    assert pick_quarter(None, held) is None


def test_a_change_is_significant_only_when_both_likely_ranges_are_held_and_apart() -> None:
    d = Decimal
    assert significance((d("2.08"), d("2.18")), (d("1.92"), d("2.02"))) is Significance.SIGNIFICANT
    assert significance((d("2.08"), d("2.18")), (d("2.15"), d("2.25"))) is Significance.WITHIN_RANGE
    assert significance((d("2.08"), d("2.18")), (d("2.18"), d("2.28"))) is Significance.WITHIN_RANGE  # touching
    assert significance(None, (d("1.92"), d("2.02"))) is Significance.NOT_JUDGED
    change = score_change(d("2.13"), d("1.97"), None, None)
    assert change is not None and change.change == d("-0.16") and change.significance is Significance.NOT_JUDGED
    assert score_change(None, d("1.97"), None, None) is None
