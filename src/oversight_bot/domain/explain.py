"""Reasons: why an assessment is what it is, step by step, in words the bot can show ("why RWR?")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from oversight_bot.domain.assessments import Assessment, Reason, Step
from oversight_bot.domain.frameworks import FrameworkVersion
from oversight_bot.domain.scores import average_metric_score, counted_scores, worst_scores

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
    return (
        *_scores(scores, framework),
        *_average(assessment, scores, framework),
        *_placing(assessment, cut_points),
        *_override(assessment),
        *_programme(assessment),
        *_rank(assessment),
    )


def explain_decision(decided_by: str | None, reason_codes: Sequence[str], source: str | None) -> tuple[Reason, ...]:
    """Segments before 2025/26 were decisions: say who decided, on what grounds, and where it is written."""
    who = f"Decided by {decided_by}" if decided_by else "Decided by NHS England"
    grounds = ", ".join(REASON_CODE_WORDS.get(code, code.lower()) for code in reason_codes)
    text = f"{who}{f' on grounds of {grounds}' if grounds else ''}{f'. Source: {source}' if source else ''}."
    return (Reason(Step.DECISION, text),)


def _scores(scores: Mapping[str, Decimal], framework: FrameworkVersion) -> list[Reason]:
    worst = worst_scores(scores, framework)
    if not worst:
        return []
    counted = len(counted_scores(scores, framework))
    listed = ", ".join(f"{metric} {score:.2f}" for metric, score in worst)
    return [Reason(Step.SCORES, f"{counted} scored metrics; the worst: {listed}.", tuple(m for m, _ in worst))]


def _average(assessment: Assessment, scores: Mapping[str, Decimal], framework: FrameworkVersion) -> list[Reason]:
    average = assessment.average_score
    if average is None:
        return []
    recomputed = average_metric_score(scores, framework)
    count = len(counted_scores(scores, framework))
    if recomputed is None:
        text = f"Average metric score {average:.2f}, as published (its metric scores are not in the store)."
    elif recomputed == average:
        text = f"Average metric score {average:.2f}: the mean of {count} metric scores."
    else:
        text = (
            f"Average metric score {average:.2f}, as NHS England published it; the mean of the {count} "
            f"published (rounded) scores is {recomputed:.2f}."
        )
    return [Reason(Step.AVERAGE, text)]


def _placing(assessment: Assessment, cut_points: HasCutPoints | None) -> list[Reason]:
    unadjusted, average = assessment.unadjusted_segment, assessment.average_score
    if unadjusted is None or average is None:
        return []
    if cut_points is not None:
        text = f"Average {average:.2f} against the cut-points {cut_points}: segment {unadjusted}."
    else:
        text = f"Average {average:.2f} placed it in segment {unadjusted} of the quarter's quartiles."
    return [Reason(Step.SEGMENT, text)]


def _override(assessment: Assessment) -> list[Reason]:
    if not assessment.financial_override:
        return []
    adjusted, unadjusted = assessment.adjusted_segment, assessment.unadjusted_segment
    if assessment.override_applied:
        text = f"In financial deficit or receiving deficit support: held at segment {adjusted}, not {unadjusted}."
    elif unadjusted is None:
        text = f"In financial deficit or receiving deficit support, so at best segment {adjusted}."
    else:
        text = f"In financial deficit or receiving deficit support; already in segment {adjusted}, so no change."
    return [Reason(Step.FINANCIAL_OVERRIDE, text)]


def _programme(assessment: Assessment) -> list[Reason]:
    if not assessment.in_improvement_programme:
        return []
    underlying = f", underlying segment {assessment.adjusted_segment}" if assessment.adjusted_segment else ""
    text = f"In the Provider Improvement Programme (formerly the Recovery Support Programme): segment 5{underlying}."
    return [Reason(Step.IMPROVEMENT_PROGRAMME, text)]


def _rank(assessment: Assessment) -> list[Reason]:
    if assessment.rank is None or assessment.peer_table is None:
        return []
    peers = f" of {assessment.peer_count}" if assessment.peer_count else ""
    text = f"Ranked {assessment.rank}{peers} {assessment.peer_table.value.lower()}s, by segment then average."
    return [Reason(Step.RANK, text)]
