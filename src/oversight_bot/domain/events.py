"""Things that happened to an organisation's segment, named in the past tense.

Each event compares the reported assessment of a quarter with the one of the last quarter held
before it. They travel through the outbox to the alert worker, so they carry everything an alert
needs. Only what NHS England published in both quarters can change: a field published in one of
them and not the other is unknown in the other, and raises no event (docs/data.md).
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
    # Segment 5 was published in one of the two quarters only, so the segments compared are the
    # ones below it (adjusted): said in the alert, so that nobody reads a move out of segment 5.
    segment_5_unpublished: bool = False

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]

    @property
    def worsened(self) -> bool:
        return self.segment > self.previous_segment


@dataclass(frozen=True, slots=True)
class SegmentChanged(SegmentEvent):
    """The reported segment moved (1-5), or the adjusted one where segment 5 is not published."""


@dataclass(frozen=True, slots=True)
class DeficitFlagSet(SegmentEvent):
    """NHS England now flags the provider as in deficit or receiving deficit support (OF5004)."""


@dataclass(frozen=True, slots=True)
class DeficitFlagCleared(SegmentEvent):
    """NHS England no longer flags the provider as in deficit or receiving deficit support."""


@dataclass(frozen=True, slots=True)
class EnteredSegment5(SegmentEvent):
    """The provider entered the Provider Improvement Programme (segment 5)."""


@dataclass(frozen=True, slots=True)
class LeftSegment5(SegmentEvent):
    """The provider left the Provider Improvement Programme, as published in both quarters."""


_KINDS: dict[type[SegmentEvent], str] = {
    SegmentChanged: "segment_changed",
    DeficitFlagSet: "deficit_flag_set",
    DeficitFlagCleared: "deficit_flag_cleared",
    EnteredSegment5: "entered_segment_5",
    LeftSegment5: "left_segment_5",
}
