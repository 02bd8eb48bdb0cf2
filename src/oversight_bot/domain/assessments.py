"""An organisation's segment for one quarter, where it came from, and why it is what it is."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from oversight_bot.domain.organisations import TrustType
from oversight_bot.domain.provenance import Provenance
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
    # NHS England's league table gives an uncertainty interval beside the average and the rank.
    average_range: tuple[Decimal, Decimal] | None = None
    rank_range: tuple[int, int] | None = None
    reasons: tuple[Reason, ...] = field(default=(), compare=False)
    provenance: Provenance | None = field(default=None, compare=False)

    @property
    def programme_published(self) -> bool:
        """Whether segment 5 (the improvement programme) was published for this quarter: NHS England
        published OF5005/OF5007 for Q1-Q2 2025/26 only, and an absent field is unknown, not "no"."""
        return self.in_improvement_programme is not None

    @property
    def below_programme(self) -> int | None:
        """The segment before segment 5 is considered (the adjusted segment), when known."""
        if self.adjusted_segment is not None:
            return self.adjusted_segment
        return self.segment if self.segment != 5 else None

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
# NHS England averages unrounded scores and publishes the average rounded; the rules core can only
# average the published, rounded scores, so averages within this agree (docs/rules.md).
AVERAGE_TOLERANCE = Decimal("0.01")


def disagreements(published: Assessment, derived: Assessment) -> tuple[Disagreement, ...]:
    """Where the rules core and NHS England differ, field by field, ignoring what was not published.

    The same measure as `oversight nof check`: averages agree within 0.01, the rest exactly.
    """
    found = []
    for name in _COMPARED:
        theirs, ours = getattr(published, name), getattr(derived, name)
        if theirs is None or ours is None or theirs == ours:
            continue
        if name == "average_score" and abs(theirs - ours) <= AVERAGE_TOLERANCE:
            continue
        found.append(Disagreement(name, theirs, ours))
    return tuple(found)


# What one file may publish of a quarter's result; a field a file leaves out is not published by
# that file, and must not erase what another file published (docs/data.md, "Published fields").
_PUBLISHED_FIELDS = (
    "adjusted_segment",
    "unadjusted_segment",
    "financial_override",
    "in_improvement_programme",
    "average_score",
    "rank",
    "peer_count",
    "peer_table",
    "region",
    "average_range",
    "rank_range",
)


def merge_published(stored: Assessment | None, incoming: Assessment, programme_segment: int | None) -> Assessment:
    """A quarter's published result, put together from every file that publishes part of it.

    NHS England's metric file gives the segments and flags, its league table the likely ranges, a
    secondary source perhaps the segment alone: each import sets what its file publishes and keeps
    the rest. The reported segment follows from what is then known.
    """
    if stored is None or stored.basis is not Basis.PUBLISHED or incoming.basis is not Basis.PUBLISHED:
        return incoming
    # A secondary source fills gaps in the publisher's own figures; it never overwrites them.
    base, other = (stored, incoming) if _outranks(stored, incoming) else (incoming, stored)
    kept = {
        name: getattr(other, name)
        for name in _PUBLISHED_FIELDS
        if getattr(base, name) is None and getattr(other, name) is not None
    }
    if not kept:
        return base
    merged = replace(base, **kept)
    if merged.in_improvement_programme and programme_segment is not None:
        return replace(merged, segment=programme_segment)
    return replace(merged, segment=merged.below_programme or merged.segment)


def _outranks(stored: Assessment, incoming: Assessment) -> bool:
    """The publisher's own file outranks a secondary source's copy."""
    return bool(
        stored.provenance is not None
        and not stored.provenance.secondary
        and incoming.provenance is not None
        and incoming.provenance.secondary
    )


def compared_segments(previous: Assessment, current: Assessment) -> tuple[int, int] | None:
    """The two segments to compare for a move, from what both quarters published.

    Where segment 5 was published in both quarters, the reported segments; where it was not
    published in either of them, the segments below it (adjusted), since a segment 5 that is no
    longer published is unknown, not left. None when there is nothing comparable.
    """
    if previous.programme_published and current.programme_published:
        return previous.segment, current.segment
    before, after = previous.below_programme, current.below_programme
    return (before, after) if before is not None and after is not None else None


_PRIORITY = {Basis.PUBLISHED: 0, Basis.DECISION: 1, Basis.DERIVED: 2}


def reported(candidates: list[Assessment]) -> Assessment | None:
    """The assessment the bot reports for a quarter: NHS England's own where it exists.

    A derived segment is reported (and labelled derived) only where nothing is published.
    """
    return min(candidates, key=lambda a: _PRIORITY[a.basis], default=None)
