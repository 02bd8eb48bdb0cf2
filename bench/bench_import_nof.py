"""Importing NHS England's metric files in the first-release layout (the real acute file, and a
synthetic file of 50,000 providers in the same layout), and ODS's successor file.

Goal: the acute file (7,265 rows, 134 trusts) read, imported and reassessed in under 2 seconds.
Each figure is the best of a few runs; memory is the process's peak RSS at the end.
Run alone: .venv/bin/python bench/bench_import_nof.py [--providers N]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from oversight_bot.bootstrap import build
from oversight_bot.config import Settings
from oversight_bot.ingest.nof import FIRST_RELEASE_COLUMNS, read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file, read_succ_file

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ACUTE = SEEDS / "nof-acute-2025-26-q1.csv"
SCORES = ("OF1003", "OF1010", "OF1013", "OF1020", "OF1048", "OF1061", "OF1080", "OF1082")
REGIONS = ("London", "South East", "South West", "East", "Midlands", "North West", "North East")


def best_of(label: str, work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    print(f"{label:<66} best {min(times):7.3f} s   (runs {runs})")
    return min(times)


def import_into_fresh_store(path: Path, with_ods: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    app = build(Settings(database_url=f"sqlite:///{folder / 'bench.db'}", seed_on_first_use=False))
    if with_ods:
        regions = read_regions_file(SEEDS / "regions.csv")
        app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", regions), "ods")
    report = app.importer.nof(read_nof_file(path))
    assert report.changed
    app.close()


def import_successions() -> None:
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    app = build(Settings(database_url=f"sqlite:///{folder / 'bench.db'}", seed_on_first_use=False))
    assert app.importer.successions(read_succ_file(SEEDS / "ods-succ-2026-05.csv")).changed
    app.close()


def synthetic_first_release(path: Path, providers: int, rng: random.Random) -> int:
    """NHS England's first-release layout (no Quarter column, "percent", "North East"), made up."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIRST_RELEASE_COLUMNS)
    rows = 0
    for n in range(providers):
        code, name, region = _code(n), f"Synthetic Provider {n} NHS Trust", REGIONS[n % len(REGIONS)]
        head = [region, "Acute trust", "Acute - Large", code, name]
        writer.writerow([*head, "Access to services", "Elective care", "OF0003", "Waits over 52 weeks", "Jun-25",
                         "percent", f"{rng.uniform(0, 9):.2f}", "2.4", "1.33", "3.32", f"{n % 134 + 1}.0"])  # fmt: skip
        scores = [round(rng.uniform(1, 4), 2) for _ in SCORES]
        for metric, score in zip(SCORES, scores, strict=True):
            writer.writerow([*head, "Patient safety", "Patient safety", metric, metric, "Q1 2025/26", "score",
                             f"{score:.2f}", "", "", "", ""])  # fmt: skip
        average = sum(scores) / len(scores)
        segment = 1 + (average >= 2.08) + (average >= 2.34) + (average >= 2.61)
        summary = {"OF5000": segment, "OF5002": f"{average:.2f}", "OF5003": segment, "OF5004": 0}
        for metric, value in summary.items():
            writer.writerow([*head, "Summary", "Summary", metric, metric, "Q1 2025/26", "score" if metric == "OF5002"
                             else "flag" if metric == "OF5004" else "segment", f"{value}", "", "", "", ""])  # fmt: skip
        rows += 1 + len(SCORES) + len(summary)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return rows


def _code(n: int) -> str:
    """A made-up ODS-shaped code: Z and four base-36 characters (ODS codes run to 5 characters)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    for _ in range(4):
        n, rest = divmod(n, 36)
        text = digits[rest] + text
    return "Z" + text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; NHS England's first-release layout")
    best_of("read and validate the acute file (7,265 rows)", lambda: read_nof_file(ACUTE), runs=5)
    acute = best_of(
        "read + import + reassess the acute file (7,265 rows, 134 trusts, SQLite)",
        lambda: import_into_fresh_store(ACUTE, with_ods=True),
        runs=3,
    )
    print(f"{'  goal: under 2 s':<66} {'met' if acute < 2 else 'NOT MET'}")
    best_of("read + import ODS's successor file (11,537 rows) into a fresh store", import_successions, runs=3)
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    synthetic = folder / "synthetic-first-release.csv"
    rows = synthetic_first_release(synthetic, args.providers, random.Random(7))
    size = synthetic.stat().st_size / 2**20
    best_of(
        f"read and validate {args.providers:,} providers ({rows:,} rows, {size:.0f} MiB)",
        lambda: read_nof_file(synthetic),
        runs=1,
    )
    best_of(
        f"read + import + reassess {args.providers:,} providers (SQLite)",
        lambda: import_into_fresh_store(synthetic, with_ods=False),
        runs=1,
    )
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
