"""Things that happened to an organisation's segment, named in the past tense.

Each event compares the reported assessment of a quarter with the one of the quarter before.
They travel through the outbox to the alert worker, so they carry everything an alert needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from oversight_bot.domain.quarters import Quarter


@dataclass(frozen=True, slots=True)
class SegmentEvent:
    ods_code: str
    quarter: Quarter
    previous_quarter: Quarter
    framework: str
    previous_segment: int
    segment: int

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]

    @property
    def worsened(self) -> bool:
        return self.segment > self.previous_segment


@dataclass(frozen=True, slots=True)
class SegmentChanged(SegmentEvent):
    """The reported segment moved (1-5)."""


@dataclass(frozen=True, slots=True)
class FinancialOverrideApplied(SegmentEvent):
    """The financial override now caps the provider's segment, and did not before."""


@dataclass(frozen=True, slots=True)
class FinancialOverrideRemoved(SegmentEvent):
    """The financial override capped the segment before, and no longer does."""


@dataclass(frozen=True, slots=True)
class EnteredSegment5(SegmentEvent):
    """The provider entered the Provider Improvement Programme (segment 5)."""


@dataclass(frozen=True, slots=True)
class LeftSegment5(SegmentEvent):
    """The provider left the Provider Improvement Programme."""


_KINDS: dict[type[SegmentEvent], str] = {
    SegmentChanged: "segment_changed",
    FinancialOverrideApplied: "financial_override_applied",
    FinancialOverrideRemoved: "financial_override_removed",
    EnteredSegment5: "entered_segment_5",
    LeftSegment5: "left_segment_5",
}
