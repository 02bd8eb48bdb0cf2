"""The audit trail's chain: each record carries the hash of the one before, so that deleting or
editing any record breaks every link after it, and `verify` can say where.

The link is an HMAC-SHA256 with a key kept out of the database (OVERSIGHT_AUDIT_KEY), from the
record `keyed_from` on: someone who can write to the database but does not hold the key cannot
append a record, or re-hash the records after one they deleted or edited, without `verify` naming
it. Records of a store made before keying keep plain SHA-256 links; the first keyed record carries
the last of them, so they cannot be rewritten unseen either. Records deleted from the end are
caught by an anchor: the head as it was, written where the database cannot reach (`Anchor`).

Records name what happened (created, viewed, status changed, exported, retention applied), to
which concern, by whom (a user id; "anonymous" or "confidential reporter" where a name must not
be kept), and when. They never hold a concern's words.

Records that change a concern (created, status changed) also carry its seal: a hash of the whole
concern as it then stood. So the concerns themselves are checked against the trail too: one edited,
deleted or slipped in by someone with the database's keys, rather than through the bot, is named.
"""

from __future__ import annotations

import hashlib
import hmac
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


def chain_hash(previous_hash: str, entry: AuditEntry, record_id: int, key: bytes | None = None) -> str:
    """The link: over the previous hash and the record's canonical JSON (its id included, so that
    records cannot be reordered); HMAC-SHA256 with `key`, or plain SHA-256 for unkeyed records."""
    body = {
        "id": record_id,
        "action": entry.action,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
        "reference": entry.reference,
        "facts": entry.facts or {},
    }
    message = (previous_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)).encode()
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


@dataclass(frozen=True, slots=True)
class Anchor:
    """The chain's head as `oversight audit anchor` wrote it outside the database."""

    seq: int
    hash: str
    keyed_from: int | None
    at: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The head as the database keeps it beside the records."""

    seq: int
    hash: str
    keyed_from: int | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    first_broken: int | None  # the id of the first record whose link does not hold
    reason: str = ""
    head_hash: str = GENESIS  # an intact chain's last hash: note it elsewhere to anchor the trail

    concern_problem: str | None = None  # a concern that does not match the trail (the chain held)
    keyed: bool = False  # whether the newest records are linked with the key
    anchored: int | None = None  # the anchored record checked, if there was an anchor

    @property
    def intact(self) -> bool:
        return self.first_broken is None and self.concern_problem is None


def verify(
    records: Iterable[AuditRecord],
    head: ChainHead | None = None,
    key: bytes | None = None,
    anchor: Anchor | None = None,
) -> Verification:
    """Walk the chain from the start; the first record that does not follow is named. `head` is
    the database's own note of the last record (so that records deleted from the end are noticed
    when the head was left alone); `anchor`, the head as written outside the database (so that they
    are noticed even when it was not)."""
    keyed_from = head.keyed_from if head else None
    if keyed_from is not None and key is None:
        return Verification(0, keyed_from, "the chain is keyed: OVERSIGHT_AUDIT_KEY is needed to check it")
    if anchor is not None and anchor.keyed_from != keyed_from:
        return Verification(0, keyed_from or anchor.keyed_from, "the chain's keying is not as anchored (tampered)")
    previous_hash, expected_id, checked, anchored_hash = GENESIS, 1, 0, None
    for record in records:
        if record.id != expected_id:
            return Verification(
                checked, record.id, f"record {expected_id} is missing before record {record.id} (deleted)"
            )
        if record.previous_hash != previous_hash:
            return Verification(checked, record.id, "it does not carry the previous record's hash")
        keyed = keyed_from is not None and record.id >= keyed_from
        if chain_hash(record.previous_hash, record.entry, record.id, key if keyed else None) != record.hash:
            why = (
                "its MAC does not match: forged (written without the key) or edited"
                if keyed
                else ("its contents do not match its hash (edited)")
            )
            return Verification(checked, record.id, why)
        if anchor is not None and record.id == anchor.seq:
            anchored_hash = record.hash
        previous_hash, expected_id, checked = record.hash, record.id + 1, checked + 1
    last = expected_id - 1
    if anchor is not None:
        if anchor.seq > last:
            return Verification(checked, last + 1, f"records {last + 1} to {anchor.seq} were deleted "
                                f"(the anchor of {anchor.at} saw record {anchor.seq})")  # fmt: skip
        if anchor.seq > 0 and anchored_hash != anchor.hash:
            return Verification(
                checked, anchor.seq, f"record {anchor.seq} is not as anchored on {anchor.at} (rewritten)"
            )
    if head is not None and (last, previous_hash) != (head.seq, head.hash):
        if head.seq > last:
            return Verification(checked, expected_id, f"records {expected_id} to {head.seq} are missing from the end")
        return Verification(checked, head.seq, "the chain's head does not match its last record")
    keyed_now = keyed_from is not None and last >= keyed_from
    return Verification(
        checked, None, head_hash=previous_hash, keyed=keyed_now, anchored=anchor.seq if anchor else None
    )


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
