"""Helpers that cut and alter NHS England's real metric file, for import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        if keep(row):
            writer.writerow(change(dict(row)))
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def q1_only(path: Path) -> Path:
    return write_nof(path, keep=lambda row: row["Quarter"] == "Q1 2025/26")
