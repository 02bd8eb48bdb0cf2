"""Release checks: look at the configured sources, fetch what is new, import it as `oversight import` does.

A check fetches each source (a publication page, whose links are matched by documented file-name
patterns, or a file) with a conditional GET; each file that is new (a checksum not handled before
at its address) is read by the same reader and imported by the same `Importer` as the CLI, so it
is validated whole and imported all or nothing, and its moves go to the outbox for the alert
worker exactly as after a manual import. A file refused (it fails validation, or breaks a limit)
is recorded with the reason and tried again only when it changes. What was imported or refused is
told to the admins once, in one message per check.

One check runs at a time across every worker and command: a lease in the store (`claim_check`)
that only one can win. The worker checks when the last check started longer ago than the
configured interval (`check_if_due`); `oversight releases check` checks now.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol

from oversight_bot.domain.sources import FileKind, Source, UrlPolicy, file_name, upload_month
from oversight_bot.errors import FetchFailed, FetchRefused, FileProblem, ImportFileError
from oversight_bot.services.ports import Clock, UnitOfWork
from oversight_bot.services.release_records import (
    CheckRun,
    FileRecord,
    FileStatus,
    Outcome,
    ReleaseSummary,
    UrlRecord,
)
from oversight_bot.services.releases import (
    Batch,
    Fetched,
    NofRelease,
    NotModified,
    OrganisationList,
    Publication,
    PublishedSegmentList,
    SuccessionList,
    Validators,
)

if TYPE_CHECKING:  # the importer's modules take a while to load; a status answer needs none of them
    from oversight_bot.services.imports import Importer, ImportReport

logger = logging.getLogger(__name__)

# Renewed before each file, so it must outlast one file's worst fetch (ingest/web.py's limits: three
# tries of up to 10 minutes each and the waits between, 32 minutes) and its import; a worker that
# dies leaves it to run out, and the next check is at most this late.
LEASE = timedelta(hours=1)
ODS = "NHS England Organisation Data Service (ODS)"  # as seeds/seeds.toml names the publisher
DownloadProgress = Callable[[str, int, int | None], None]  # file name, bytes so far, whole size if known


class Fetcher(Protocol):
    """Pages and files over https (ingest/web.py): `expect` is page, csv or zip."""

    def fetch(
        self, url: str, known: Validators | None, expect: str, progress: Callable[[int, int | None], None] | None = None
    ) -> Fetched | NotModified: ...
    def links(self, page: Fetched) -> list[str]: ...
    def close(self) -> None: ...


# The downloaded bytes read and validated by the reader of their kind (ingest/downloads.py):
# (kind, file name, bytes, the member to take from a zip archive) -> contents; ImportFileError if bad,
# FetchFailed if the bytes could not be put where the reader reads them (a full disk).
Unpack = Callable[[FileKind, str, bytes, str | None], Batch]
TellAdmins = Callable[[list[FileRecord]], bool]  # True once the admins' channel has the message


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What a check found at one file's address."""

    source: str
    url: str
    name: str
    kind: FileKind
    outcome: Outcome
    detail: str | None = None  # why it was refused or could not be fetched
    record: FileRecord | None = None  # the version handled now, or before (unchanged)
    summary: ReleaseSummary | None = None  # --dry-run: what it holds


