"""Detect what changed between an organisation's reported assessments of consecutive quarters."""

from __future__ import annotations

from oversight_bot.domain.assessments import Assessment
from oversight_bot.domain.events import (
    EnteredSegment5,
    FinancialOverrideApplied,
    FinancialOverrideRemoved,
    LeftSegment5,
    SegmentChanged,
    SegmentEvent,
)


def detect_changes(previous: Assessment | None, current: Assessment) -> list[SegmentEvent]:
    """Events for `current` against the quarter before it (nof.md §5, "Alert when").

    Nothing is detected across a gap (a missing quarter) or across framework versions, because a
    segment 4 under one framework does not mean what it means under another.
    """
    if previous is None or previous.quarter != current.quarter.previous():
        return []
    if previous.framework != current.framework:
        return []
    facts = (
        current.ods_code,
        current.quarter,
        previous.quarter,
        current.framework,
        previous.segment,
        current.segment,
    )
    events: list[SegmentEvent] = []
    if previous.segment != current.segment:
        events.append(SegmentChanged(*facts))
    if current.override_applied and not previous.override_applied:
        events.append(FinancialOverrideApplied(*facts))
    if previous.override_applied and not current.override_applied:
        events.append(FinancialOverrideRemoved(*facts))
    if current.segment == 5 and previous.segment != 5:
        events.append(EnteredSegment5(*facts))
    if previous.segment == 5 and current.segment != 5:
        events.append(LeftSegment5(*facts))
    return events
