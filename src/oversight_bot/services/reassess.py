"""Reassess quarters and detect the events an import causes, inside the import's transaction.

News is relative to what the store held before the import (docs/data.md, "What an import
announces"): for every organisation, the change from the last quarter the store held to each
quarter the import adds after it, in order. So importing NHS England's Q1-Q4 file into a store
that held Q1-Q2 announces the Q2-to-Q3 and the Q3-to-Q4 moves; importing it again announces
nothing; an organisation the store never held, or a seeding, sets a baseline quietly; a revised
older quarter is stored and not announced, because it is no longer news.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from oversight_bot.domain.assessments import Assessment, Basis, reported
from oversight_bot.domain.changes import detect_changes
from oversight_bot.domain.events import SegmentEvent
from oversight_bot.domain.frameworks import FrameworkCatalogue, Method
from oversight_bot.domain.organisations import Organisation
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.segmentation import ProviderInputs, assess_quarter, implied_cut_points
from oversight_bot.services.ports import AssessmentKey

Scores = Mapping[str, Mapping[str, Decimal]]  # ods code -> metric id -> score


@dataclass(frozen=True, slots=True)
class Derivation:
    assessments: list[Assessment]
    notes: list[str]


def derive_quarter(
    quarter: Quarter,
    scores: Scores,
    published: Mapping[str, Assessment],
    organisations: Mapping[str, Organisation],
    frameworks: FrameworkCatalogue,
) -> Derivation:
    """The rules core's own segments for every provider with scores in the quarter.

    Flags (financial override, improvement programme) and the average are taken from NHS
    England's published result where there is one: the flags are not derivable from metrics
    (reference/nof.md §3.4), and the published average was computed from unrounded scores. The
    cut-points are those NHS England's placings imply where it published them (they pool every
    provider type nationally, so no file of one type yields them), else the framework's own.
    """
    framework = frameworks.for_quarter(quarter)
    if framework is None or framework.method is Method.DECISION:
        return Derivation([], [])
    if framework.method is Method.THRESHOLDS and framework.thresholds is None:
        note = f"{quarter}: {framework.name} thresholds are not configured, so no segments were derived."
        return Derivation([], [note])
    providers = [
        _inputs(code, org_scores, published.get(code), organisations.get(code)) for code, org_scores in scores.items()
    ]
    placings = (
        (a.average_score, a.unadjusted_segment)
        for a in published.values()
        if a.average_score is not None and a.unadjusted_segment is not None
    )
    with collection_paused():
        derived = assess_quarter(quarter, [p for p in providers if p.scores], framework, implied_cut_points(placings))
    return Derivation(derived, [])


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a quarter is assessed.

    Assessing creates several small objects per provider and no reference cycles; with the
    collector running, its repeated passes over everything already built cost about a third of the
    time at 50,000 providers (bench/bench_reassess.py). Reference counting frees memory as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _inputs(
    code: str, scores: Mapping[str, Decimal], published: Assessment | None, organisation: Organisation | None
) -> ProviderInputs:
    return ProviderInputs(
        ods_code=code,
        trust_type=organisation.trust_type if organisation else None,
        scores=scores,
        financial_override=published.financial_override if published else None,
        in_improvement_programme=published.in_improvement_programme if published else None,
        published_average=published.average_score if published else None,
        region=published.region if published else (organisation.region if organisation else None),
    )


@dataclass
class AssessmentState:
    """Assessments of the quarters an import touches (and the quarters held before them), before and
    after; `announce` is off for a seeding, which sets the baseline."""

    before: dict[AssessmentKey, Assessment]
    known_before: dict[str, set[Quarter]]
    announce: bool = True

    def __post_init__(self) -> None:
        self.after: dict[AssessmentKey, Assessment] = dict(self.before)
        self.changed: set[AssessmentKey] = set()

    def put(self, assessment: Assessment) -> bool:
        """Record the import's version of an assessment; True when it differs from the store's."""
        key = (assessment.ods_code, assessment.quarter, assessment.basis)
        self.after[key] = assessment
        if self.before.get(key) != assessment or _reasons(self.before.get(key)) != assessment.reasons:
            self.changed.add(key)
            return True
        return False

    def current(self, key: AssessmentKey) -> Assessment | None:
        return self.after.get(key)

    def published_in(self, quarter: Quarter) -> dict[str, Assessment]:
        return {code: a for (code, q, basis), a in self.after.items() if q == quarter and basis is Basis.PUBLISHED}

    def events(self) -> list[SegmentEvent]:
        """What the import announces, in quarter order (a channel hears of Q3 before Q4)."""
        if not self.announce:
            return []
        held_after: dict[str, set[Quarter]] = {}
        for code, quarter, _ in self.after:
            held_after.setdefault(code, set()).add(quarter)
        changed: dict[str, set[Quarter]] = {}
        for code, quarter, _ in self.changed:
            changed.setdefault(code, set()).add(quarter)
        found: list[SegmentEvent] = []
        for code, quarters in sorted(changed.items()):
            found += self._events_for(code, held_after[code], quarters)
        return sorted(found, key=lambda event: (event.quarter, event.ods_code))

    def _events_for(self, code: str, held_after: set[Quarter], changed: set[Quarter]) -> list[SegmentEvent]:
        known = self.known_before.get(code, set())
        if not known:
            return []  # the first the store hears of it: a baseline, not news
        held = max(known)
        added = sorted(q for q in held_after if q > held)
        if not added:
            return self._revision_of(code, held, known) if held in changed else []
        events: list[SegmentEvent] = []
        previous = held
        for quarter in added:
            events += _changes(self._reported(self.after, code, previous), self._reported(self.after, code, quarter))
            previous = quarter
        return events

    def _revision_of(self, code: str, latest: Quarter, known: set[Quarter]) -> list[SegmentEvent]:
        """A revised latest quarter announces only what the revision adds; older ones nothing."""
        earlier = [q for q in known if q < latest]
        if not earlier:
            return []
        previous = max(earlier)
        after = _changes(self._reported(self.after, code, previous), self._reported(self.after, code, latest))
        before = _changes(self._reported(self.before, code, previous), self._reported(self.before, code, latest))
        return [event for event in after if event not in before]

    @staticmethod
    def _reported(assessments: Mapping[AssessmentKey, Assessment], code: str, quarter: Quarter) -> Assessment | None:
        return reported([a for basis in Basis if (a := assessments.get((code, quarter, basis))) is not None])


def quarters_to_load(quarters: Iterable[Quarter], known: Mapping[str, set[Quarter]]) -> set[Quarter]:
    """The quarters an import must read: its own, the ones before them, and for every organisation
    the two latest it holds (what new quarters are compared with, and what a revision revises)."""
    wanted = {q for quarter in quarters for q in (quarter, quarter.previous())}
    for held in known.values():
        wanted |= set(sorted(held)[-2:])
    return wanted


def _changes(previous: Assessment | None, current: Assessment | None) -> list[SegmentEvent]:
    return detect_changes(previous, current) if current is not None else []


def _reasons(assessment: Assessment | None) -> object:
    return assessment.reasons if assessment is not None else None