@dataclass(frozen=True, slots=True)
class SourceCheck:
    source: Source
    outcome: Outcome  # a page's own (found, not modified, unreachable), or its file's
    detail: str | None = None
    files: tuple[FileCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckReport:
    ran: bool  # False: another check was running (`running` says whose)
    dry_run: bool = False
    sources: tuple[SourceCheck, ...] = ()
    told: tuple[FileRecord, ...] = ()  # what this check told the admins
    running: CheckRun | None = None

    @property
    def files(self) -> list[FileCheck]:
        return [file for source in self.sources for file in source.files]

    @property
    def troubled(self) -> bool:
        """Something was refused or could not be fetched in this check."""
        bad = (Outcome.REFUSED, Outcome.UNREACHABLE)
        return any(s.outcome in bad for s in self.sources) or any(f.outcome in bad for f in self.files)


class ReleaseChecks:
    def __init__(
        self,
        sources: Sequence[Source],
        policy: UrlPolicy,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        importer: Importer,
        fetcher: Fetcher,
        unpack: Unpack,
        *,
        holder: str,
        tell_admins: TellAdmins | None = None,
        every: timedelta | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.sources = tuple(sources)
        self.policy = policy
        self.uow = uow
        self.clock = clock
        self.importer = importer
        self.fetcher = fetcher
        self.unpack = unpack
        self.holder = holder
        self.tell_admins = tell_admins
        self.every = every
        self.lease = lease

    def check(self, *, dry_run: bool = False, progress: DownloadProgress | None = None) -> CheckReport:
        """Check every source now. With `dry_run`, fetch and validate but write nothing and tell no one."""
        if dry_run:
            return CheckReport(True, True, self._check_sources(progress, dry_run=True))
        if not self._claim(due_before=None):
            return CheckReport(False, running=self.running())
        return self._checked(progress)

    def check_if_due(self) -> CheckReport | None:
        """Check when the last check (by any worker) started an interval ago or more; None otherwise."""
        if self.every is None or not self._claim(due_before=self.clock.now() - self.every):
            return None
        return self._checked(None)

    def running(self) -> CheckRun:
        with self.uow() as uow:
            return uow.releases.check_run()

    def close(self) -> None:
        self.fetcher.close()

    # -- one check ----------------------------------------------------------------------------

    def _checked(self, progress: DownloadProgress | None) -> CheckReport:
        try:
            sources = self._check_sources(progress, dry_run=False)
            told = self._tell()
        finally:
            with self.uow() as uow:
                uow.releases.end_check(self.holder, self.clock.now())
                uow.commit()
        return CheckReport(True, False, sources, told)

    def _claim(self, due_before: datetime | None) -> bool:
        now = self.clock.now()
        with self.uow() as uow:
            won = uow.releases.claim_check(self.holder, now, now + self.lease, due_before)
            uow.commit()
        return won

    def _renew(self) -> None:
        with self.uow() as uow:
            uow.releases.extend_check(self.holder, self.clock.now() + self.lease)
            uow.commit()

    def _check_sources(self, progress: DownloadProgress | None, *, dry_run: bool) -> tuple[SourceCheck, ...]:
        checks = []
        for source in self.sources:
            if source.is_page:
                checks.append(self._page(source, progress, dry_run))
            else:
                assert source.kind is not None
                found = self._file(source, source.url, source.kind, progress, dry_run)
                checks.append(SourceCheck(source, found.outcome, found.detail, (found,)))
        return tuple(checks)

    def _page(self, source: Source, progress: DownloadProgress | None, dry_run: bool) -> SourceCheck:
        known = self._known(source.url)
        try:
            got = self.fetcher.fetch(source.url, known.validators if known else None, "page")
        except FetchFailed as error:
            self._note(source, source.url, None, Outcome.UNREACHABLE, str(error), known, dry_run=dry_run)
            return SourceCheck(source, Outcome.UNREACHABLE, str(error))
        if isinstance(got, NotModified):
            links = known.links if known else ()
            outcome, detail, validators = Outcome.NOT_MODIFIED, None, known.validators if known else Validators()
        else:
            links, ignored = self._matched_links(source, got)
            outcome, validators = Outcome.FOUND, got.validators
            detail = f"{len(links)} file(s) linked" + (
                f"; ignored links to hosts not allowed: {ignored}" if ignored else ""
            )
        record = UrlRecord(
            source.url, source.name, "page", None, validators, self.clock.now(), outcome, detail, None, links
        )
        if not dry_run:
            self._save(record)
        files = tuple(self._file(source, url, FileKind(kind), progress, dry_run) for url, kind in links)
        return SourceCheck(source, outcome, detail, files)

    def _matched_links(self, source: Source, page: Fetched) -> tuple[tuple[tuple[str, str], ...], str]:
        """The page's links to files of a configured kind; links to hosts not allowed are left out
        (and named), never fetched."""
        found: list[tuple[str, str]] = []
        ignored: list[str] = []
        for url in self.fetcher.links(page):
            kind = source.kind_of_link(url)
            if kind is None:
                continue
            if self.policy.refusal(url):
                logger.warning("release source %r links %s, which is not allowed: ignored", source.name, url)
                ignored.append(url)
                continue
            found.append((url, kind.value))
        return tuple(found), ", ".join(ignored)

    def _file(
        self, source: Source, url: str, kind: FileKind, progress: DownloadProgress | None, dry_run: bool
    ) -> FileCheck:
        if not dry_run:
            self._renew()
        known = self._known(url)
        name = file_name(url)
        shown: Callable[[int, int | None], None] | None = None
        if progress is not None:
            report_to = progress

            def shown(done: int, total: int | None) -> None:
                report_to(name, done, total)

        try:
            got = self.fetcher.fetch(url, known.validators if known else None, "zip" if source.member else "csv", shown)
        except FetchRefused as refused:
            return self._refused(source, url, kind, name, refused.fingerprint, 0, str(refused), Validators(), dry_run)
        except FetchFailed as error:
            self._note(source, url, kind, Outcome.UNREACHABLE, str(error), known, dry_run=dry_run)
            return FileCheck(source.name, url, name, kind, Outcome.UNREACHABLE, str(error))
        if isinstance(got, NotModified):
            self._note(source, url, kind, Outcome.NOT_MODIFIED, None, known, dry_run=dry_run)
            return FileCheck(source.name, url, name, kind, Outcome.NOT_MODIFIED)
        return self._new_bytes(source, url, kind, name, got, dry_run)

    def _new_bytes(self, source: Source, url: str, kind: FileKind, name: str, got: Fetched, dry_run: bool) -> FileCheck:
        sha256 = hashlib.sha256(got.content).hexdigest()
        handled = self._handled(url, sha256)
        if handled is not None:
            record = UrlRecord(url, source.name, "file", kind.value, got.validators, self.clock.now(),
                               Outcome.UNCHANGED, None, sha256)  # fmt: skip
            if not dry_run:
                self._save(record)
            return FileCheck(source.name, url, name, kind, Outcome.UNCHANGED, None, handled)
        try:
            batch = self.unpack(kind, name, got.content, source.member)
            check_kind(kind, name, batch)
            if dry_run:
                summary = ReleaseSummary(quarters=_quarters(batch), organisations=organisation_count(batch))
                return FileCheck(source.name, url, name, kind, Outcome.WOULD_IMPORT, summary=summary)
            report = self._import(kind, batch, url, got.validators)
        except ImportFileError as error:
            size = len(got.content)
            return self._refused(source, url, kind, name, sha256, size, reason(error), got.validators, dry_run)
        except FetchFailed as error:  # the bytes could not be put where the reader reads them: tried again
            self._note(source, url, kind, Outcome.UNREACHABLE, str(error), self._known(url), dry_run=dry_run)
            return FileCheck(source.name, url, name, kind, Outcome.UNREACHABLE, str(error))
        return self._imported(source, url, kind, name, got, sha256, report, batch)

    def _import(self, kind: FileKind, batch: Batch, url: str, validators: Validators) -> ImportReport:
        """Through the Importer, as `oversight import <kind>` does."""
        importer = self.importer
        match batch:
            case NofRelease():
                return importer.nof(batch, publication=Publication(published=upload_month(url)))
            case PublishedSegmentList():
                return importer.segments(batch, Publication(published=upload_month(url)))
            case OrganisationList() if kind is FileKind.ODS_TRUSTS:
                as_of = http_day(validators.last_modified) or self.clock.now().date()
                return importer.organisations(batch, "ods", Publication(ODS), as_of=as_of)
            case OrganisationList():
                return importer.organisations(batch, "icbs", Publication("ONS"))
            case SuccessionList():
                return importer.successions(batch, Publication(ODS))
        raise AssertionError(f"no import for {type(batch).__name__}")

    def _imported(
        self,
        source: Source,
        url: str,
        kind: FileKind,
        name: str,
        got: Fetched,
        sha256: str,
        report: ImportReport,
        batch: Batch,
    ) -> FileCheck:
        now = self.clock.now()
        with self.uow() as uow:
            earlier = None if report.changed else uow.releases.import_with_checksum(sha256)
            status = (
                FileStatus.IMPORTED
                if report.changed
                else (FileStatus.ALREADY_IMPORTED if earlier is not None else FileStatus.NO_CHANGE)
            )
            record = uow.releases.add_file(
                FileRecord(
                    url,
                    sha256,
                    source.name,
                    kind.value,
                    report.source,
                    len(got.content),
                    now,
                    status,
                    None,
                    report.import_id or earlier,
                    summary_of(report, batch),
                )
            )
            outcome = Outcome.IMPORTED if report.changed else Outcome.NO_CHANGE
            uow.releases.save_url(
                UrlRecord(url, source.name, "file", kind.value, got.validators, now, outcome, None, sha256)
            )
            uow.commit()
        return FileCheck(source.name, url, name, kind, outcome, None, record)

    def _refused(
        self,
        source: Source,
        url: str,
        kind: FileKind,
        name: str,
        sha256: str,
        size: int,
        why: str,
        validators: Validators,
        dry_run: bool,
    ) -> FileCheck:
        """Recorded with the reason; the same bytes (or the same refused headers) are not tried again."""
        handled = self._handled(url, sha256)
        if handled is not None:
            if not dry_run:
                self._save(UrlRecord(url, source.name, "file", kind.value, validators, self.clock.now(),
                                     Outcome.UNCHANGED, None, sha256))  # fmt: skip
            return FileCheck(source.name, url, name, kind, Outcome.UNCHANGED, None, handled)
        now = self.clock.now()
        record = FileRecord(url, sha256, source.name, kind.value, name, size, now, FileStatus.REFUSED, why)
        if not dry_run:
            with self.uow() as uow:
                record = uow.releases.add_file(record)
                uow.releases.save_url(
                    UrlRecord(url, source.name, "file", kind.value, validators, now, Outcome.REFUSED, why, sha256)
                )
                uow.commit()
        logger.warning("release file %s refused: %s", url, why.splitlines()[0] if why else "")
        return FileCheck(source.name, url, name, kind, Outcome.REFUSED, why, record)

    def _tell(self) -> tuple[FileRecord, ...]:
        """Tell the admins what was imported or refused and not yet told (this check's, or an earlier
        one's whose message did not go), in one message; marked told only once it went."""
        with self.uow() as uow:
            records = uow.releases.unreported()
        if not records:
            return ()
        told = self.tell_admins is None or self.tell_admins(records)
        if not told:
            logger.warning("could not tell the admins of %d release file(s); trying at the next check", len(records))
            return ()
        with self.uow() as uow:
            uow.releases.mark_reported([r.id for r in records if r.id is not None], self.clock.now())
            uow.commit()
        return tuple(records) if self.tell_admins is not None else ()

    # -- the store ----------------------------------------------------------------------------

    def _known(self, url: str) -> UrlRecord | None:
        with self.uow() as uow:
            return uow.releases.url(url)

    def _handled(self, url: str, sha256: str) -> FileRecord | None:
        with self.uow() as uow:
            return uow.releases.file(url, sha256)

    def _save(self, record: UrlRecord) -> None:
        with self.uow() as uow:
            uow.releases.save_url(record)
            uow.commit()

    def _note(
        self,
        source: Source,
        url: str,
        kind: FileKind | None,
        outcome: Outcome,
        detail: str | None,
        known: UrlRecord | None,
        *,
        dry_run: bool,
    ) -> None:
        """What was found at an address, keeping what is known of its last version (a failed fetch
        does not forget the validators of the version held)."""
        if dry_run:
            return
        role = "page" if kind is None else "file"
        validators = known.validators if known else Validators()
        sha256, links = (known.sha256, known.links) if known else (None, ())
        kind_value = kind.value if kind else None
        self._save(
            UrlRecord(url, source.name, role, kind_value, validators, self.clock.now(), outcome, detail, sha256, links)
        )


def check_kind(kind: FileKind, name: str, batch: Batch) -> None:
    """A file linked as one trust type's must hold only that type's trusts (NHS England publishes one
    file per type): a file under the wrong pattern is refused, not imported as something else."""
    wanted = kind.trust_type
    if wanted is None:
        return
    if isinstance(batch, NofRelease):
        found = {p.trust_type for p in batch.providers}
    elif isinstance(batch, PublishedSegmentList):
        found = {e.trust_type for e in batch.entries if e.trust_type is not None}
    else:
        return
    others = sorted(t.plural for t in found if t is not wanted)
    if others:
        problem = (
            f"it holds {' and '.join(others)}, not only {wanted.plural} as its link's pattern says ({kind.value}); "
            "check the links' kinds in OVERSIGHT_RELEASES_FILE"
        )
        raise ImportFileError(name, [FileProblem(None, problem)])


def reason(error: ImportFileError) -> str:
    """A refusal's problems, one a line (the first 20, and how many more)."""
    lines = [str(problem) for problem in error.problems]
    if error.more:
        lines.append(f"... and {error.more} more")
    return "\n".join(lines)


def summary_of(report: ImportReport, batch: Batch) -> ReleaseSummary:
    moves = sum(1 for event in report.events if event.kind == "segment_changed")
    return ReleaseSummary(
        quarters=tuple(str(q) for q in report.quarters) or _quarters(batch),
        organisations=organisation_count(batch),
        moves=moves,
        other_events=len(report.events) - moves,
        changes={what: n for what, n in report.changes.items() if n},
    )


def _quarters(batch: Batch) -> tuple[str, ...]:
    if isinstance(batch, NofRelease):
        return tuple(str(q) for q in batch.quarters)
    if isinstance(batch, PublishedSegmentList):
        return tuple(str(q) for q in sorted({e.quarter for e in batch.entries}))
    return ()


def organisation_count(batch: Batch) -> int:
    match batch:
        case NofRelease():
            return len({p.ods_code for p in batch.providers})
        case PublishedSegmentList():
            return len({e.ods_code for e in batch.entries})
        case OrganisationList():
            return len(batch.organisations)
        case SuccessionList():
            return len({s.predecessor for s in batch.successions})
    return 0


def http_day(value: str | None) -> date | None:
    """The day of an HTTP date (Last-Modified), or None."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None
