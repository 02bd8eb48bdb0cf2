"""Broken files: each problem is named with its line, and nothing at all is imported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from oversight_bot.bootstrap import Application
from oversight_bot.errors import ImportFileError
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_alias_file, read_ods_file, read_regions_file
from oversight_bot.ingest.segments import read_segments_file
from tests.conftest import NOF_FILE, SEEDS
from tests.integration.test_store import table_counts
from tests.nof_files import line_of, write_acute, write_nof

NOF_BYTES = NOF_FILE.read_bytes()


def lines_of(error: ImportFileError) -> list[int]:
    return [problem.line or 0 for problem in error.problems]


def rejected(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_nof_file(path)
    return caught.value


def test_a_bad_header_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad-header.csv"
    path.write_bytes(NOF_BYTES.replace(b"Metric_ID", b"MetricID", 1))
    error = rejected(path)
    assert lines_of(error) == [1] and "Metric_ID" in str(error)


def test_a_bad_number_is_named_with_its_line_and_column(tmp_path: Path) -> None:
    def spoil(row: dict[str, str]) -> dict[str, str]:
        if row["Trust_code"] == "RWR" and row["Metric_ID"] == "OF5002" and row["Quarter"] == "Q2 2025/26":
            row["Value"] = "1.9x"
        return row

    path = write_nof(tmp_path / "bad-number.csv", change=spoil)
    error = rejected(path)
    assert len(error.problems) == 1
    (problem,) = error.problems
    expected_line = next(
        n for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1) if "1.9x" in line
    )
    assert problem.line == expected_line
    assert "Value" in problem.message and "1.9x" in problem.message


def test_every_bad_row_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = write_nof(
        tmp_path / "bad.csv", change=lambda row: row | {"Value": "4.5"} if row["Metric_ID"] == "OF1005" else row
    )
    error = rejected(path)
    assert error.count == 82  # every OF1005 row (41 trusts in each of two quarters); 20 shown
    assert len(error.problems) == 20 and error.more == 62
    assert "between 0 and 4" in error.problems[0].message


def test_a_truncated_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "truncated.csv"
    path.write_bytes(NOF_BYTES[: len(NOF_BYTES) // 2])
    error = rejected(path)
    assert error.problems[0].line == NOF_BYTES[: len(NOF_BYTES) // 2].count(b"\n") + 1
    assert "cut short" in error.problems[0].message


def test_a_file_cut_at_a_row_boundary_is_caught_by_the_missing_summary(tmp_path: Path) -> None:
    rows = NOF_BYTES.split(b"\r\n")
    path = tmp_path / "cut.csv"
    path.write_bytes(b"\r\n".join(rows[:-200]) + b"\r\n")
    error = rejected(path)
    assert "is the file cut short or incomplete?" in str(error)


def test_a_file_cut_by_exactly_one_summary_metric_is_caught(tmp_path: Path) -> None:
    """The last 61 rows are Q2's OF5007 for every trust: without them OF5005 stands alone."""
    rows = NOF_BYTES.rstrip(b"\r\n").split(b"\r\n")
    assert all(b",OF5007," in row for row in rows[-61:])
    path = tmp_path / "cut.csv"
    path.write_bytes(b"\r\n".join(rows[:-61]) + b"\r\n")
    error = rejected(path)
    assert "Q2 2025/26: OF5005 (final segment) is given without OF5007" in str(error)


# -- NHS England's first-release layout (the acute file) ------------------------------------------------


