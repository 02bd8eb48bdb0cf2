"""The framework definitions file (`seeds/frameworks.toml`) read into the rules core's data types."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from oversight_bot.domain.frameworks import Domain, FrameworkCatalogue, FrameworkVersion, Method
from oversight_bot.domain.quarters import Quarter
from oversight_bot.errors import ConfigurationError


def read_frameworks(path: Path, nof2026_thresholds: str | None = None) -> FrameworkCatalogue:
    """Load every framework version; `nof2026_thresholds` ("2.05,2.35,2.70") overrides the file's."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        versions = [_version(entry) for entry in data.get("framework", [])]
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError, InvalidOperation) as error:
        raise ConfigurationError(f"{path}: cannot read the framework definitions: {error}") from error
    if nof2026_thresholds:
        versions = [_with_thresholds(v, nof2026_thresholds) if v.code == "NOF2026" else v for v in versions]
    return FrameworkCatalogue(tuple(versions))


def parse_thresholds(text: str) -> tuple[Decimal, Decimal, Decimal]:
    """Three rising averages: the highest in segments 1, 2 and 3."""
    parts = [Decimal(part.strip()) for part in text.split(",") if part.strip()]
    if len(parts) != 3 or not parts[0] < parts[1] < parts[2]:
        raise ConfigurationError(f"thresholds must be three rising numbers like '2.05,2.35,2.70', not {text!r}")
    return parts[0], parts[1], parts[2]


def _with_thresholds(version: FrameworkVersion, text: str) -> FrameworkVersion:
    note = "Thresholds set by OVERSIGHT_NOF2026_THRESHOLDS (configuration, not an NHS England publication)."
    return replace(version, thresholds=parse_thresholds(text), thresholds_note=note)


def _version(entry: dict[str, Any]) -> FrameworkVersion:
    thresholds = entry.get("thresholds") or None
    return FrameworkVersion(
        code=entry["code"],
        name=entry["name"],
        method=Method(entry["method"]),
        first_quarter=Quarter.parse(entry["first_quarter"]),
        last_quarter=Quarter.parse(entry["last_quarter"]) if entry.get("last_quarter") else None,
        highest_segment=int(entry.get("highest_segment", 4)),
        excluded_from_average=frozenset(entry.get("excluded_from_average", ())),
        weights={metric: Fraction(text) for metric, text in entry.get("weights", {}).items()},
        financial_override_floor=entry.get("financial_override_floor"),
        improvement_programme_segment=entry.get("improvement_programme_segment"),
        thresholds=parse_thresholds(",".join(thresholds)) if thresholds else None,
        thresholds_note=entry.get("thresholds_note", ""),
        domains=tuple(Domain(d["name"], d["score_id"], d["segment_id"]) for d in entry.get("domains", ())),
        source=entry.get("source", ""),
    )
