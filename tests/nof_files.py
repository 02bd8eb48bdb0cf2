"""Helpers that cut and alter NHS England's real metric file, for import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.conftest import NOF_FILE

Row = dict[str, str]


def nof_rows() -> tuple[list[str], list[Row]]:
    with NOF_FILE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_nof(
    path: Path, keep: Callable[[Row], bool] = lambda row: True, change: Callable[[Row], Row] = lambda row: row
) -> Path:
    """Write the real file's rows (filtered, changed) in NHS England's layout: BOM, CRLF."""
    header, rows = nof_rows()
    return write_as_nhs_england(path, header, (change(dict(row)) for row in rows if keep(row)))


def write_as_nhs_england(path: Path, header: list[str], rows: Iterable[Row]) -> Path:
    """Rows written as NHS England writes its files: UTF-8 with a BOM, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def q1_only(path: Path) -> Path:
    return write_nof(path, keep=lambda row: row["Quarter"] == "Q1 2025/26")


# -- NHS England's acute file, in its first-release layout (no Quarter column) -----------------------

ACUTE_FILE = NOF_FILE.parent / "nof-acute-2025-26-q1.csv"


def acute_rows() -> tuple[list[str], list[Row]]:
    with ACUTE_FILE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_acute(
    path: Path,
    keep: Callable[[Row], bool] = lambda row: True,
    change: Callable[[Row], Row] = lambda row: row,
    header: Callable[[list[str]], list[str]] = lambda columns: columns,
) -> Path:
    """The real acute file's rows (filtered, changed, columns renamed or dropped), as NHS England
    writes it: BOM, CRLF."""
    columns, rows = acute_rows()
    return write_as_nhs_england(path, header(columns), (change(dict(row)) for row in rows if keep(row)))


def line_of(path: Path, predicate: Callable[[Row], bool]) -> int:
    """The file line (1-based, the header is line 1) of the first row that matches."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if predicate(row):
                return number
    raise AssertionError("no row matches")


# -- A cumulative Q1-Q4 file built from the real Q1-Q2 rows -------------------------------------------

Q3, Q4 = "Q3 2025/26", "Q4 2025/26"
# Summary values changed in the built Q3 and Q4 (from the real Q2 values; segment 5 is not published
# in Q3 and Q4, as NHS England did not publish OF5005/OF5007 after Q2):
#  RW1 adjusted 3 -> 2 in Q3 (published move 3 -> 2; it was in segment 5 in Q2);
#  RHA unchanged (4; in segment 5 in Q2): no move;
#  RY2 unadjusted 2 -> 3 in Q3, deficit flag still set: the override no longer changes its segment;
#  RP7 the same in Q4; RDY 2 -> 3 in Q4; R1A newly flagged in Q4, staying in 3;
#  TAD (a care trust, West Yorkshire) 4 -> 3 in Q3; RDR (whose ICB QNX merged into S9B9J on
#  1 April 2026) 1 -> 2 in Q3.
CHANGES: dict[tuple[str, str], dict[str, str]] = {
    ("RW1", Q3): {"OF5000": "2.0", "OF5003": "2.0"},
    ("TAD", Q3): {"OF5000": "3.0", "OF5003": "3.0"},
    ("RDR", Q3): {"OF5000": "2.0", "OF5003": "2.0"},
    ("RY2", Q3): {"OF5003": "3.0"},
    ("RY2", Q4): {"OF5003": "3.0"},
    ("RP7", Q4): {"OF5003": "3.0"},
    ("RDY", Q4): {"OF5000": "3.0", "OF5003": "3.0"},
    ("R1A", Q4): {"OF5004": "1.0"},
}
for _code in ("RW1", "TAD", "RDR"):
    CHANGES[(_code, Q4)] = CHANGES[(_code, Q3)]


def cumulative_rows(quarters: tuple[str, ...] = ("Q1 2025/26", "Q2 2025/26", Q3, Q4)) -> tuple[list[str], list[Row]]:
    """Q1 and Q2 as published, then Q3 and Q4 as copies of Q2 without segment 5, changed as CHANGES says."""
    header, rows = nof_rows()
    q2 = [row for row in rows if row["Quarter"] == "Q2 2025/26"]
    built = [row for row in rows if row["Quarter"] in quarters]
    for quarter in (Q3, Q4):
        for row in q2:
            if row["Metric_ID"] in ("OF5005", "OF5007"):
                continue
            copy = dict(row, Quarter=quarter)
            if copy["Reporting_date"] == "Q2 2025/26":
                copy["Reporting_date"] = quarter
            copy["Value"] = CHANGES.get((row["Trust_code"], quarter), {}).get(row["Metric_ID"], copy["Value"])
            if quarter in quarters:
                built.append(copy)
    return header, built


def write_cumulative(path: Path, quarters: tuple[str, ...] = ("Q1 2025/26", "Q2 2025/26", Q3, Q4)) -> Path:
    header, rows = cumulative_rows(quarters)
    return write_as_nhs_england(path, header, rows)


def expected_moves(path: Path) -> dict[tuple[str, str], set[str]]:
    """What each trust-quarter should announce, read from the file's own summary rows (an oracle
    independent of the bot): a move where the final segment differs if both quarters publish segment
    5, else where the adjusted segment does; the deficit flag set or cleared; into or out of segment 5
    only where both quarters publish it."""
    summary: dict[tuple[str, str], dict[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Metric_ID"].startswith("OF500"):
                summary.setdefault((row["Trust_code"], row["Quarter"]), {})[row["Metric_ID"]] = row["Value"]
    found: dict[tuple[str, str], set[str]] = {}
    order = ("Q1 2025/26", "Q2 2025/26", Q3, Q4)
    for (code, quarter), now in summary.items():
        index = order.index(quarter)
        if index == 0 or (code, order[index - 1]) not in summary:
            continue
        before = summary[(code, order[index - 1])]
        both = "OF5005" in before and "OF5005" in now
        key = "OF5005" if both else "OF5000"
        kinds = set()
        if float(before[key]) != float(now[key]):
            kinds.add("segment_changed")
        if float(before["OF5004"]) != float(now["OF5004"]):
            kinds.add("deficit_flag_set" if float(now["OF5004"]) == 1 else "deficit_flag_cleared")
        if both and float(before["OF5007"]) != float(now["OF5007"]):
            kinds.add("entered_segment_5" if float(now["OF5007"]) == 1 else "left_segment_5")
        if kinds:
            found[(code, quarter)] = kinds
    return found
