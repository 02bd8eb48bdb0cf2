"""What a release check costs, beside the plain alternative in the same run.

1. Nothing new (the worker's every check): NHS England's page and its file answered `304`, through
   the release check (conditional GETs, records in the store), beside a bare httpx client sending
   the same two conditional GETs and keeping nothing.
2. A new release: NHS England's cumulative mental health file (Q1-Q4, 2.3 MB) found on the page,
   downloaded, validated and imported, beside `oversight import nof` of the same file (read and
   import, in process), each on a fresh copy of the seeded store.

Over real HTTP on 127.0.0.1 (the tests' stand-in publisher), SQLite.
Run alone: .venv/bin/python bench/bench_release_check.py [rounds]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
from tests.nof_files import write_cumulative
from tests.publisher_standin import PublisherStandIn
from tests.release_sources import NOF_PAGE, standin_sources

from oversight_bot.bootstrap import Application, build, release_checks
from oversight_bot.config import Settings
from oversight_bot.ingest.nof import read_nof_file

FILE = "/wp-content/uploads/2026/05/nhs-oversight-framework-mental-health-and-community-trust-data.csv"


def app_on(template: Path, folder: Path, sources: Path) -> Application:
    copy = folder / f"store-{time.monotonic_ns()}.db"
    shutil.copy(template, copy)
    settings = Settings(database_url=f"sqlite:///{copy}", releases_file=sources, releases_allow_local_http=True)
    return build(settings)


def median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:8.1f} ms   best {min(samples) * 1000:8.1f} ms"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    folder = Path(tempfile.mkdtemp(prefix="oversight-bench-releases-"))
    template = folder / "seeded.db"
    build(Settings(database_url=f"sqlite:///{template}")).close()
    publisher = PublisherStandIn()
    manual = write_cumulative(folder / "manual.csv")
    publisher.put(FILE, manual.read_bytes())
    publisher.page(NOF_PAGE, [FILE])
    sources = standin_sources(folder / "releases.toml", publisher)

    # 2. a new release, then (on the store it leaves) 1. nothing new
    checked, imported = [], []
    for _ in range(rounds):
        app = app_on(template, folder, sources)
        checks = release_checks(app, {}, holder="bench")
        start = time.perf_counter()
        checks.check()
        checked.append(time.perf_counter() - start)
        checks.close()
        app.close()
        plain = app_on(template, folder, sources)
        start = time.perf_counter()
        plain.importer.nof(read_nof_file(manual))
        imported.append(time.perf_counter() - start)
        plain.close()

    app = app_on(template, folder, sources)
    checks = release_checks(app, {}, holder="bench")
    checks.check()
    quiet, bare = [], []
    client = httpx.Client()
    validators = {}
    for path in (NOF_PAGE, FILE):
        response = client.get(publisher.url(path))
        validators[path] = {"If-None-Match": response.headers["etag"]}
    for _ in range(rounds * 20):
        start = time.perf_counter()
        checks.check()
        quiet.append(time.perf_counter() - start)
        start = time.perf_counter()
        for path, headers in validators.items():
            assert client.get(publisher.url(path), headers=headers).status_code == 304
        bare.append(time.perf_counter() - start)
    checks.close()
    client.close()
    app.close()
    publisher.close()

    print(f"release check, SQLite, real HTTP on 127.0.0.1, {rounds} rounds")
    print(f"{'a new release: found, downloaded, validated, imported':<58} {median_ms(checked)}")
    print(f"{'  plain: oversight import nof of the same file':<58} {median_ms(imported)}")
    print(f"{'nothing new: the page and the file answered 304':<58} {median_ms(quiet)}")
    print(f"{'  plain: the same conditional GETs, bare httpx':<58} {median_ms(bare)}")


if __name__ == "__main__":
    main()
