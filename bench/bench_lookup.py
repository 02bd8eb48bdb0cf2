"""Lookup on the seeded store and on 50,000 synthetic names: median and p99 per kind of query, beside
the plain alternative (one rapidfuzz pass over every name), and the lookup quality on the real queries
kept in tests/integration/lookup/queries.csv.

Run alone: .venv/bin/python bench/bench_lookup.py
"""

from __future__ import annotations

import itertools
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process
from tests.integration.lookup.quality import GOAL, evaluate

from common import percentile, report, seeded_app, time_calls
from oversight_bot.domain.organisations import Organisation
from oversight_bot.services.lookup import OrganisationIndex

PLACES = [
    "Leeds",
    "York",
    "Bristol",
    "Bath",
    "Exeter",
    "Truro",
    "Leicester",
    "Derby",
    "Nottingham",
    "Lincoln",
    "Norwich",
    "Ipswich",
    "Colchester",
    "Luton",
    "Reading",
    "Oxford",
    "Swindon",
    "Salisbury",
    "Dorset",
    "Kent",
    "Medway",
    "Surrey",
    "Sussex",
    "Brighton",
    "Portsmouth",
    "Southampton",
    "Winchester",
    "Guildford",
    "Croydon",
    "Barnet",
    "Enfield",
    "Harrow",
    "Hillingdon",
    "Ealing",
    "Hounslow",
    "Kingston",
    "Richmond",
    "Lewisham",
    "Greenwich",
    "Bromley",
    "Bexley",
    "Essex",
    "Suffolk",
    "Norfolk",
    "Cambridge",
    "Peterborough",
    "Bedford",
    "Hertford",
    "Watford",
    "Stevenage",
    "Chelmsford",
    "Southend",
    "Basildon",
    "Birmingham",
    "Coventry",
    "Warwick",
    "Worcester",
    "Hereford",
    "Shrewsbury",
    "Telford",
    "Stafford",
    "Stoke",
    "Wolverhampton",
    "Walsall",
    "Dudley",
    "Manchester",
    "Salford",
    "Bolton",
    "Wigan",
    "Bury",
    "Rochdale",
    "Oldham",
    "Stockport",
    "Tameside",
    "Liverpool",
    "Wirral",
    "Chester",
    "Warrington",
    "Blackpool",
    "Preston",
    "Lancaster",
    "Carlisle",
    "Durham",
    "Newcastle",
    "Sunderland",
    "Gateshead",
    "Middlesbrough",
    "Hull",
    "Sheffield",
    "Bradford",
]
KINDS = ("Hospitals", "Community Health", "Healthcare", "Partnership", "Teaching Hospitals", "Mental Health", "Care")
SUFFIXES = ("NHS Trust", "NHS Foundation Trust", "University NHS Foundation Trust")


def synthetic(count: int, rng: random.Random) -> list[Organisation]:
    """Distinct names built from real place names, as a national list of providers would read."""
    names: set[str] = set()
    while len(names) < count:
        names.add(
            f"{rng.choice(PLACES)} {rng.choice(PLACES)} {rng.choice(PLACES)} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
        )
    return [Organisation(f"X{n:04X}", name.upper()) for n, name in enumerate(sorted(names))]


def misspell(text: str, rng: random.Random) -> str:
    words = text.split()
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) > 4:
        cut = rng.randrange(1, len(word) - 1)
        words[index] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def cycling(texts: list[str]) -> Callable[[], str]:
    endless: Iterator[str] = itertools.cycle(texts)
    return lambda: next(endless)


def timed(answer: Callable[[str], object], texts: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per call on the clock, and of this thread's own CPU time: on a shared machine the
    second leaves out the time other programs had the processor."""
    typed = cycling(texts)
    cpu: list[float] = []

    def call() -> None:
        started = time.thread_time()
        answer(typed())
        cpu.append(time.thread_time() - started)

    wall = time_calls(call, repeat, warmup=5)
    return wall, cpu[5:]


def both(label: str, samples: tuple[list[float], list[float]]) -> str:
    wall, cpu = samples
    return f"{report(label, wall)}   CPU p99 {percentile(cpu, 0.99) * 1e6:9.1f} us"


def run(label: str, organisations: list[Organisation], aliases: dict[str, set[str]], rng: random.Random) -> None:
    started = time.perf_counter()
    index = OrganisationIndex(organisations, aliases)
    built = time.perf_counter() - started
    tracemalloc.start()
    OrganisationIndex(organisations, aliases)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label}: {len(organisations)} organisations; index built in {built * 1000:.0f} ms, {peak / 2**20:.1f} MiB")
    sample = rng.sample(organisations, min(200, len(organisations)))
    kinds = {
        "ODS code": [o.ods_code.lower() for o in sample],
        "full name": [o.name.title() for o in sample],
        "first two words (often ambiguous)": [" ".join(o.name.split()[:2]) for o in sample],
        "misspelt words": [misspell(" ".join(o.name.split()[:3]), rng) for o in sample],
        "too short or too common (asks)": ["hi", "he", "NHS trust", "the", "St", "university hospitals"],
        "an unknown word (not found)": [f"Zqxv{n} {o.name.split()[0]} Hospital" for n, o in enumerate(sample)],
        "nothing close (every fallback runs)": [f"Zqxv{n} Plover{n}" for n in range(200)],
        "typeahead, a word and a half": [" ".join(o.name.split()[:2])[:-2] for o in sample],
    }
    repeat = 1000 if len(organisations) < 1000 else 200
    for kind, texts in kinds.items():
        answer = index.suggest if kind.startswith("typeahead") else index.lookup
        print(both(f"  {kind}", timed(answer, texts, repeat)))
    names = {o.ods_code: o.name.lower() for o in organisations}
    samples = timed(lambda text: process.extractOne(text, names, scorer=fuzz.WRatio), kinds["misspelt words"], repeat)
    print(both("  plain alternative: one rapidfuzz pass over every name", samples))


def main() -> None:
    rng = random.Random(20261122)
    app = seeded_app()
    reader = app.segments.reader()
    figure = evaluate(reader.lookup)
    print(f"Lookup quality on the seeded store: {figure} (goal {GOAL:.0%})")
    for miss in figure.misses:
        print(f"  miss: {miss}")
    aliases = {alias: set(codes) for alias, codes in reader.snapshot.aliases.items()}
    run("Seeded store (trusts, care trusts, ICBs)", list(reader.snapshot.organisations.values()), aliases, rng)
    app.close()
    run("Synthetic names", synthetic(50_000, rng), {}, rng)


if __name__ == "__main__":
    main()
