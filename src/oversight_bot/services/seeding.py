"""Load the seed data (real NHS England, ODS and ONS files in `seeds/`) into an empty store.

The seeds go through the same readers and import use cases as any production file, in the
order the data depends on: trusts and ICBs, aliases, NHS England's metric file, then the
published acute results and earlier decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oversight_bot.services.imports import Importer, ImportReport
from oversight_bot.services.releases import (
    AliasList,
    NofRelease,
    OrganisationList,
    PublishedSegmentList,
)


@dataclass(frozen=True, slots=True)
class SeedReaders:
    """The file readers, handed in so that this use case does no parsing of its own."""

    regions: Callable[[Path], dict[str, str]]
    ods: Callable[[Path, dict[str, str]], OrganisationList]
    icbs: Callable[[Path], OrganisationList]
    aliases: Callable[[Path], AliasList]
    nof: Callable[[Path], NofRelease]
    segments: Callable[[Path], PublishedSegmentList]


def seed(importer: Importer, seeds: Path, read: SeedReaders) -> list[ImportReport]:
    regions = read.regions(seeds / "regions.csv")
    reports = [
        importer.organisations(read.ods(seeds / "ods-etr.csv", regions), "ods"),
        importer.organisations(read.icbs(seeds / "icbs.csv"), "icbs"),
    ]
    # NHS England's files add trusts that ODS's trust file lacks (care trusts), so they come
    # before the aliases, which may name them.
    reports += [importer.nof(read.nof(path)) for path in sorted(seeds.glob("nof-*.csv"))]
    reports += [importer.segments(read.segments(path)) for path in sorted(seeds.glob("published-segments-*.csv"))]
    reports.append(importer.segments(read.segments(seeds / "decisions.csv")))
    reports.append(importer.aliases(read.aliases(seeds / "aliases.csv")))
    return reports
