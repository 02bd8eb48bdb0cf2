"""What the importers hand to the import use cases: validated, typed contents of one source file."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oversight_bot.domain.assessments import Basis
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import Organisation, TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.register import IcbMembership, Succession


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    sha256: str
    rows: int


@dataclass(frozen=True, slots=True)
class PublishedSummary:
    """NHS England's own result for a provider-quarter (the OF5xxx rows)."""

    adjusted_segment: int
    average_score: Decimal
    unadjusted_segment: int
    financial_override: bool
    final_segment: int | None = None
    in_improvement_programme: bool | None = None
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class NofProvider:
    """Everything one NOF metric file says about one provider in one quarter."""

    ods_code: str
    quarter: Quarter
    name: str
    region: str
    trust_type: TrustType
    trust_subtype: str
    values: tuple[MetricValue, ...]
    scores: tuple[MetricScore, ...]
    domain_results: tuple[DomainResult, ...]
    summary: PublishedSummary


@dataclass(frozen=True, slots=True)
class NofRelease:
    source: SourceFile
    metrics: tuple[MetricInfo, ...]
    providers: tuple[NofProvider, ...]
    layout: str = ""  # which of NHS England's layouts the file is in

    @property
    def quarters(self) -> list[Quarter]:
        return sorted({p.quarter for p in self.providers})


@dataclass(frozen=True, slots=True)
class OrganisationList:
    source: SourceFile
    organisations: tuple[Organisation, ...]


@dataclass(frozen=True, slots=True)
class SuccessionList:
    source: SourceFile
    successions: tuple[Succession, ...]


@dataclass(frozen=True, slots=True)
class MembershipList:
    source: SourceFile
    memberships: tuple[IcbMembership, ...]


@dataclass(frozen=True, slots=True)
class AliasList:
    source: SourceFile
    aliases: tuple[tuple[int, str, str], ...]  # (line, alias, ODS code)


@dataclass(frozen=True, slots=True)
class PublishedSegment:
    """A published result or a decision from a segments file (one row)."""

    line: int
    basis: Basis
    framework: str | None  # None: the framework that covers the quarter (league tables do not say)
    quarter: Quarter
    ods_code: str
    name: str | None  # None: as the store names it (a secondary source may give codes only)
    trust_type: TrustType | None
    trust_subtype: str | None
    region: str | None
    segment: int
    adjusted_segment: int | None
    unadjusted_segment: int | None
    financial_override: bool | None
    in_improvement_programme: bool | None
    average_score: Decimal | None
    rank: int | None
    peer_count: int | None
    domain_results: tuple[DomainResult, ...]
    decided_by: str | None
    reason_codes: tuple[str, ...]
    source: str | None
    average_range: tuple[Decimal, Decimal] | None = None
    rank_range: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Publication:
    """Who published a file, when, and whether it is the publisher's own file or a secondary source's
    copy; the import records it, and every answer from the file says it."""

    publisher: str = "NHS England"
    published: str | None = None  # as the publisher dates it: "September 2025"
    secondary: bool = False


@dataclass(frozen=True, slots=True)
class PublishedSegmentList:
    source: SourceFile
    entries: tuple[PublishedSegment, ...]


# -- What a fetch of a publisher's page or file gives (docs/releases.md) ------------------------------


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said identifies the version it sent: sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None  # as the server wrote it (an HTTP date)


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # where it came from in the end (after any redirect)
    content: bytes
    content_type: str
    validators: Validators


@dataclass(frozen=True, slots=True)
class NotModified:
    """304: the server says it has not changed since the version named by the validators sent."""


# What a downloaded file is read into, by kind (ingest/downloads.py).
Batch = NofRelease | PublishedSegmentList | OrganisationList | SuccessionList
