"""The audit trail's chain: each record carries the hash of the one before, so that deleting or
editing any record breaks every link after it, and `verify` can say where.

Records name what happened (created, viewed, status changed, exported, retention applied), to
which concern, by whom (a user id; "anonymous" or "confidential reporter" where a name must not
be kept), and when. They never hold a concern's words.

Records that change a concern (created, status changed) also carry its seal: a hash of the whole
concern as it then stood. So the concerns themselves are checked against the trail too: one edited,
deleted or slipped in by someone with the database's keys, rather than through the bot, is named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oversight_bot.domain.concerns import Concern

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What is being recorded, before it is chained."""

    action: str
    actor: str
    at: datetime
    reference: str | None = None
    facts: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int  # the chain's sequence number: 1, 2, 3 ... with no gaps, given out under the chain's lock
    entry: AuditEntry
    previous_hash: str
    hash: str


def chain_hash(previous_hash: str, entry: AuditEntry, record_id: int) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON (its id included, so that
    records cannot be reordered)."""
    body = {
        "id": record_id,
        "action": entry.action,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
        "reference": entry.reference,
        "facts": entry.facts or {},
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    first_broken: int | None  # the id of the first record whose link does not hold
    reason: str = ""
    head_hash: str = GENESIS  # an intact chain's last hash: note it elsewhere to anchor the trail

    concern_problem: str | None = None  # a concern that does not match the trail (the chain held)

    @property
    def intact(self) -> bool:
        return self.first_broken is None and self.concern_problem is None


def verify(records: Iterable[AuditRecord], head: tuple[int, str] | None = None) -> Verification:
    """Walk the chain from the start; the first record that does not follow is named. `head` is
    the last record's number and hash as kept apart from the records (the chain's lock row), so
    that records deleted from the end are noticed too."""
    previous_hash, expected_id, checked = GENESIS, 1, 0
    for record in records:
        if record.id != expected_id:
            return Verification(checked, record.id, f"record {expected_id} is missing before record {record.id}")
        if record.previous_hash != previous_hash:
            return Verification(checked, record.id, "it does not carry the previous record's hash")
        if chain_hash(record.previous_hash, record.entry, record.id) != record.hash:
            return Verification(checked, record.id, "its contents do not match its hash (edited)")
        previous_hash, expected_id, checked = record.hash, record.id + 1, checked + 1
    if head is not None and (expected_id - 1, previous_hash) != head:
        last, _ = head
        if last >= expected_id:
            return Verification(checked, expected_id, f"records {expected_id} to {last} are missing from the end")
        return Verification(checked, last, "the chain's head does not match its last record")
    return Verification(checked, None, head_hash=previous_hash)


def concern_seal(concern: Concern, reporter_kept: bool) -> str:
    """SHA-256 over everything a concern holds, and whether a reporter is kept for it (never who)."""
    body = {
        "reference": concern.reference,
        "ods_code": concern.ods_code,
        "category": concern.category.value,
        "severity": concern.severity.value,
        "summary": concern.summary,
        "details": concern.details,
        "raised_as": concern.raised_as.value,
        "status": concern.status.value,
        "created_at": concern.created_at.astimezone(UTC).isoformat(),
        "occurred_on": concern.occurred_on.isoformat() if concern.occurred_on else None,
        "board_member_role": concern.board_member_role,
        "board_member_name": concern.board_member_name,
        "outcome": concern.outcome,
        "flagged": concern.flagged,
        "reporter_kept": reporter_kept,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def concern_mismatch(records: Iterable[AuditRecord], seals_now: dict[str, str]) -> str | None:
    """The first concern that does not match the trail: added without a record of its filing,
    missing without a record of its deletion, or different from its last seal. `seals_now`: each
    stored concern's seal as it stands."""
    filed: set[str] = set()
    last_seal: dict[str, tuple[int, str]] = {}
    for record in records:
        reference, action = record.entry.reference, record.entry.action
        if reference is None:
            continue
        if action == "created":
            filed.add(reference)
        elif action == "deleted by retention":
            filed.discard(reference)
            last_seal.pop(reference, None)
        seal = (record.entry.facts or {}).get("seal")
        if seal and action != "deleted by retention":
            last_seal[reference] = (record.id, str(seal))
    for reference in sorted(seals_now):
        if reference not in filed:
            return f"concern {reference} has no record of being filed: it was added outside the bot"
    for reference, (record_id, seal) in sorted(last_seal.items()):
        now = seals_now.get(reference)
        if now is None:
            return f"concern {reference} is missing, and no record says it was deleted (last: record {record_id})"
        if now != seal:
            return f"concern {reference} is not as record {record_id} left it: it was edited outside the bot"
    return None
