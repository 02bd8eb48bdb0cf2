"""Detect what changed between an organisation's reported assessments of two quarters."""

from __future__ import annotations

from oversight_bot.domain.assessments import Assessment, compared_segments
from oversight_bot.domain.events import (
    DeficitFlagCleared,
    DeficitFlagSet,
    EnteredSegment5,
    LeftSegment5,
    SegmentChanged,
    SegmentEvent,
)


def detect_changes(previous: Assessment | None, current: Assessment) -> list[SegmentEvent]:
    """Events for `current` against the last quarter held before it (nof.md §5, "Alert when").

    `previous` may be more than one quarter back (a deployment that missed a release); the events
    name both quarters. Nothing is detected across framework versions, because a segment 4 under
    one framework does not mean what it means under another, and nothing from a field that either
    quarter did not publish.
    """
    if previous is None or previous.quarter >= current.quarter or previous.framework != current.framework:
        return []
    compared = compared_segments(previous, current)
    before, after = compared if compared is not None else (previous.segment, current.segment)
    unpublished = previous.programme_published != current.programme_published and (
        previous.segment == 5 or current.segment == 5
    )
    kinds: list[type[SegmentEvent]] = []
    if compared is not None and before != after:
        kinds.append(SegmentChanged)
    kinds += _flag_changes(previous, current)
    kinds += _programme_changes(previous, current)
    return [
        kind(current.ods_code, current.quarter, previous.quarter, current.framework, before, after, unpublished)
        for kind in kinds
    ]


def _flag_changes(previous: Assessment, current: Assessment) -> list[type[SegmentEvent]]:
    """NHS England's deficit flag (OF5004) set or cleared; unknown on either side is no change."""
    if previous.financial_override is None or current.financial_override is None:
        return []
    if current.financial_override and not previous.financial_override:
        return [DeficitFlagSet]
    if previous.financial_override and not current.financial_override:
        return [DeficitFlagCleared]
    return []


def _programme_changes(previous: Assessment, current: Assessment) -> list[type[SegmentEvent]]:
    """Into or out of segment 5, only where both quarters published it."""
    if not (previous.programme_published and current.programme_published):
        return []
    if current.in_improvement_programme and not previous.in_improvement_programme:
        return [EnteredSegment5]
    if previous.in_improvement_programme and not current.in_improvement_programme:
        return [LeftSegment5]
    return []
