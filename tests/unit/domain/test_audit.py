"""The audit chain: any edit, deletion or reordering of history is found, and named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oversight_bot.domain.audit import GENESIS, AuditEntry, AuditRecord, chain_hash, verify

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def chain(length: int) -> list[AuditRecord]:
    records, previous = [], GENESIS
    for number in range(1, length + 1):
        entry = AuditEntry("viewed", f"U{number}", START + timedelta(minutes=number), "C-2026-000001", {"n": number})
        digest = chain_hash(previous, entry, number)
        records.append(AuditRecord(number, entry, previous, digest))
        previous = digest
    return records


def head_of(records: list[AuditRecord]) -> tuple[int, str]:
    return records[-1].id, records[-1].hash


def test_an_untouched_chain_verifies_and_gives_its_head() -> None:
    records = chain(5)
    result = verify(records, head_of(records))
    assert result.intact and result.checked == 5 and result.head_hash == records[-1].hash
    assert verify([], (0, GENESIS)).intact


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
