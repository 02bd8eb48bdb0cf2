"""NHS England's acute-trust file for Q1 2025/26, in its first-release layout: read, checked against
NHS England's own figures, and answered from, trust by trust."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings
from oversight_bot.domain.quarters import Quarter
from oversight_bot.ingest.nof import Layout, read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.services.nof_check import check_release
from tests.conftest import SEEDS
from tests.integration.test_releases import CONSOLE, ask
from tests.nof_files import ACUTE_FILE, write_acute

Q1 = Quarter(2025, 1)
SEGMENT_5 = {"R1F", "RA9", "RAJ", "RHM", "RHU", "RJZ", "RK9", "RN5", "RPA", "RX1", "RXL", "RXN", "RXR", "RXW"}


@pytest.fixture(scope="module")
def release():  # type: ignore[no-untyped-def]
    return read_nof_file(ACUTE_FILE)


@pytest.fixture
def acute_only(tmp_path: Path) -> Iterator[Application]:
    """A store with ODS's trusts and the acute Q1 file only: the table as NHS England published it."""
    app = build(Settings(database_url=f"sqlite:///{tmp_path / 'acute.db'}", seed_on_first_use=False))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    report = app.importer.nof(read_nof_file(ACUTE_FILE))
    assert report.changed and report.disagreements == 0
    yield app
    app.close()


def summary(metric: str) -> dict[str, str]:
    with ACUTE_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {row["Trust_code"]: row["Value"] for row in csv.DictReader(handle) if row["Metric_ID"] == metric}


def test_the_first_release_layout_is_read_with_its_quarter_regions_and_units(release) -> None:  # type: ignore[no-untyped-def]
    assert release.layout == Layout.FIRST_RELEASE.value
    assert release.quarters == [Q1]
    assert len(release.providers) == 134 and release.source.rows == 7265
    regions = {p.region for p in release.providers}
    assert "North East" not in regions and "North East and Yorkshire" in regions
    units = {v.units for p in release.providers for v in p.values}
    assert "percent" not in units and "%" in units
    r0a = next(p for p in release.providers if p.ods_code == "R0A")
    infection = [v for v in r0a.values if v.metric_id in ("OF0048", "OF0088")]
    assert {(v.metric_id, v.units) for v in infection} == {("OF0048", "rate"), ("OF0088", "rate")}
    assert {p.ods_code for p in release.providers if p.summary.in_improvement_programme} == SEGMENT_5


def test_nof_check_reproduces_every_published_figure_from_the_scores(release, acute_only: Application) -> None:  # type: ignore[no-untyped-def]
    report = check_release(release, acute_only.frameworks)
    for measure in ("average", "unadjusted segment", "adjusted segment", "final segment", "rank"):
        assert (report.tallies[measure].agreed, report.tallies[measure].checked) == (134, 134), measure
    assert report.mismatches == []
    assert report.exact_averages == 129  # the rest within 0.01: NHS England averages unrounded scores
    assert report.cut_points[Q1].origin == "implied by NHS England's placings for the quarter"


def test_altered_scores_are_named_trust_by_trust(tmp_path: Path, acute_only: Application) -> None:
    # Each moves its trust's average by well over 0.01; an unaltered trust keeps its average.
    altered = {("RR8", "OF1003"): "1.00", ("RJ1", "OF1010"): "4.00", ("R0A", "OF1082"): "1.00"}

    def alter(row: dict[str, str]) -> dict[str, str]:
        return row | {"Value": altered.get((row["Trust_code"], row["Metric_ID"]), row["Value"])}

    release = read_nof_file(write_acute(tmp_path / "altered.csv", change=alter))
    report = check_release(release, acute_only.frameworks)
    moved = {m.ods_code for m in report.mismatches if m.measure == "average"}
    assert moved == {code for code, _ in altered}
    again = acute_only.importer.nof(read_nof_file(write_acute(tmp_path / "altered.csv", change=alter)))
    assert again.disagreements == len(report.mismatches)  # the import counts differences as the check does


def test_answers_for_a_trust_in_each_segment(acute_only: Application) -> None:
    segments = summary("OF5005")
    for wanted in (1, 2, 3, 4, 5):
        code = next(c for c, v in sorted(segments.items()) if float(v) == wanted)
        answer = ask(acute_only, f"segment {code}")
        assert f"Segment {wanted}" in answer, code
        assert "Source: NHS England, nof-acute-2025-26-q1.csv" in answer
        why = ask(acute_only, f"why {code}")
        assert "Patient safety: metric scores, Q1 2025/26" in why
        assert "counts one third in the average" in why  # the three infection scores
        assert f"Q1 2025/26: segment {wanted}" in ask(acute_only, f"history {code}")


def test_league_and_segment_five_of_the_acute_table(acute_only: Application) -> None:
    league = ask(acute_only, "league acute")
    assert "ranked nationally of 134 acute trusts" in league
    assert "\n1. " in league and "incomplete" not in league
    listed = acute_only.conversation.respond("list segment:5", CONSOLE)
    codes = {line.split("(")[-1].split(")")[0] for section in listed.sections for line in section.lines}
    assert codes >= SEGMENT_5 and len(SEGMENT_5) == 14
