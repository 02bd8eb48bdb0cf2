"""The seeds' manifest (`seeds/seeds.toml`): which files the embedded default loads, in what order,
and who published each."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.services.releases import Publication
from oversight_bot.services.seeding import SeedFile


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["ods", "icbs", "succ", "memberships", "nof", "league", "segments", "aliases"]
    publisher: str = Field(min_length=1, max_length=200)
    published: str | None = Field(default=None, max_length=60)
    secondary: bool = False
    as_of: date | None = None  # an ODS trust file: the day it describes


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: list[_Entry]


def read_seed_manifest(path: Path) -> list[SeedFile]:
    try:
        manifest = _Manifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise ImportFileError(path.name, [FileProblem(None, f"not a valid seeds manifest: {error}")]) from None
    return [
        SeedFile(entry.name, entry.kind, Publication(entry.publisher, entry.published, entry.secondary), entry.as_of)
        for entry in manifest.file
    ]
