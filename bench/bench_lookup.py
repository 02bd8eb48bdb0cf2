"""Lookup over the seeded organisations and over 50,000 synthetic names: median and p99 per kind of query.

Run alone: .venv/bin/python bench/bench_lookup.py
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report, time_calls
from oversight_bot.domain.organisations import Organisation
from oversight_bot.ingest.organisations import read_alias_file, read_ods_file, read_regions_file
from oversight_bot.services.lookup import OrganisationIndex

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
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
    codes = iter([o.ods_code.lower() for o in sample] * 50)
    names = iter([o.name.title() for o in sample] * 50)
    words = iter([" ".join(o.name.split()[:2]) for o in sample] * 50)
    typos = iter([misspell(" ".join(o.name.split()[:3]), rng) for o in sample] * 50)
    nothing = iter([f"Zqxv{n} Plover{n}" for n in range(10_000)])
    repeat = 1000 if len(organisations) < 1000 else 200
    print(report("  ODS code", time_calls(lambda: index.lookup(next(codes)), repeat, warmup=5)))
    print(report("  full name", time_calls(lambda: index.lookup(next(names)), repeat, warmup=5)))
    print(
        report("  first two words (often ambiguous)", time_calls(lambda: index.lookup(next(words)), repeat, warmup=5))
    )
    print(report("  misspelt words", time_calls(lambda: index.lookup(next(typos)), repeat, warmup=5)))
    print(
        report(
            "  nothing close (every fallback runs)", time_calls(lambda: index.lookup(next(nothing)), repeat, warmup=5)
        )
    )


def main() -> None:
    rng = random.Random(20261122)
    regions = read_regions_file(SEEDS / "regions.csv")
    seeded = list(read_ods_file(SEEDS / "ods-etr.csv", regions).organisations)
    aliases: dict[str, set[str]] = {}
    for _, alias, code in read_alias_file(SEEDS / "aliases.csv").aliases:
        aliases.setdefault(alias, set()).add(code)
    run("Seeded ODS trusts", seeded, aliases, rng)
    run("Synthetic names", synthetic(50_000, rng), {}, rng)


if __name__ == "__main__":
    main()
