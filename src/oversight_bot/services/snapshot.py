"""The read model behind chat answers: everything a reply needs, held in memory per data version.

A `/segment` answer must come back well inside Slack's 3 seconds, and the bar is under a
millisecond. The data changes only when an import commits, so the service keeps one snapshot
and checks a single number (the latest import id) per request to know whether it is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from oversight_bot.domain.assessments import Assessment, Basis, reported
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricValue
from oversight_bot.domain.organisations import Organisation
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.register import FormerName, IcbMembership, Succession


@dataclass(frozen=True)
class Snapshot:
    version: int
    organisations: Mapping[str, Organisation]
    aliases: Mapping[str, set[str]]
    assessments: Mapping[str, list[Assessment]]  # per ODS code, every basis, oldest first
    domain_results: Mapping[tuple[str, Quarter], list[DomainResult]]
    scores: Mapping[tuple[str, Quarter], dict[str, Decimal]]
    metrics: Mapping[str, MetricInfo]
    values: Mapping[tuple[str, Quarter], list[MetricValue]] = field(default_factory=dict)
    register: Register = field(default_factory=lambda: Register())
    reported_history: dict[str, list[Assessment]] = field(init=False)

    def __post_init__(self) -> None:
        history = {code: _reported_per_quarter(items) for code, items in self.assessments.items()}
        object.__setattr__(self, "reported_history", history)

    def latest(self, code: str) -> Assessment | None:
        history = self.reported_history.get(code)
        return history[-1] if history else None

    def assessment(self, code: str, quarter: Quarter, basis: Basis) -> Assessment | None:
        return next((a for a in self.assessments.get(code, []) if a.quarter == quarter and a.basis is basis), None)


@dataclass(frozen=True)
class Register:
    """The organisation register's history, indexed for answers: successions both ways, former
    names and ICB memberships per organisation."""

    successions: tuple[Succession, ...] = ()
    former_names: Mapping[str, list[FormerName]] = field(default_factory=dict)
    memberships: Mapping[str, list[IcbMembership]] = field(default_factory=dict)
    successors: dict[str, list[Succession]] = field(init=False)  # by predecessor
    predecessors: dict[str, list[Succession]] = field(init=False)  # by successor

    def __post_init__(self) -> None:
        successors: dict[str, list[Succession]] = {}
        predecessors: dict[str, list[Succession]] = {}
        for succession in self.successions:
            successors.setdefault(succession.predecessor, []).append(succession)
            predecessors.setdefault(succession.successor, []).append(succession)
        object.__setattr__(self, "successors", successors)
        object.__setattr__(self, "predecessors", predecessors)


def _reported_per_quarter(assessments: list[Assessment]) -> list[Assessment]:
    by_quarter: dict[Quarter, list[Assessment]] = {}
    for assessment in assessments:
        by_quarter.setdefault(assessment.quarter, []).append(assessment)
    chosen = (reported(items) for _, items in sorted(by_quarter.items()))
    return [a for a in chosen if a is not None]


class SnapshotSource(Protocol):
    def version(self) -> int: ...
    def load(self) -> Snapshot: ...
