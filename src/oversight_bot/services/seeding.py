"""Load the seed data (real NHS England, ODS and ONS files in `seeds/`) into an empty store.

The seeds go through the same readers and import use cases as any production file, in the
order `seeds/seeds.toml` lists them (trusts and ICBs, NHS England's metric files, then published
results, decisions and aliases), each with its publisher. A seeding sets the baseline quietly:
it announces nothing, because nothing in it is news to anybody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from oversight_bot.services.imports import Importer, ImportReport
from oversight_bot.services.releases import (
    AliasList,
    MembershipList,
    NofRelease,
    OrganisationList,
    Publication,
    PublishedSegmentList,
    SuccessionList,
)


@dataclass(frozen=True, slots=True)
class SeedFile:
    name: str
    kind: str  # as `oversight import <kind>`
    publication: Publication
    as_of: date | None = None


@dataclass(frozen=True, slots=True)
class SeedReaders:
    """The file readers, handed in so that this use case does no parsing of its own."""

    manifest: Callable[[Path], list[SeedFile]]
    regions: Callable[[Path], dict[str, str]]
    ods: Callable[[Path, dict[str, str]], OrganisationList]
    icbs: Callable[[Path], OrganisationList]
    succ: Callable[[Path], SuccessionList]
    memberships: Callable[[Path], MembershipList]
    aliases: Callable[[Path], AliasList]
    nof: Callable[[Path], NofRelease]
    segments: Callable[[Path], PublishedSegmentList]
    league: Callable[[Path], PublishedSegmentList]


def seed(importer: Importer, seeds: Path, read: SeedReaders) -> list[ImportReport]:
    quiet = importer.quietly()
    regions = read.regions(seeds / "regions.csv")
    reports = [_load(quiet, seeds / entry.name, entry, read, regions) for entry in read.manifest(seeds / "seeds.toml")]
    importer.after_commit()  # the readers rebuild once, for the whole baseline
    return reports


def _load(importer: Importer, path: Path, entry: SeedFile, read: SeedReaders, regions: dict[str, str]) -> ImportReport:
    match entry.kind:
        case "ods":
            return importer.organisations(read.ods(path, regions), "ods", entry.publication, entry.as_of)
        case "succ":
            return importer.successions(read.succ(path), entry.publication)
        case "memberships":
            return importer.memberships(read.memberships(path), entry.publication)
        case "icbs":
            return importer.organisations(read.icbs(path), "icbs", entry.publication)
        case "nof":
            return importer.nof(read.nof(path), publication=entry.publication)
        case "league":
            return importer.segments(read.league(path), entry.publication)
        case "segments":
            return importer.segments(read.segments(path), entry.publication)
        case "aliases":
            return importer.aliases(read.aliases(path), entry.publication)
    raise ValueError(f"unknown kind of seed file {entry.kind!r}")
