"""The release sources the tests watch: the defaults of seeds/releases.toml (NHS England's page with its
documented file-name patterns, ODS's zip files), with their host replaced by the publisher stand-in's."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from tests.conftest import SEEDS
from tests.publisher_standin import PublisherStandIn

DEFAULT_HOSTS = ("https://www.england.nhs.uk", "https://files.digital.nhs.uk")
NOF_PAGE = "/publication/nhs-oversight-framework-nhs-trust-performance-league-tables-process-and-results/"
ETR_ZIP = "/assets/ods/current/etr.zip"
SUCC_ZIP = "/assets/ods/current/succ.zip"


def default_sources() -> list[dict[str, Any]]:
    return list(tomllib.loads((SEEDS / "releases.toml").read_text(encoding="utf-8"))["source"])


def on_standin(source: dict[str, Any], publisher: PublisherStandIn) -> dict[str, Any]:
    moved = dict(source)
    for field in ("page", "file"):
        if field in moved:
            for host in DEFAULT_HOSTS:
                moved[field] = moved[field].replace(host, publisher.base_url)
    return moved


def write_sources(path: Path, sources: list[dict[str, Any]]) -> Path:
    """A releases file (TOML) of these sources; strings and lists written as JSON, which TOML reads alike."""
    lines = []
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            if key == "links":
                rules = ", ".join(
                    f"{{ pattern = {json.dumps(r['pattern'])}, kind = {json.dumps(r['kind'])} }}" for r in value
                )
                lines.append(f"links = [{rules}]")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def standin_sources(path: Path, publisher: PublisherStandIn, *, page: bool = True, ods: bool = False) -> Path:
    """The default sources on the stand-in: NHS England's page, and (with `ods`) ODS's etr.zip."""
    chosen = [
        on_standin(source, publisher)
        for source in default_sources()
        if (page and "page" in source) or (ods and source.get("kind") == "ods-etr")
    ]
    return write_sources(path, chosen)
