"""Concerns about an organisation, how they were raised, and where they may go next.

A concern raised anonymously has no reporter at all; one raised confidentially has a reporter
only the Freedom to Speak Up guardian may see; one raised openly has a reporter its triagers see
(reference/nof.md §7.3, §7.6). The bot never changes a segment because of a concern; a concern
that meets a configured rule is flagged for the oversight lead to consider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Category(StrEnum):
    PATIENT_SAFETY = "patient_safety"
    GOVERNANCE = "governance_leadership"
    FINANCE = "finance"
    CULTURE = "culture_speaking_up"
    RECORDS = "records_information"
    FIT_AND_PROPER = "fit_and_proper_person"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.PATIENT_SAFETY: "Patient safety",
    Category.GOVERNANCE: "Governance and leadership",
    Category.FINANCE: "Finance",
    Category.CULTURE: "Culture and speaking up",
    Category.RECORDS: "Records and information",
    Category.FIT_AND_PROPER: "Fit and proper person (board member)",
    Category.OTHER: "Other",
}


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def guidance(self) -> str:
        return SEVERITY_GUIDANCE[self]


SEVERITY_GUIDANCE = {
    Severity.LOW: "Worth knowing; no one is at risk now.",
    Severity.MEDIUM: "Needs looking into within weeks; a risk if left.",
    Severity.HIGH: "Needs attention within days: harm, loss or a serious failing is likely.",
    # Each at most 75 characters: Slack shows it whole as an option's description.
    Severity.CRITICAL: "Needs action now: people at risk of serious harm, or catastrophic failure.",
}


class RaisedAs(StrEnum):
    OPENLY = "openly"  # the reporter's identity is known to those who triage it
    CONFIDENTIALLY = "confidentially"  # identity kept apart, for the Freedom to Speak Up guardian only
    ANONYMOUSLY = "anonymously"  # no identity stored at all

    @property
    def keeps_identity(self) -> bool:
        return self is not RaisedAs.ANONYMOUSLY


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    ESCALATED = "escalated"  # to the regional team
    CLOSED = "closed"


# Where a concern may go from each state. Closed is final: concerns are never deleted by users,
# and a closed one is not reopened (a new concern is raised instead, with its own record).
MOVES = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.ESCALATED, Status.CLOSED}),
    Status.ACKNOWLEDGED: frozenset({Status.INVESTIGATING, Status.ESCALATED, Status.CLOSED}),
    Status.INVESTIGATING: frozenset({Status.ESCALATED, Status.CLOSED}),
    Status.ESCALATED: frozenset({Status.INVESTIGATING, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def may_move(current: Status, to: Status) -> bool:
    return to in MOVES[current]


@dataclass(frozen=True, slots=True)
class FlagRule:
    """Concerns of this category at this severity or worse are flagged for the oversight lead."""

    category: Category
    severity: Severity


def is_flagged(category: Category, severity: Severity, rules: Iterable[FlagRule]) -> bool:
    return any(category is rule.category and severity.rank >= rule.severity.rank for rule in rules)


@dataclass(frozen=True, slots=True)
class Concern:
    reference: str
    ods_code: str
    category: Category
    severity: Severity
    summary: str
    details: str
    raised_as: RaisedAs
    status: Status
    created_at: datetime
    occurred_on: date | None = None
    board_member_role: str | None = None
    board_member_name: str | None = None
    outcome: str | None = None
    flagged: bool = False


def reference_for(year: int, number: int) -> str:
    """C-2026-000123: the year it was filed and its number in the store."""
    return f"C-{year}-{number:06d}"
