"""The rules core against NHS England's own Q1-Q2 2025/26 file for mental health and community trusts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from oversight_bot.domain.frameworks import FrameworkCatalogue
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.segmentation import CutPoints
from oversight_bot.ingest.frameworks import read_frameworks
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.services.nof_check import check_release
from oversight_bot.services.releases import NofRelease
from tests.conftest import NOF_FILE, SEEDS

Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)


@pytest.fixture(scope="module")
def release() -> NofRelease:
    return read_nof_file(NOF_FILE)


@pytest.fixture(scope="module")
def frameworks() -> FrameworkCatalogue:
    return read_frameworks(SEEDS / "frameworks.toml")


def test_the_file_reads_whole(release: NofRelease) -> None:
    assert release.source.rows == 4502
    assert len(release.providers) == 122  # 61 trusts in each of two quarters
    assert release.quarters == [Q1, Q2]


def test_every_average_segment_and_rank_is_reproduced(release: NofRelease, frameworks: FrameworkCatalogue) -> None:
    report = check_release(release, frameworks)
    assert report.mismatches == []
    for measure in ("average", "adjusted segment", "final segment", "rank"):
        assert report.tallies[measure].checked == 122, measure
        assert report.tallies[measure].agreed == 122, measure
    for row in report.rows:
        assert row.derived_average is not None
        assert abs(row.derived_average - row.published_average) <= Decimal("0.01")


def test_with_the_quarters_cut_points_the_unadjusted_segment_is_reproduced(
    release: NofRelease, frameworks: FrameworkCatalogue
) -> None:
    # Cut-points consistent with NHS England's published placings (reference/nof.md §3.3 table).
    cuts = {
        Q1: CutPoints(Decimal("2.05"), Decimal("2.33"), Decimal("2.65")),
        Q2: CutPoints(Decimal("2.07"), Decimal("2.35"), Decimal("2.69")),
    }
    report = check_release(release, frameworks, cuts)
    assert report.tallies["unadjusted segment"].agreed == 122
    assert report.all_agree


def test_wrong_cut_points_are_reported_as_mismatches(release: NofRelease, frameworks: FrameworkCatalogue) -> None:
    report = check_release(release, frameworks, {Q1: CutPoints(Decimal("1.50"), Decimal("2.00"), Decimal("2.50"))})
    assert not report.all_agree
    assert {m.measure for m in report.mismatches} >= {"unadjusted segment"}
    assert all(m.quarter == Q1 for m in report.mismatches if m.measure == "unadjusted segment")


@pytest.mark.parametrize(
    ("code", "quarter", "average", "unadjusted", "adjusted", "final", "rank"),
    [
        ("RWR", Q1, "2.13", 2, 3, 3, 29),  # deficit: 2 held at 3
        ("RW1", Q1, "2.33", 3, 3, 5, 33),  # Recovery Support Programme: 5 over 3
        ("RDY", Q1, None, None, 2, 2, None),
        ("RDY", Q2, None, None, 2, 2, None),
    ],
)
def test_known_cases_from_the_reference_notes(
    release: NofRelease,
    frameworks: FrameworkCatalogue,
    code: str,
    quarter: Quarter,
    average: str | None,
    unadjusted: int | None,
    adjusted: int,
    final: int,
    rank: int | None,
) -> None:
    row = next(r for r in check_release(release, frameworks).rows if r.ods_code == code and r.quarter == quarter)
    assert (row.derived_adjusted, row.derived_final) == (adjusted, final)
    if average is not None:
        assert row.derived_average == Decimal(average)
    if unadjusted is not None:
        assert row.published_unadjusted == unadjusted
    if rank is not None:
        assert row.derived_rank == rank


def test_a_broken_copy_of_the_file_is_not_checked(tmp_path: Path) -> None:
    from oversight_bot.errors import ImportFileError

    broken = tmp_path / "broken.csv"
    broken.write_bytes(NOF_FILE.read_bytes()[:-60])
    with pytest.raises(ImportFileError):
        read_nof_file(broken)
