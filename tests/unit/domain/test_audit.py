"""The audit chain: any edit, deletion or reordering of history is found, and named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oversight_bot.domain.audit import GENESIS, Anchor, AuditEntry, AuditRecord, ChainHead, chain_hash, verify

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


KEY = b"k" * 32


def chain(length: int, key: bytes | None = None, keyed_from: int = 1) -> list[AuditRecord]:
    records, previous = [], GENESIS
    for number in range(1, length + 1):
        entry = AuditEntry("viewed", f"U{number}", START + timedelta(minutes=number), "C-2026-000001", {"n": number})
        digest = chain_hash(previous, entry, number, key if number >= keyed_from else None)
        records.append(AuditRecord(number, entry, previous, digest))
        previous = digest
    return records


def head_of(records: list[AuditRecord], keyed_from: int | None = None) -> ChainHead:
    return ChainHead(records[-1].id, records[-1].hash, keyed_from)


def test_an_untouched_chain_verifies_and_gives_its_head() -> None:
    records = chain(5)
    result = verify(records, head_of(records))
    assert result.intact and result.checked == 5 and result.head_hash == records[-1].hash
    assert verify([], ChainHead(0, GENESIS)).intact


def test_an_edited_record_is_named() -> None:
    records = chain(5)
    head = head_of(records)
    records[2] = replace(records[2], entry=replace(records[2].entry, actor="someone else"))
    result = verify(records, head)
    assert (result.first_broken, result.checked) == (3, 2)
    assert "edited" in result.reason


def test_an_edit_with_its_hash_recomputed_still_breaks_the_next_link() -> None:
    records = chain(5)
    head = head_of(records)
    forged = replace(records[2].entry, action="exported")
    records[2] = replace(records[2], entry=forged, hash=chain_hash(records[2].previous_hash, forged, 3))
    assert verify(records, head).first_broken == 4


@pytest.mark.parametrize("removed", [0, 2])
def test_a_record_deleted_from_the_start_or_middle_is_named(removed: int) -> None:
    records = chain(5)
    head = head_of(records)
    del records[removed]
    result = verify(records, head)
    assert result.first_broken == removed + 2 and f"record {removed + 1} is missing" in result.reason


def test_records_deleted_from_the_end_are_found_from_the_head() -> None:
    records = chain(5)
    result = verify(records[:3], head_of(records))
    assert (result.first_broken, result.reason) == (4, "records 4 to 5 are missing from the end")


def test_swapped_records_are_found() -> None:
    records = chain(4)
    head = head_of(records)
    records[1], records[2] = records[2], records[1]
    assert not verify(records, head).intact


def forged_append(records: list[AuditRecord], key: bytes | None) -> list[AuditRecord]:
    """Someone with write access adds a record, linking it as well as they can."""
    entry = AuditEntry("exported", "U0FORGER", START + timedelta(days=1), None, {"count": 9})
    number, previous = records[-1].id + 1, records[-1].hash
    return [*records, AuditRecord(number, entry, previous, chain_hash(previous, entry, number, key))]


def test_a_keyed_chain_verifies_with_its_key_and_says_so() -> None:
    records = chain(4, KEY)
    result = verify(records, head_of(records, 1), KEY)
    assert result.intact and result.keyed


def test_an_append_forged_without_the_key_is_named_even_with_the_head_moved_to_it() -> None:
    records = forged_append(chain(4, KEY), key=None)
    result = verify(records, head_of(records, 1), KEY)
    assert result.first_broken == 5 and "forged" in result.reason
    wrong_key = forged_append(chain(4, KEY), key=b"x" * 32)
    assert verify(wrong_key, head_of(wrong_key, 1), KEY).first_broken == 5


def test_a_deletion_re_hashed_without_the_key_is_named() -> None:
    records = chain(5, KEY)
    del records[1]  # record 2 goes; the forger renumbers and re-links the rest with SHA-256
    rebuilt, previous = [], GENESIS
    for number, record in enumerate(records, start=1):
        link = chain_hash(previous, record.entry, number, KEY if number == 1 else None)
        rebuilt.append(AuditRecord(number, record.entry, previous, link))
        previous = link
    result = verify(rebuilt, head_of(rebuilt, 1), KEY)
    assert result.first_broken == 2 and "forged" in result.reason


def test_unkeyed_records_before_keying_are_sealed_by_the_first_keyed_record() -> None:
    records = chain(5, KEY, keyed_from=4)
    assert verify(records, head_of(records, 4), KEY).intact
    edited = list(records)
    entry = replace(records[1].entry, actor="someone else")  # an old, unkeyed record, re-hashed onward to 3
    edited[1] = replace(records[1], entry=entry, hash=chain_hash(records[1].previous_hash, entry, 2))
    edited[2] = replace(records[2], previous_hash=edited[1].hash,
                        hash=chain_hash(edited[1].hash, records[2].entry, 3))  # fmt: skip
    assert verify(edited, head_of(edited, 4), KEY).first_broken == 4  # the keyed record no longer follows


def test_records_deleted_from_the_end_with_the_head_rewound_are_found_by_the_anchor() -> None:
    records = chain(6, KEY)
    anchor = Anchor(6, records[-1].hash, 1, "2026-11-30T10:00:00+00:00")
    truncated = records[:4]
    result = verify(truncated, head_of(truncated, 1), KEY, anchor)
    assert result.first_broken == 5 and "records 5 to 6 were deleted" in result.reason
    assert verify(records, head_of(records, 1), KEY, anchor).anchored == 6


def test_a_keyed_chain_cannot_be_checked_without_its_key_nor_passed_off_as_unkeyed() -> None:
    records = chain(3, KEY)
    assert "OVERSIGHT_AUDIT_KEY is needed" in verify(records, head_of(records, 1)).reason
    anchor = Anchor(3, records[-1].hash, 1, "2026-11-30T10:00:00+00:00")
    downgraded = verify(records, head_of(records, None), KEY, anchor)
    assert not downgraded.intact and "keying" in downgraded.reason
