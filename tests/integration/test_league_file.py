"""NHS England's league-table files, and a secondary source's part of one: ranges kept and shown,
nothing another file published erased, the source said."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from oversight_bot.bootstrap import Application, build
from oversight_bot.config import Settings
from oversight_bot.domain.quarters import Quarter
from oversight_bot.errors import ImportFileError
from oversight_bot.ingest.league import read_league_file
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.services.releases import Publication
from tests.conftest import NOF_FILE, SEEDS
from tests.integration.slack.test_surfaces import acute_moves_q1_to_q3
from tests.integration.test_releases import ask
from tests.nof_files import ACUTE_FILE

COLUMNS = (
    "Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Average_score",
    "Likely_range_of_average_score", "Segment", "Trust_in_financial_deficit", "Rank", "Likely_range_of_rank",
)  # fmt: skip


def league_from_metric_file(path: Path, quarter: str = "Q2 2025/26") -> Path:
    """The mental-health league table of a quarter, as NHS England lays it out, from the metric file's
    summary rows; the likely ranges are made up around each figure (NHS England does not document them)."""
    summary: dict[str, dict[str, str]] = {}
    with NOF_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Quarter"] == quarter and row["Metric_ID"] in ("OF5000", "OF5002", "OF5004"):
                summary.setdefault(row["Trust_code"], dict(row))[row["Metric_ID"]] = row["Value"]
                if row["Metric_ID"] == "OF5000":
                    summary[row["Trust_code"]]["rank"] = row["Rank"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for code, s in sorted(summary.items()):
        average, rank = Decimal(s["OF5002"]), int(float(s["rank"]))
        writer.writerow([
            quarter, s["Region"], s["Trust_type"], s["Trust_subtype"], code, s["Trust_name"], f"{average}",
            f"{average - Decimal('0.05')} to {average + Decimal('0.05')}", int(float(s["OF5000"])),
            "Yes" if float(s["OF5004"]) == 1 else "No", rank, f"{max(1, rank - 5)} to {rank + 5}",
        ])  # fmt: skip
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def test_a_league_table_adds_its_ranges_and_erases_nothing(seeded_app: Application, tmp_path: Path) -> None:
    report = seeded_app.importer.segments(read_league_file(league_from_metric_file(tmp_path / "league.csv")))
    assert report.changed and report.events == ()  # the same segments: ranges are not news
    rwr = ask(seeded_app, "segment RWR")
    assert "26th of 61 mental health and community trusts (likely range 21st to 31st)" in rwr
    assert "1.97 (1 is best, 4 worst); likely range 1.92 to 2.02" in rwr
    assert "held at segment 3" in rwr  # the unadjusted segment, which the league table does not give, is kept
    assert "Segment 5 (Provider Improvement Programme; underlying segment 3)" in ask(seeded_app, "segment RW1")
    assert "(likely rank " in ask(seeded_app, "league mh")
    again = seeded_app.importer.segments(read_league_file(league_from_metric_file(tmp_path / "again.csv")))
    assert not again.changed


def test_a_secondary_source_never_overwrites_nhs_englands_own_figures(seeded_app: Application, tmp_path: Path) -> None:
    path = league_from_metric_file(tmp_path / "league.csv")
    text = (
        path.read_bytes()
        .decode("utf-8-sig")
        .replace(
            ",Hertfordshire Partnership University NHS Foundation Trust,1.97,",
            ",Hertfordshire Partnership University NHS Foundation Trust,1.95,",
        )
    )
    path.write_bytes(text.encode("utf-8"))
    secondary = Publication("someone's copy", secondary=True)
    seeded_app.importer.segments(read_league_file(path), secondary)
    rwr = ask(seeded_app, "segment RWR")
    assert "1.97 (1 is best, 4 worst)" in rwr and "1.95" not in rwr  # NHS England's average stands
    assert "likely range 21st to 31st" in rwr  # what NHS England did not publish is filled in
    assert "Source: NHS England, nof-mental-health-and-community-2025-26-q1-q2.csv" in rwr


def test_a_league_file_that_breaks_its_own_layout_is_refused_whole(seeded_app: Application, tmp_path: Path) -> None:
    path = league_from_metric_file(tmp_path / "league.csv")
    text = path.read_bytes().decode("utf-8-sig").replace(" to ", " - ", 1).replace(",Yes,", ",Perhaps,", 1)
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ImportFileError) as caught:
        read_league_file(path)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "is not a range like '2.05 to 2.21'" in messages and "is not a flag (1/0, yes/no)" in messages


def test_a_secondary_source_of_segments_only_is_labelled_wherever_shown(tmp_path: Path) -> None:
    app = build(Settings(database_url=f"sqlite:///{tmp_path / 'acute.db'}", seed_on_first_use=False))
    try:
        regions = read_regions_file(SEEDS / "regions.csv")
        app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", regions), "ods")
        app.importer.nof(read_nof_file(ACUTE_FILE), publication=Publication(published="September 2025"))
        source = (SEEDS / "league-acute-2025-26-q3-secondary.csv").read_text(encoding="utf-8")
        without_quarter = tmp_path / "segments-q3.csv"
        without_quarter.write_text(source.replace(",Quarter", "").replace(",Q3 2025/26", ""), encoding="utf-8")
        with pytest.raises(ImportFileError, match="no Quarter column"):
            read_league_file(without_quarter)
        secondary = Publication("intuita-healthcare-tracker", secondary=True)
        report = app.importer.segments(read_league_file(without_quarter, Quarter(2025, 3)), secondary)
        assert report.changed and len({e.ods_code for e in report.events}) == acute_moves_q1_to_q3()
        assert all(e.previous_quarter == Quarter(2025, 1) for e in report.events)  # Q2 was never held
        papworth = ask(app, "segment RGM")
        assert "Segment 1" in papworth
        assert "secondary source: intuita-healthcare-tracker (segments-q3.csv), not NHS England's own file" in papworth
        league = ask(app, "league acute")
        assert "Q3 2025/26: segments only, 134 trusts (the source gives no ranks)" in league
        assert "secondary source: intuita-healthcare-tracker" in league
    finally:
        app.close()