def acute_rejected(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_nof_file(path)
    return caught.value


def is_rr8(metric: str) -> Callable[[dict[str, str]], bool]:
    return lambda row: row["Trust_code"] == "RR8" and row["Metric_ID"] == metric


def test_a_first_release_file_without_a_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_acute(tmp_path / "no-units.csv", header=lambda columns: [c for c in columns if c != "Units"])
    error = acute_rejected(path)
    assert lines_of(error) == [1] and "'Units'" in str(error) and "first-release layout" in str(error)


def test_an_unknown_unit_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    path = write_acute(tmp_path / "unit.csv", change=lambda r: r | {"Units": "per cent"} if is_rr8("OF0003")(r) else r)
    (problem,) = acute_rejected(path).problems
    assert problem.line == line_of(path, is_rr8("OF0003"))
    assert "column Units" in problem.message and "'per cent'" in problem.message


def test_an_unknown_region_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    spoil = is_rr8("OF0020")
    path = write_acute(tmp_path / "region.csv", change=lambda r: r | {"Region": "Yorkshire"} if spoil(r) else r)
    (problem,) = acute_rejected(path).problems
    assert (
        problem.line == line_of(path, spoil) and "column Region" in problem.message and "'Yorkshire'" in problem.message
    )


def test_a_quarter_only_some_rows_carry_is_refused(tmp_path: Path) -> None:
    blank, other = is_rr8("OF5000"), is_rr8("OF4002")

    def spoil(row: dict[str, str]) -> dict[str, str]:
        if blank(row):
            return row | {"Reporting_date": ""}
        return row | {"Reporting_date": "Q2 2025/26"} if other(row) else row

    path = write_acute(tmp_path / "quarters.csv", change=spoil)
    error = acute_rejected(path)
    assert sorted(lines_of(error)) == sorted([line_of(path, blank), line_of(path, other)])
    assert all("Reporting_date" in problem.message for problem in error.problems)
    assert "holds one quarter" in str(error)


def test_a_refused_first_release_file_imports_nothing(empty_app: Application, tmp_path: Path) -> None:
    path = write_acute(tmp_path / "unit.csv", change=lambda r: r | {"Units": "per cent"} if is_rr8("OF0003")(r) else r)
    before = table_counts(empty_app)
    with pytest.raises(ImportFileError):
        empty_app.importer.nof(read_nof_file(path))
    assert table_counts(empty_app) == before


def test_the_acute_file_as_published_is_read_with_crlf_and_bom(tmp_path: Path) -> None:
    path = write_acute(tmp_path / "nhs-oversight-framework-acute-trust-data.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    assert len(read_nof_file(path).providers) == 134


def test_the_wrong_encoding_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    text = NOF_BYTES.decode("utf-8-sig").replace("Herefordshire", "Heréfordshire", 1)
    path.write_bytes(text.encode("latin-1"))
    error = rejected(path)
    assert "not UTF-8" in str(error) and error.problems[0].line == 2


def test_a_repeated_row_is_named_with_both_lines(tmp_path: Path) -> None:
    rows = NOF_BYTES.split(b"\r\n")
    path = tmp_path / "repeated.csv"
    path.write_bytes(b"\r\n".join([*rows[:3], rows[2], *rows[3:]]))
    error = rejected(path)
    assert lines_of(error) == [4] and "repeats line 3" in str(error)


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    assert "empty" in str(rejected(path))


def test_reporting_dates_in_every_published_format_are_accepted() -> None:
    release = read_nof_file(NOF_FILE)
    dates = {s.reporting_date for p in release.providers for s in p.scores}
    assert {"Jun-25", "2024/25", "Q4 2024-25", "Month 6 2025", "Oct 24 - Sep 25 vs Oct 23 - Sep 24"} <= dates


def test_a_broken_file_leaves_the_store_untouched(seeded_app: Application, tmp_path: Path) -> None:
    before = table_counts(seeded_app)
    path = write_nof(
        tmp_path / "late-bad.csv", change=lambda row: row | {"Value": "six"} if row["Trust_code"] == "TAJ" else row
    )
    with pytest.raises(ImportFileError):
        seeded_app.importer.nof(read_nof_file(path))
    assert table_counts(seeded_app) == before


def test_ods_alias_and_segment_files_name_their_bad_lines(tmp_path: Path) -> None:
    regions = read_regions_file(SEEDS / "regions.csv")
    ods = tmp_path / "etr.csv"
    good = (SEEDS / "ods-etr.csv").read_text(encoding="utf-8").splitlines()
    ods.write_text("\n".join([good[0], good[1].replace('"20171001"', '"2017-10-01"'), good[2], good[3][:40]]) + "\n")
    with pytest.raises(ImportFileError) as caught:
        read_ods_file(ods, regions)
    assert caught.value.problems[0].line == 4  # the short record stops the read, naming its line

    ods.write_text("\n".join([good[0], good[1].replace('"20171001"', '"2017-10-01"'), good[2]]) + "\n")
    with pytest.raises(ImportFileError) as caught:
        read_ods_file(ods, regions)
    assert lines_of(caught.value) == [2] and "YYYYMMDD" in str(caught.value)

    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,ods_code\nUHS,RHM\nX,not a code\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        read_alias_file(aliases)
    assert sorted(set(lines_of(caught.value))) == [3]

    segments = tmp_path / "segments.csv"
    segments.write_text(
        "basis,framework,quarter,ods_code,name,segment,rank,peer_count\n"
        "published,NOF2025,Q3 2025/26,RR8,LEEDS,6,,\n"
        "published,NOF2025,Q9 2025/26,RR8,LEEDS,2,,\n"
        "published,NOF2025,Q3 2025/26,RR8,LEEDS,2,140,134\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as caught:
        read_segments_file(segments)
    assert lines_of(caught.value) == [2, 3, 4]


def test_an_alias_for_an_unknown_organisation_is_refused_whole(seeded_app: Application, tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,ods_code\nLeeds Big One,RR8\nNowhere,ZZZ99\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        seeded_app.importer.aliases(read_alias_file(path))
    assert lines_of(caught.value) == [3]
    assert seeded_app.segments.lookup("UHS").organisation is not None  # the old aliases still stand


@pytest.mark.parametrize(("written", "meant"), [("avg", "average_score"), ("financial_overide", "financial_override")])
def test_a_misnamed_column_is_refused_with_the_name_it_is_probably_meant_to_be(
    seeded_app: Application, tmp_path: Path, written: str, meant: str
) -> None:
    """Ignoring it would lose that field for every row (RR8's average or override gone from answers)."""
    source = (SEEDS / "published-segments-acute-2025-26-q3.csv").read_text(encoding="utf-8")
    header, rest = source.split("\n", 1)
    path = tmp_path / "segments.csv"
    path.write_text(header.replace(meant, written, 1) + "\n" + rest, encoding="utf-8")
    before = table_counts(seeded_app)
    with pytest.raises(ImportFileError) as caught:
        read_segments_file(path)
    assert lines_of(caught.value) == [1]
    message = str(caught.value)
    assert f"'{written}'" in message and (f"did you mean '{meant}'" in message or f"is '{written}' meant" in message)
    assert table_counts(seeded_app) == before
