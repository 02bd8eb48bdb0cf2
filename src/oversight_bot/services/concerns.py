"""Concern use cases: file, view, triage, list, count, export, retention, and the audit trail.

Confidentiality is kept here, not left to adapters:
- an anonymous concern stores no identity, and its audit records and events name nobody;
- a confidential reporter is stored apart and shown only to the Freedom to Speak Up guardian;
- a concern's words leave the store only through `view`, which checks the viewer's role at that
  moment and records the view; events and alerts carry organisation, category, severity and
  reference, and nothing of what was written.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from oversight_bot.domain.actors import Actor, Reporter
from oversight_bot.domain.audit import (
    Anchor,
    AuditEntry,
    AuditRecord,
    ChainHead,
    Verification,
    concern_mismatch,
    concern_seal,
    verify,
)
from oversight_bot.domain.concerns import (
    Category,
    Concern,
    FlagRule,
    RaisedAs,
    Severity,
    Status,
    is_flagged,
    may_move,
)
from oversight_bot.errors import CannotMove, NoSuchConcern, NotAllowed, OutcomeNeeded, StoreConflict, StoreUnavailable
from oversight_bot.services.access import Access, Role
from oversight_bot.services.ports import Clock, UnitOfWork

CONCERN_EVENT = "concern_logged"
logger = logging.getLogger(__name__)
COUNTS_FRESH_S = 1.0
TRIAGE_ROLES = (Role.OVERSIGHT, Role.SPEAK_UP_GUARDIAN, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class ConcernSubmission:
    """A concern form that passed validation (chat/concern_form.py): what gets filed."""

    ods_code: str
    category: Category
    severity: Severity
    summary: str
    details: str
    raised_as: RaisedAs
    occurred_on: date | None = None
    board_member_role: str | None = None
    board_member_name: str | None = None


@dataclass(frozen=True, slots=True)
class Filed:
    concern: Concern
    new: bool  # False when the same form had been filed before


@dataclass(frozen=True, slots=True)
class ConcernView:
    concern: Concern
    reporter: Reporter | None  # only when the viewer may see who raised it
    reporter_hidden: str | None  # why not, when there is one the viewer may not see


def submission_key(platform: str, form_id: str) -> str:
    """A one-way key for the form that was sent (a platform's view id), never the id itself."""
    return hashlib.sha256(f"{platform}:{form_id}".encode()).hexdigest()


class ConcernService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        access: Access,
        flag_rules: Iterable[FlagRule] = (),
        audit_key: bytes | None = None,
        open_counts: Callable[[], dict[str, int]] | None = None,
        keyed_from: Callable[[], int | None] | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.access = access
        self.flag_rules = tuple(flag_rules)
        self.audit_key = audit_key  # the chain's HMAC key (configuration, never the database)
        # How open concerns are counted: through the unit of work, or a quicker read of the same
        # store (a SQLite file read with sqlite3, so that an answer from the read model's cache
        # needs no SQLAlchemy); either way, from the store each time, never from a cache.
        self.count_open = open_counts or self._count_open_in_store
        self._keyed_from = keyed_from  # likewise, where the audit chain's keying began
        self._counts: tuple[float, dict[str, int]] | None = None
        self._counts_version = 0  # moves on whenever the counts in hand change
        self._counts_changed = 0  # moves on whenever this process changes a concern
        self._counts_lock = threading.Lock()
        self._counting = False

    def file(self, actor: Actor, submission: ConcernSubmission, form_id: str | None = None) -> Filed:
        """Store the concern, its audit record and its event in one transaction, before anyone is
        told. The same form (form_id) filed twice gives back the first concern."""
        if not self.access.has(actor, Role.REPORTER):
            raise NotAllowed("filing concerns")
        key = submission_key(actor.platform, form_id) if form_id else None
        try:
            return self._file(actor, submission, key)
        except StoreConflict:
            # The same form, filed by another request at the same moment (a double click that
            # reached two workers): that one won; this one is answered with its concern.
            if key is not None:
                with self.uow() as uow:
                    earlier = uow.concerns.by_submission(key)
                if earlier is not None:
                    return Filed(earlier, new=False)
            raise

    def _file(self, actor: Actor, submission: ConcernSubmission, key: str | None) -> Filed:
        now = self.clock.now()
        with self.uow() as uow:
            if key is not None and (earlier := uow.concerns.by_submission(key)) is not None:
                return Filed(earlier, new=False)
            concern = Concern(
                reference="",
                ods_code=submission.ods_code,
                category=submission.category,
                severity=submission.severity,
                summary=submission.summary,
                details=submission.details,
                raised_as=submission.raised_as,
                status=Status.NEW,
                created_at=now,
                occurred_on=submission.occurred_on,
                board_member_role=submission.board_member_role,
                board_member_name=submission.board_member_name,
                flagged=is_flagged(submission.category, submission.severity, self.flag_rules),
            )
            reporter = Reporter(actor.platform, actor.user_id) if concern.raised_as.keeps_identity else None
            stored = uow.concerns.add(concern, reporter, key)
            facts = {
                "category": stored.category.value,
                "severity": stored.severity.value,
                "raised_as": stored.raised_as.value,
                "seal": concern_seal(stored, reporter_kept=reporter is not None),
            }
            uow.audit.append(
                AuditEntry("created", reporter_label(stored.raised_as, actor), now, stored.reference, facts)
            )
            uow.outbox.append_message(CONCERN_EVENT, stored.ods_code, event_payload(stored, actor), now)
            uow.commit()
        self._forget_counts()
        # References and categories only: never the words, never who (this is an operator's log).
        logger.info("concern %s filed (%s, %s)", stored.reference, stored.category.value, stored.raised_as.value)
        return Filed(stored, new=True)

    def view(self, actor: Actor, reference: str) -> ConcernView:
        """The concern's details, for triage roles; the view is recorded whoever asks."""
        now = self.clock.now()
        with self.uow() as uow:
            concern = uow.concerns.get(reference)
            if concern is None:
                raise NoSuchConcern(reference)
            allowed = self.may_triage(actor)
            action = "viewed" if allowed else "view refused"
            uow.audit.append(AuditEntry(action, actor.user_id, now, reference, {"platform": actor.platform}))
            uow.commit()
            logger.info("concern %s: %s (%s)", reference, action, actor.platform)
            if not allowed:
                raise NotAllowed("viewing concerns")
            reporter = uow.concerns.reporter(reference)
        return self._with_reporter(actor, concern, reporter)

    def _with_reporter(self, actor: Actor, concern: Concern, reporter: Reporter | None) -> ConcernView:
        if concern.raised_as is RaisedAs.ANONYMOUSLY or reporter is None:
            return ConcernView(concern, None, None)
        if concern.raised_as is RaisedAs.CONFIDENTIALLY and not self.access.has(actor, Role.SPEAK_UP_GUARDIAN):
            return ConcernView(concern, None, "raised confidentially: only the Freedom to Speak Up guardian sees who")
        return ConcernView(concern, reporter, None)

    def move(self, actor: Actor, reference: str, to: Status, outcome: str | None = None) -> Concern:
        """Move a concern to another state; closing it needs its outcome (what was found and done)."""
        if not self.may_triage(actor):
            raise NotAllowed("changing a concern's state")
        outcome = (outcome or "").strip() or None
        if to is Status.CLOSED and outcome is None:
            raise OutcomeNeeded(reference)
        now = self.clock.now()
        with self.uow() as uow:
            concern = uow.concerns.get(reference)
            if concern is None:
                raise NoSuchConcern(reference)
            if not may_move(concern.status, to):
                raise CannotMove(reference, concern.status, to)
            uow.concerns.set_status(reference, to, outcome, now)
            moved = replace(concern, status=to, outcome=outcome if outcome is not None else concern.outcome)
            seal = concern_seal(moved, reporter_kept=uow.concerns.reporter(reference) is not None)
            facts = {"from": concern.status.value, "to": to.value, "seal": seal}
            uow.audit.append(AuditEntry("status changed", actor.user_id, now, reference, facts))
            uow.commit()
        self._forget_counts()
        logger.info("concern %s: %s -> %s", reference, concern.status.value, to.value)
        return moved

    def listing(self, actor: Actor, ods_code: str | None = None, status: Status | None = None) -> list[Concern]:
        """What the actor may see: triage roles see every concern's headline (never its details)."""
        if not self.may_triage(actor):
            raise NotAllowed("listing concerns")
        with self.uow() as uow:
            return uow.concerns.listing(ods_code, status, limit=200)

    def may_triage(self, actor: Actor) -> bool:
        """The oversight team, the Freedom to Speak Up guardian and admins list, read and move concerns."""
        return any(self.access.has(actor, role) for role in TRIAGE_ROLES)

    def open_count(self, ods_code: str) -> int:
        """Open concerns about an organisation (a count only, for anyone's `segment` answer). Read
        once, then again after a change in this process; counts older than a second are refreshed
        in the background while the old ones are served, so no answer waits for the store."""
        return self._current_counts().get(ods_code, 0)

    def counts_version(self) -> int | None:
        """Changes whenever any open count changes (for answers kept until their data changes);
        None until the counts are first read. Never waits for the store."""
        if self._counts is None:
            return None
        self._current_counts()
        return self._counts_version

    def _current_counts(self) -> dict[str, int]:
        cached = self._counts
        if cached is None:
            cached = self._read_counts()
        elif time.monotonic() - cached[0] >= COUNTS_FRESH_S:
            self._refresh_counts_in_background()
        return cached[1]

    def _read_counts(self) -> tuple[float, dict[str, int]]:
        changed = self._counts_changed
        counts = (time.monotonic(), self.count_open())
        if changed != self._counts_changed:
            return counts  # a concern changed here meanwhile: what was read may be from before it
        before = self._counts
        if before is None or before[1] != counts[1]:
            self._counts_version += 1
        self._counts = counts
        return counts

    def _count_open_in_store(self) -> dict[str, int]:
        with self.uow() as uow:
            return uow.concerns.open_counts()

    def _forget_counts(self) -> None:
        """A concern was filed or moved here: the counts are read again when next needed."""
        self._counts_changed += 1
        self._counts = None

    def _refresh_counts_in_background(self) -> None:
        with self._counts_lock:
            if self._counting:
                return
            self._counting = True

        def refresh() -> None:
            try:
                self._read_counts()
            except StoreUnavailable:
                pass  # the counts in hand are served on; the next question tries again
            finally:
                self._counting = False

        threading.Thread(target=refresh, name="concern-counts", daemon=True).start()

    def export(self, actor: Actor, destination: str, write: Callable[[list[Concern]], None]) -> list[Concern]:
        """Every concern, handed to `write` (an admin's export), and the export recorded (where it
        went) only once `write` has succeeded: a failed write leaves no record of an export that
        never happened. If the record cannot be kept, the caller must undo what `write` did."""
        if not self.access.has(actor, Role.ADMIN):
            raise NotAllowed("exporting concerns")
        with self.uow() as uow:
            concerns = uow.concerns.listing(None, None, limit=10**9)
            write(concerns)
            facts = {"count": len(concerns), "to": destination}
            uow.audit.append(AuditEntry("exported", actor.user_id, self.clock.now(), None, facts))
            uow.commit()
        return concerns

    def due_for_deletion(self, actor: Actor, keep_days: int) -> list[str]:
        """What the retention rule would delete now (nothing is changed, nothing recorded)."""
        if not self.access.has(actor, Role.ADMIN):
            raise NotAllowed("applying the retention rule")
        with self.uow() as uow:
            return [c.reference for c in uow.concerns.closed_before(self.clock.now() - timedelta(days=keep_days))]

    def apply_retention(self, actor: Actor, keep_days: int) -> list[str]:
        """Delete concerns closed more than `keep_days` ago (the configured rule), each deletion recorded."""
        if not self.access.has(actor, Role.ADMIN):
            raise NotAllowed("applying the retention rule")
        now = self.clock.now()
        with self.uow() as uow:
            expired = uow.concerns.closed_before(now - timedelta(days=keep_days))
            for concern in expired:
                uow.concerns.delete(concern.reference)
                facts = {"rule": f"closed more than {keep_days} days ago"}
                uow.audit.append(AuditEntry("deleted by retention", actor.user_id, now, concern.reference, facts))
            uow.commit()
        return [c.reference for c in expired]

    def audit_keyed_from(self) -> int | None:
        """The first audit record linked with the key, or None while the chain is unkeyed (asked
        at every start, so through the quicker read when there is one)."""
        if self._keyed_from is not None:
            return self._keyed_from()
        return self.audit_head().keyed_from

    def audit_head(self) -> ChainHead:
        """The chain's head, for `oversight audit anchor` to write down outside the database."""
        with self.uow() as uow:
            return uow.audit.head()

    def audit_records(self, reference: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """The newest records, perhaps about one concern (for the operator's command line)."""
        with self.uow() as uow:
            records = [r for r in uow.audit.records() if reference is None or r.entry.reference == reference]
        return records[-limit:][::-1]

    def verify_audit(self, anchor: Anchor | None = None) -> Verification:
        """The chain, link by link (against the last anchor, if one is given); then, if it holds,
        every concern against its last seal."""
        with self.uow() as uow:
            head = uow.audit.head()
            with closing(uow.audit.records()) as reading:
                records = list(reading)  # read once: the chain, then the seals
            chain = verify(records, head, self.audit_key, anchor)
            if not chain.intact:
                return chain
            seals_now = {c.reference: concern_seal(c, kept) for c, kept in uow.concerns.all_for_audit()}
        return replace(chain, concern_problem=concern_mismatch(records, seals_now))


def reporter_label(raised_as: RaisedAs, actor: Actor) -> str:
    """Who the audit trail says filed it: a name only when the concern was raised openly."""
    if raised_as is RaisedAs.OPENLY:
        return actor.user_id
    return "confidential reporter" if raised_as is RaisedAs.CONFIDENTIALLY else "anonymous"


def event_payload(concern: Concern, actor: Actor) -> dict[str, Any]:
    """What an alert may say: organisation, category, severity, reference (and the reporter's id
    for self-suppression, only when the concern was raised openly)."""
    payload: dict[str, Any] = {
        "reference": concern.reference,
        "category": concern.category.label,
        "severity": concern.severity.value,
        "flagged": concern.flagged,
        "batch": f"concern:{concern.reference}",
    }
    if concern.raised_as is RaisedAs.OPENLY:
        payload["actor"] = actor.user_id
    return payload
