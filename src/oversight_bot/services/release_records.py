"""What the store keeps of the release checks: each address fetched, each file version handled, the check run.

An address (a publication page or a file) keeps what the server last said identifies its version
(ETag, Last-Modified, for the next conditional GET), when it was checked and what was found. A file
version (an address and a checksum) is handled once: imported, found to change nothing, or refused
with the reason; the same bytes are never imported or reported twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oversight_bot.services.releases import Validators


class Outcome(StrEnum):
    """What the last look at an address found."""

    NOT_MODIFIED = "not_modified"  # 304 to a conditional GET
    FOUND = "found"  # a page read: its links matched
    UNCHANGED = "unchanged"  # downloaded, and the same bytes as a version already handled
    IMPORTED = "imported"
    NO_CHANGE = "no_change"  # new bytes, valid, but nothing the store did not hold
    REFUSED = "refused"  # failed validation or a limit: tried again only when it changes
    UNREACHABLE = "unreachable"  # no answer, or an error answer, after the retries: tried at the next check
    WOULD_IMPORT = "would_import"  # --dry-run: valid and new; nothing was written


class FileStatus(StrEnum):
    IMPORTED = "imported"
    NO_CHANGE = "no_change"
    ALREADY_IMPORTED = "already_imported"  # its checksum was imported before (by hand, or by the seeds)
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class UrlRecord:
    url: str
    source: str
    role: str  # "page" or "file"
    kind: str | None = None  # a file's FileKind
    validators: Validators = field(default_factory=Validators)
    checked_at: datetime | None = None
    outcome: Outcome | None = None
    detail: str | None = None
    sha256: str | None = None  # the last version's checksum (or a refused download's fingerprint)
    links: tuple[tuple[str, str], ...] = ()  # a page's matched links: (url, kind)


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    """What an imported file held and what its import announced, for the admins' summary."""

    quarters: tuple[str, ...] = ()
    organisations: int = 0
    moves: int = 0  # segment moves announced
    other_events: int = 0  # deficit flags set or cleared, segment 5 entered or left
    changes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileRecord:
    url: str
    sha256: str
    source: str
    kind: str
    name: str
    size: int
    fetched_at: datetime
    status: FileStatus
    reason: str | None = None
    import_id: int | None = None
    summary: ReleaseSummary = field(default_factory=ReleaseSummary)
    reported_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckRun:
    """The one check that may run at a time (a lease), and when the last one started and finished."""

    holder: str | None = None
    lease_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
