"""The audit trail's chain: each record carries the hash of the one before, so that deleting or
editing any record breaks every link after it, and `verify` can say where.

Records name what happened (created, viewed, status changed, exported, retention applied), to
which concern, by whom (a user id; "anonymous" or "confidential reporter" where a name must not
be kept), and when. They never hold a concern's words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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

    @property
    def intact(self) -> bool:
        return self.first_broken is None


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
