"""Steps 2-6 of NOF 2025/26: average, quartiles, override, segment 5, league rank (nof.md §3.3-§3.8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight_bot.domain.assessments import Basis, Step
from oversight_bot.domain.frameworks import FrameworkVersion
from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.scores import average_metric_score, worst_scores
from oversight_bot.domain.segmentation import (
    CutPoints,
    ProviderInputs,
    apply_financial_override,
    assess_quarter,
    final_segment,
    league_ranks,
    quartile_cut_points,
)
from tests.unit.domain.conftest import nof2026

D = Decimal
MH = TrustType.MENTAL_HEALTH_AND_COMMUNITY
Q1 = Quarter(2025, 1)


def scores(**by_metric: str) -> dict[str, Decimal]:
    return {metric: D(value) for metric, value in by_metric.items()}


def test_average_is_the_mean_of_non_zero_scores_to_two_places(framework: FrameworkVersion) -> None:
    # The manual's worked example: 11 scores summing to 16.83 give 1.53.
    eleven = {f"OF1{n:03d}": D("1.53") for n in range(10)} | {"OF1099": D("1.53")}
    assert sum(eleven.values()) == D("16.83")
    assert average_metric_score(eleven, framework) == D("1.53")
    assert average_metric_score(scores(OF1001="2.00", OF1002="0", OF1003="3.00"), framework) == D("2.50")


def test_finance_counts_only_through_the_combined_finance_score(framework: FrameworkVersion) -> None:
    # OF1079 and OF1081 reach the average only through OF1080 (checked against NHS England's file).
    with_parts = scores(OF1005="2.00", OF1079="4.00", OF1080="3.00", OF1081="1.00")
    assert average_metric_score(with_parts, framework) == D("2.50")


def test_each_infection_metric_counts_one_third(framework: FrameworkVersion) -> None:
    together = scores(OF1005="1.00", OF1020="4.00", OF1048="4.00", OF1088="1.00")
    # (1 + (4 + 4 + 1) / 3) / (1 + 1) = 2.00, where an unweighted mean would be 2.50.
    assert average_metric_score(together, framework) == D("2.00")


def test_a_mean_of_exactly_half_a_hundredth_rounds_up(framework: FrameworkVersion) -> None:
    assert average_metric_score(scores(OF1001="2.55", OF1002="2.56"), framework) == D("2.56")
    assert average_metric_score(scores(OF1001="2.20", OF1002="2.21"), framework) == D("2.21")


def test_no_counted_score_means_no_average(framework: FrameworkVersion) -> None:
    assert average_metric_score(scores(OF1079="2.00", OF1001="0"), framework) is None


def test_quartile_cut_points_interpolate_like_quartile_inc() -> None:
    cuts = quartile_cut_points([D("1.00"), D("2.00"), D("3.00"), D("4.00"), D("5.00")])
    assert cuts == CutPoints(D("2.00"), D("3.00"), D("4.00"))
    assert quartile_cut_points([D("1.8"), D("2.2")]) == CutPoints(D("1.90"), D("2.00"), D("2.10"))
    assert quartile_cut_points([]) is None


def test_a_value_on_a_cut_point_goes_to_the_worse_segment() -> None:
    cuts = CutPoints(D("2.09"), D("2.36"), D("2.71"))
    assert [cuts.segment_for(D(v)) for v in ("2.08", "2.09", "2.35", "2.36", "2.70", "2.71")] == [1, 2, 2, 3, 3, 4]


def test_financial_override_holds_a_provider_at_three_at_best(framework: FrameworkVersion) -> None:
    assert [apply_financial_override(s, True, framework) for s in (1, 2, 3, 4)] == [3, 3, 3, 4]
    assert [apply_financial_override(s, False, framework) for s in (1, 2, 3, 4)] == [1, 2, 3, 4]


def test_the_improvement_programme_means_segment_five(framework: FrameworkVersion) -> None:
    assert final_segment(3, True, framework) == 5
    assert final_segment(3, False, framework) == 3


def test_league_rank_is_by_segment_then_average_with_shared_ranks() -> None:
    # As in NHS England's Q4 mental health table: three at 2.01 in segment 1 share 11th... here, 2nd.
    entries = {
        "A": (MH, 1, D("1.80")),
        "B": (MH, 1, D("2.01")),
        "C": (MH, 1, D("2.01")),
        "D": (MH, 1, D("2.01")),
        "E": (MH, 2, D("2.10")),
        "RWR": (MH, 3, D("2.12")),  # capped by the override: below every segment 1 and 2 trust
        "F": (MH, 2, D("2.30")),
        "X": (TrustType.ACUTE, 4, D("3.00")),
    }
    ranks = league_ranks(entries)
    assert {org: ranks[org].rank for org in "ABCDE"} == {"A": 1, "B": 2, "C": 2, "D": 2, "E": 5}
    assert ranks["F"].rank == 6
    assert ranks["RWR"].rank == 7
    assert (ranks["X"].rank, ranks["X"].peer_count, ranks["A"].peer_count) == (1, 1, 7)


def provider(code: str, average: str, *, override: bool = False, programme: bool = False) -> ProviderInputs:
    return ProviderInputs(code, MH, scores(OF1005=average), override, programme)


def test_assess_quarter_gives_every_step_with_its_reasons(framework: FrameworkVersion) -> None:
    # RXG-like (1.77, deficit: 1 held at 3), RW1-like (RSP: 5 over 3), RDY-like (plain 2).
    providers = [
        provider("RXG", "1.77", override=True),
        provider("RW1", "2.60", programme=True),
        provider("RDY", "2.10"),
        provider("BAD", "3.50"),
    ]
    results = {
        a.ods_code: a for a in assess_quarter(Q1, providers, framework, CutPoints(D("2.05"), D("2.33"), D("2.65")))
    }
    rxg, rw1, rdy = results["RXG"], results["RW1"], results["RDY"]
    assert (rxg.unadjusted_segment, rxg.adjusted_segment, rxg.segment, rxg.underlying_segment) == (1, 3, 3, 1)
    assert (rw1.unadjusted_segment, rw1.adjusted_segment, rw1.segment, rw1.underlying_segment) == (3, 3, 5, 3)
    assert (rdy.segment, rdy.underlying_segment) == (2, None)
    assert all(a.basis is Basis.DERIVED and a.framework == "NOF2025" for a in results.values())
    assert [r.step for r in rxg.reasons] == [
        Step.SCORES,
        Step.AVERAGE,
        Step.SEGMENT,
        Step.FINANCIAL_OVERRIDE,
        Step.RANK,
    ]
    assert "held at segment 3, not 1" in rxg.reasons[3].text
    assert Step.IMPROVEMENT_PROGRAMME in [r.step for r in rw1.reasons]
    # Ranked by adjusted segment (RSP trusts keep their underlying segment in the table).
    assert [results[c].rank for c in ("RDY", "RXG", "RW1", "BAD")] == [1, 2, 3, 4]


def test_without_cut_points_the_quarter_is_quartiled(framework: FrameworkVersion) -> None:
    providers = [provider(f"P{n}", f"{1 + n / 10:.2f}") for n in range(9)]  # 1.00 .. 1.80
    results = {a.ods_code: a.segment for a in assess_quarter(Q1, providers, framework)}
    assert [results[f"P{n}"] for n in range(9)] == [1, 1, 2, 2, 3, 3, 4, 4, 4]


def test_published_average_places_the_provider_when_given(framework: FrameworkVersion) -> None:
    inputs = ProviderInputs("A", MH, scores(OF1005="2.00"), published_average=D("3.00"))
    (assessed,) = assess_quarter(Q1, [inputs], framework, CutPoints(D("2.1"), D("2.4"), D("2.7")))
    assert (assessed.average_score, assessed.segment) == (D("3.00"), 4)


def test_nof_2026_uses_the_configured_thresholds_inclusively() -> None:
    framework = nof2026(("2.05", "2.35", "2.70"))
    providers = [
        provider(code, average) for code, average in (("A", "2.05"), ("B", "2.06"), ("C", "2.70"), ("D", "2.71"))
    ]
    results = {a.ods_code: a.segment for a in assess_quarter(Quarter(2026, 1), providers, framework)}
    assert results == {"A": 1, "B": 2, "C": 3, "D": 4}


def test_nof_2026_without_thresholds_refuses_rather_than_guessing() -> None:
    with pytest.raises(ValueError, match="thresholds are not configured"):
        assess_quarter(Quarter(2026, 1), [provider("A", "2.00")], nof2026(None))


def test_worst_scores_are_the_three_highest_counted(framework: FrameworkVersion) -> None:
    given_scores = scores(OF1001="2.00", OF1079="4.00", OF1002="3.10", OF1003="3.10", OF1004="1.00", OF1005="2.50")
    assert worst_scores(given_scores, framework) == [
        ("OF1002", D("3.10")),
        ("OF1003", D("3.10")),
        ("OF1005", D("2.50")),
    ]


# -- properties ---------------------------------------------------------------------------------

averages = st.decimals(min_value=1, max_value=4, places=2, allow_nan=False, allow_infinity=False)
providers_strategy = st.lists(
    st.tuples(averages, st.booleans(), st.booleans(), st.sampled_from(list(TrustType))), min_size=1, max_size=60
)


def _inputs(drawn: list[tuple[Decimal, bool, bool, TrustType]]) -> list[ProviderInputs]:
    return [
        ProviderInputs(f"P{n}", table, {"OF1005": average}, override, programme)
        for n, (average, override, programme, table) in enumerate(drawn)
    ]


@given(providers_strategy)
def test_every_provider_gets_exactly_one_segment_in_range(framework: FrameworkVersion, drawn: list) -> None:  # type: ignore[type-arg]
    results = assess_quarter(Q1, _inputs(drawn), framework)
    assert sorted(a.ods_code for a in results) == sorted(f"P{n}" for n in range(len(drawn)))
    assert all(1 <= a.segment <= 5 for a in results)


@given(providers_strategy)
def test_the_override_never_improves_a_segment(framework: FrameworkVersion, drawn: list) -> None:  # type: ignore[type-arg]
    for a in assess_quarter(Q1, _inputs(drawn), framework):
        assert a.adjusted_segment is not None and a.unadjusted_segment is not None
        assert a.adjusted_segment >= a.unadjusted_segment
        assert a.segment >= a.adjusted_segment
        if a.financial_override:
            assert a.adjusted_segment >= 3


@given(providers_strategy)
def test_ranks_form_a_competition_ranking_within_each_table(framework: FrameworkVersion, drawn: list) -> None:  # type: ignore[type-arg]
    results = assess_quarter(Q1, _inputs(drawn), framework)
    for table in TrustType:
        members = [a for a in results if a.peer_table is table]
        for a in members:
            key = (a.adjusted_segment, a.average_score)
            better = sum(1 for b in members if (b.adjusted_segment, b.average_score) < key)
            tied = [b for b in members if (b.adjusted_segment, b.average_score) == key]
            assert a.rank == better + 1
            assert {b.rank for b in tied} == {a.rank}
            assert a.peer_count == len(members)
        # Sorted by rank, the table is sorted by (segment, average): ranking orders the whole table.
        ordered = sorted(members, key=lambda a: a.rank or 0)
        keys = [(a.adjusted_segment, a.average_score) for a in ordered]
        assert keys == sorted(keys)


@given(providers_strategy, st.integers(min_value=0, max_value=59), st.decimals(min_value="0.01", max_value=1, places=2))
def test_a_worse_average_never_gives_a_better_segment(
    framework: FrameworkVersion,
    drawn: list,  # type: ignore[type-arg]
    which: int,
    worse_by: Decimal,
) -> None:
    if which >= len(drawn):
        return
    cuts = CutPoints(D("2.05"), D("2.33"), D("2.65"))
    before = {a.ods_code: a for a in assess_quarter(Q1, _inputs(drawn), framework, cuts)}
    average, override, programme, table = drawn[which]
    worse = list(drawn)
    worse[which] = (min(D(4), average + worse_by), override, programme, table)
    after = {a.ods_code: a for a in assess_quarter(Q1, _inputs(worse), framework, cuts)}
    assert after[f"P{which}"].segment >= before[f"P{which}"].segment


@given(st.lists(st.tuples(st.integers(1, 4), averages), min_size=1, max_size=80, unique=True))
def test_without_ties_the_ranks_are_a_permutation_of_the_table(entries: list[tuple[int, Decimal]]) -> None:
    ranks = league_ranks({f"P{n}": (MH, segment, average) for n, (segment, average) in enumerate(entries)})
    assert sorted(standing.rank for standing in ranks.values()) == list(range(1, len(entries) + 1))
    ordered = sorted(ranks, key=lambda org: ranks[org].rank)
    assert [entries[int(org[1:])] for org in ordered] == sorted(entries)
