"""An organisation's segment for one quarter, where it came from, and why it is what it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.quarters import Quarter


class Basis(StrEnum):
    PUBLISHED = "published"  # NHS England's own result, imported
    DERIVED = "derived"  # computed here by the rules core
    DECISION = "decision"  # a segment decided by NHS England before automated segmentation


class Step(StrEnum):
    SCORES = "metric scores"
    AVERAGE = "average metric score"
    SEGMENT = "segment from average"
    FINANCIAL_OVERRIDE = "financial override"
    IMPROVEMENT_PROGRAMME = "improvement programme"
    RANK = "league rank"
    DECISION = "decision"


@dataclass(frozen=True, slots=True, eq=False)
class Reason:
    """One step's explanation. The words are put together only when read (`text`): a quarter of
    50,000 providers carries 300,000 reasons, and formatting them all up front would double the
    cost of reassessing it."""

    step: Step
    template: str
    values: tuple[object, ...] = ()
    metrics: tuple[str, ...] = ()

    @classmethod
    def plain(cls, step: Step, text: str, metrics: tuple[str, ...] = ()) -> Reason:
        """A reason whose words are already written (read back from the store, for example)."""
        return cls(step, text.replace("{", "{{").replace("}", "}}"), (), metrics)

    @property
    def text(self) -> str:
        return self.template.format(*self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reason):
            return NotImplemented
        return (self.step, self.text, self.metrics) == (other.step, other.text, other.metrics)

    def __hash__(self) -> int:
        return hash((self.step, self.text))


@dataclass(frozen=True, slots=True)
class Assessment:
    ods_code: str
    quarter: Quarter
    framework: str
    basis: Basis
    segment: int
    adjusted_segment: int | None = None
    unadjusted_segment: int | None = None
    financial_override: bool | None = None
    in_improvement_programme: bool | None = None
    average_score: Decimal | None = None
    rank: int | None = None
    peer_count: int | None = None
    peer_table: TrustType | None = None
    region: str | None = None
    reasons: tuple[Reason, ...] = field(default=(), compare=False)

    @property
    def underlying_segment(self) -> int | None:
        """The segment before the last step moved it: before segment 5, or before the override cap."""
        if self.segment == 5 and self.adjusted_segment not in (None, 5):
            return self.adjusted_segment
        if self.financial_override and self.unadjusted_segment not in (None, self.segment):
            return self.unadjusted_segment
        return None

    @property
    def override_applied(self) -> bool:
        """The override changed the segment (a flag on a provider already in 3 or 4 changes nothing)."""
        return bool(
            self.financial_override
            and self.unadjusted_segment is not None
            and self.adjusted_segment is not None
            and self.adjusted_segment != self.unadjusted_segment
        )


@dataclass(frozen=True, slots=True)
class Disagreement:
    field: str
    published: object
    derived: object


_COMPARED = ("segment", "adjusted_segment", "unadjusted_segment", "average_score", "rank")


def disagreements(published: Assessment, derived: Assessment) -> tuple[Disagreement, ...]:
    """Where the rules core and NHS England differ, field by field, ignoring what was not published."""
    found = []
    for name in _COMPARED:
        theirs, ours = getattr(published, name), getattr(derived, name)
        if theirs is not None and ours is not None and theirs != ours:
            found.append(Disagreement(name, theirs, ours))
    return tuple(found)


_PRIORITY = {Basis.PUBLISHED: 0, Basis.DECISION: 1, Basis.DERIVED: 2}


def reported(candidates: list[Assessment]) -> Assessment | None:
    """The assessment the bot reports for a quarter: NHS England's own where it exists.

    A derived segment is reported (and labelled derived) only where nothing is published.
    """
    return min(candidates, key=lambda a: _PRIORITY[a.basis], default=None)
