"""Check NHS England's published figures against the rules core, from NHS England's own file.

For every trust-quarter the file holds, recompute from the file's metric scores and flags:
the average metric score (must agree within 0.01: NHS England averages unrounded scores, the
file publishes them rounded), the unadjusted segment (the average placed by the quarter's
cut-points), the adjusted segment (the financial override applied to that), the final segment
(segment 5 for the improvement programme) and the league rank (competition rank by adjusted
segment, then average). Nothing published is echoed: each figure is worked out from the file's
scores and flags, then compared with what NHS England published.

The cut-points pool every provider type nationally, so no single file yields them: they are
given (`--cut-points`), or else implied by the file's own placings (each boundary at the lowest
average of the worse segment), and reported either way. Where the placings fit no single set of
cut-points the unadjusted segment is not checked, and the report says so.

Ranks and placings use NHS England's published average: it is the more precise figure. How many
ranks would differ if the recomputed (rounded-score) averages were used instead is reported too.
The import's count of "differences" is this check's count of mismatches (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from oversight_bot.domain.assessments import AVERAGE_TOLERANCE
from oversight_bot.domain.frameworks import FrameworkCatalogue
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.scores import average_metric_score
from oversight_bot.domain.segmentation import (
    CutPoints,
    apply_financial_override,
    final_segment,
    implied_cut_points,
    league_ranks,
)
from oversight_bot.services.releases import NofProvider, NofRelease


@dataclass(frozen=True, slots=True)
class Mismatch:
    ods_code: str
    quarter: Quarter
    measure: str
    published: object
    derived: object


@dataclass(frozen=True, slots=True)
class CheckedRow:
    ods_code: str
    quarter: Quarter
    published_average: Decimal
    derived_average: Decimal | None
    published_unadjusted: int
    derived_unadjusted: int | None
    published_adjusted: int
    derived_adjusted: int
    published_final: int | None
    derived_final: int
    published_rank: int | None
    derived_rank: int | None


@dataclass
class Tally:
    checked: int = 0
    agreed: int = 0

    def count(self, agrees: bool) -> None:
        self.checked += 1
        self.agreed += agrees

    @property
    def all_agree(self) -> bool:
        return self.checked == self.agreed


@dataclass
class CheckReport:
    source: str
    quarters: list[Quarter]
    rows: list[CheckedRow] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)
    exact_averages: int = 0
    ranks_differing_on_recomputed_averages: int = 0
    cut_points: dict[Quarter, CutPoints] = field(default_factory=dict)
    unplaced: list[Quarter] = field(default_factory=list)  # quarters whose placings fit no single set of cut-points

    @property
    def all_agree(self) -> bool:
        return all(t.all_agree for t in self.tallies.values())


def check_release(
    release: NofRelease, frameworks: FrameworkCatalogue, cut_points: Mapping[Quarter, CutPoints] | None = None
) -> CheckReport:
    given = cut_points or {}
    report = CheckReport(release.source.name, release.quarters)
    for measure in ("average", "unadjusted segment", "adjusted segment", "final segment", "rank"):
        report.tallies[measure] = Tally()
    for quarter in release.quarters:
        providers = [p for p in release.providers if p.quarter == quarter]
        cuts = given.get(quarter) or implied_cut_points(
            (p.summary.average_score, p.summary.unadjusted_segment) for p in providers
        )
        if cuts is None:
            report.unplaced.append(quarter)
        else:
            report.cut_points[quarter] = cuts
        _check_quarter(report, quarter, providers, frameworks, cuts)
    return report


def _check_quarter(
    report: CheckReport,
    quarter: Quarter,
    providers: list[NofProvider],
    frameworks: FrameworkCatalogue,
    cuts: CutPoints | None,
) -> None:
    framework = frameworks.for_quarter(quarter)
    if framework is None:
        raise ValueError(f"no framework version covers {quarter}")
    averages = {
        p.ods_code: average_metric_score({s.metric_id: s.score for s in p.scores}, framework) for p in providers
    }
    unadjusted = {
        p.ods_code: cuts.segment_for(p.summary.average_score) if cuts else p.summary.unadjusted_segment
        for p in providers
    }
    adjusted = {
        p.ods_code: apply_financial_override(unadjusted[p.ods_code], p.summary.financial_override, framework)
        for p in providers
    }
    ranks = league_ranks({p.ods_code: (p.trust_type, adjusted[p.ods_code], p.summary.average_score) for p in providers})
    on_recomputed = league_ranks(
        {p.ods_code: (p.trust_type, adjusted[p.ods_code], averages[p.ods_code] or Decimal(9)) for p in providers}
    )
    for provider in providers:
        code = provider.ods_code
        programme = bool(provider.summary.in_improvement_programme)
        row = CheckedRow(
            ods_code=code,
            quarter=quarter,
            published_average=provider.summary.average_score,
            derived_average=averages[code],
            published_unadjusted=provider.summary.unadjusted_segment,
            derived_unadjusted=unadjusted[code] if cuts else None,
            published_adjusted=provider.summary.adjusted_segment,
            derived_adjusted=adjusted[code],
            published_final=provider.summary.final_segment,
            derived_final=final_segment(adjusted[code], programme, framework),
            published_rank=provider.summary.rank,
            derived_rank=ranks[code].rank if code in ranks else None,
        )
        report.rows.append(row)
        _tally(report, row)
        if row.published_rank is not None and code in on_recomputed:
            report.ranks_differing_on_recomputed_averages += on_recomputed[code].rank != row.published_rank


def _tally(report: CheckReport, row: CheckedRow) -> None:
    derived_average = row.derived_average
    close = derived_average is not None and abs(derived_average - row.published_average) <= AVERAGE_TOLERANCE
    report.exact_averages += derived_average == row.published_average
    _measure(report, row, "average", close, row.published_average, derived_average)
    _measure(
        report,
        row,
        "adjusted segment",
        row.derived_adjusted == row.published_adjusted,
        row.published_adjusted,
        row.derived_adjusted,
    )
    if row.published_final is not None:
        _measure(
            report,
            row,
            "final segment",
            row.derived_final == row.published_final,
            row.published_final,
            row.derived_final,
        )
    if row.published_rank is not None:
        _measure(report, row, "rank", row.derived_rank == row.published_rank, row.published_rank, row.derived_rank)
    if row.derived_unadjusted is not None:
        agrees = row.derived_unadjusted == row.published_unadjusted
        _measure(report, row, "unadjusted segment", agrees, row.published_unadjusted, row.derived_unadjusted)


def _measure(
    report: CheckReport, row: CheckedRow, measure: str, agrees: bool, published: object, derived: object
) -> None:
    report.tallies[measure].count(agrees)
    if not agrees:
        report.mismatches.append(Mismatch(row.ods_code, row.quarter, measure, published, derived))
