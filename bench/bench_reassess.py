"""Import plus reassessment of NHS England's real file; reassessment of a synthetic 50,000-provider quarter.

Each figure is the best of a few runs (time), and one run under tracemalloc (peak Python memory).
Goal: 50,000 providers with 20 metrics reassessed in under 2 seconds.
Run alone: .venv/bin/python bench/bench_reassess.py
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oversight_bot.bootstrap import build
from oversight_bot.config import Settings
from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.organisations import Organisation, TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.ingest.frameworks import read_frameworks
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.services.reassess import derive_quarter

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
NOF_FILE = SEEDS / "nof-mental-health-and-community-2025-26-q1-q2.csv"
PROVIDERS, METRICS = 50_000, 20
QUARTER = Quarter(2025, 3)


def measure(label: str, work: Callable[[], object], runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<62} best {min(times):7.3f} s   peak {peak / 2**20:7.1f} MiB   (runs {runs})")


def import_real_file() -> None:
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    app = build(Settings(database_url=f"sqlite:///{folder / 'bench.db'}", seed_on_first_use=False))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    report = app.importer.nof(read_nof_file(NOF_FILE))
    assert report.changes["assessments"] == 244
    app.close()


def synthetic_quarter(
    rng: random.Random,
) -> tuple[dict[str, dict[str, Decimal]], dict[str, Assessment], dict[str, Organisation]]:
    """Scores, flags (as published results carry them) and trust types for a made-up quarter."""
    tables = list(TrustType)
    hundredths = [Decimal(n).scaleb(-2) for n in range(100, 401)]
    scores, published, organisations = {}, {}, {}
    for n in range(PROVIDERS):
        code = f"P{n:05d}"
        scores[code] = {f"OF1{m:03d}": rng.choice(hundredths) for m in range(METRICS)}
        organisations[code] = Organisation(code, f"PROVIDER {n}", trust_type=tables[n % 3])
        override, programme = rng.random() < 0.25, rng.random() < 0.02
        if override or programme:
            published[code] = Assessment(
                code,
                QUARTER,
                "NOF2025",
                Basis.PUBLISHED,
                segment=3,
                financial_override=override,
                in_improvement_programme=programme,
            )
    return scores, published, organisations


def main() -> None:
    print(f"Python {sys.version.split()[0]}; {PROVIDERS:,} synthetic providers x {METRICS} metric scores")
    measure("read + import + reassess the real NOF file (4,502 rows, SQLite)", import_real_file)
    frameworks = read_frameworks(SEEDS / "frameworks.toml")
    rng = random.Random(7)
    scores, published, organisations = synthetic_quarter(rng)
    derivation = derive_quarter(QUARTER, scores, published, organisations, frameworks)
    assert len(derivation.assessments) == PROVIDERS
    measure(
        "reassess a synthetic quarter (the use case: steps 2-6 + reasons)",
        lambda: derive_quarter(QUARTER, scores, published, organisations, frameworks),
    )
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
