"""Reassess quarters and detect the events an import causes, inside the import's transaction.

News is relative to what the store knew: an organisation's change is announced only when the
quarter before it was already in the store before this import. So loading a first file (or the
seeds) sets a baseline quietly, re-importing a file announces nothing, and a newer quarter
announces exactly the moves it brings. Only an organisation's latest quarter is announced:
a revision of an older quarter is recorded but not alerted, because it is no longer news.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from oversight_bot.domain.assessments import Assessment, Basis, reported
from oversight_bot.domain.changes import detect_changes
from oversight_bot.domain.events import SegmentEvent
from oversight_bot.domain.frameworks import FrameworkCatalogue, Method
from oversight_bot.domain.organisations import Organisation
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.segmentation import ProviderInputs, assess_quarter
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
    (reference/nof.md §3.4), and the published average was computed from unrounded scores.
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
    with collection_paused():
        derived = assess_quarter(quarter, [p for p in providers if p.scores], framework)
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
        financial_override=bool(published and published.financial_override),
        in_improvement_programme=bool(published and published.in_improvement_programme),
        published_average=published.average_score if published else None,
        region=published.region if published else (organisation.region if organisation else None),
    )


@dataclass
class AssessmentState:
    """Assessments of the quarters an import touches (and the quarters before them), before and after."""

    before: dict[AssessmentKey, Assessment]
    known_before: dict[str, set[Quarter]]

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

    def published_in(self, quarter: Quarter) -> dict[str, Assessment]:
        return {code: a for (code, q, basis), a in self.after.items() if q == quarter and basis is Basis.PUBLISHED}

    def events(self) -> list[SegmentEvent]:
        found: list[SegmentEvent] = []
        for code, quarter in sorted({(code, quarter) for code, quarter, _ in self.changed}):
            found += self._events_for(code, quarter)
        return found

    def _events_for(self, code: str, quarter: Quarter) -> list[SegmentEvent]:
        known = self.known_before.get(code, set())
        latest = max(known | {q for c, q, _ in self.after if c == code})
        if quarter != latest or quarter.previous() not in known:
            return []
        after = _changes(
            self._reported(self.after, code, quarter.previous()), self._reported(self.after, code, quarter)
        )
        before = _changes(
            self._reported(self.before, code, quarter.previous()), self._reported(self.before, code, quarter)
        )
        return [event for event in after if event not in before]

    @staticmethod
    def _reported(assessments: Mapping[AssessmentKey, Assessment], code: str, quarter: Quarter) -> Assessment | None:
        return reported([a for basis in Basis if (a := assessments.get((code, quarter, basis))) is not None])


def _changes(previous: Assessment | None, current: Assessment | None) -> list[SegmentEvent]:
    return detect_changes(previous, current) if current is not None else []


def _reasons(assessment: Assessment | None) -> object:
    return assessment.reasons if assessment is not None else None
