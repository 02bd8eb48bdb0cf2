"""Reasons: why an assessment is what it is, step by step, in words the bot can show ("why RWR?")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from oversight_bot.domain.assessments import Assessment, Reason, Step
from oversight_bot.domain.frameworks import FrameworkVersion
from oversight_bot.domain.scores import average_of, counted_scores, worst_of

REASON_CODE_WORDS = {
    "QUALITY_CQC": "quality (CQC)",
    "ACCESS_PERFORMANCE": "access performance",
    "FINANCE": "finance",
    "LEADERSHIP_GOVERNANCE": "leadership and governance",
    "LICENCE_BREACH": "licence breach",
    "OTHER": "other",
}


class HasCutPoints(Protocol):
    def __str__(self) -> str: ...


def explain(
    assessment: Assessment,
    scores: Mapping[str, Decimal],
    framework: FrameworkVersion,
    cut_points: HasCutPoints | None = None,
) -> tuple[Reason, ...]:
    """The steps behind a published or derived segment, with the metrics that drove it."""
    counted = counted_scores(scores, framework)
    has_segment_5 = framework.improvement_programme_segment is not None
    return explain_counted(assessment, counted, average_of(counted, framework), cut_points, has_segment_5)


def explain_counted(
    assessment: Assessment,
    counted: Mapping[str, Decimal],
    recomputed: Decimal | None,
    cut_points: HasCutPoints | None = None,
    has_segment_5: bool = False,
) -> tuple[Reason, ...]:
    """`explain`, given the counted scores and their average already worked out."""
    steps = (
        _scores(counted),
        _average(assessment, len(counted), recomputed),
        _placing(assessment, cut_points),
        _override(assessment),
        _programme(assessment, has_segment_5),
        _rank(assessment),
    )
    return tuple(reason for reason in steps if reason is not None)


def explain_decision(decided_by: str | None, reason_codes: Sequence[str], source: str | None) -> tuple[Reason, ...]:
    """Segments before 2025/26 were decisions: say who decided, on what grounds, and where it is written."""
    who = f"Decided by {decided_by}" if decided_by else "Decided by NHS England"
    grounds = ", ".join(REASON_CODE_WORDS.get(code, code.lower()) for code in reason_codes)
    text = f"{who}{f' on grounds of {grounds}' if grounds else ''}{f'. Source: {source}' if source else ''}."
    return (Reason.plain(Step.DECISION, text),)


class _Listed(tuple[tuple[str, Decimal], ...]):
    """Metric ids and scores, written out as "OF1016 3.80, OF1063 3.30" only when a reason is read."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return ", ".join(f"{metric} {score:.2f}" for metric, score in self)


def _scores(counted: Mapping[str, Decimal]) -> Reason | None:
    worst = worst_of(counted)
    if not worst:
        return None
    metrics = tuple(metric for metric, _ in worst)
    return Reason(Step.SCORES, "{0} scored metrics; the worst: {1}.", (len(counted), _Listed(worst)), metrics)


def _average(assessment: Assessment, count: int, recomputed: Decimal | None) -> Reason | None:
    average = assessment.average_score
    if average is None:
        return None
    if recomputed is None:
        template = "Average metric score {0:.2f}, as published (no metric scores are held for this quarter)."
        return Reason(Step.AVERAGE, template, (average,))
    if recomputed == average:
        return Reason(Step.AVERAGE, "Average metric score {0:.2f}: the mean of {1} metric scores.", (average, count))
    template = (
        "Average metric score {0:.2f}, as NHS England published it; the mean of the {1} "
        "published (rounded) scores is {2:.2f}."
    )
    return Reason(Step.AVERAGE, template, (average, count, recomputed))


def _placing(assessment: Assessment, cut_points: HasCutPoints | None) -> Reason | None:
    unadjusted, average = assessment.unadjusted_segment, assessment.average_score
    if unadjusted is None or average is None:
        return None
    if cut_points is not None:
        template = "Average {0:.2f} against the cut-points {1}: segment {2}."
        return Reason(Step.SEGMENT, template, (average, cut_points, unadjusted))
    template = "Average {0:.2f} placed it in segment {1} of the quarter's quartiles."
    return Reason(Step.SEGMENT, template, (average, unadjusted))


def _override(assessment: Assessment) -> Reason | None:
    if not assessment.financial_override:
        return None
    adjusted, unadjusted = assessment.adjusted_segment, assessment.unadjusted_segment
    if assessment.override_applied:
        template = "In financial deficit or receiving deficit support: held at segment {0}, not {1}."
    elif unadjusted is None:
        template = "In financial deficit or receiving deficit support, so at best segment {0}."
    else:
        template = "In financial deficit or receiving deficit support; already in segment {0}, so no change."
    return Reason(Step.FINANCIAL_OVERRIDE, template, (adjusted, unadjusted))


def _programme(assessment: Assessment, has_segment_5: bool) -> Reason | None:
    if has_segment_5 and not assessment.programme_published and assessment.segment != 5:
        text = "Segment 5 (Provider Improvement Programme): not published by NHS England for this quarter."
        return Reason.plain(Step.IMPROVEMENT_PROGRAMME, text)
    if not assessment.in_improvement_programme:
        return None
    template = "In the Provider Improvement Programme (formerly the Recovery Support Programme): segment 5"
    if assessment.adjusted_segment:
        return Reason(
            Step.IMPROVEMENT_PROGRAMME, template + ", underlying segment {0}.", (assessment.adjusted_segment,)
        )
    return Reason(Step.IMPROVEMENT_PROGRAMME, template + ".")


_RANKED = "Ranked {0} of {1} {2.plural}, by segment then average."
_RANKED_AMONG = "Ranked {0} among {2.plural}, by segment then average."


def _rank(assessment: Assessment) -> Reason | None:
    if assessment.rank is None or assessment.peer_table is None:
        return None
    template = _RANKED if assessment.peer_count else _RANKED_AMONG
    return Reason(Step.RANK, template, (assessment.rank, assessment.peer_count, assessment.peer_table))
