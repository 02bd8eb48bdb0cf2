"""What the bot says about a trust's position: its metrics against its peers (`metric`), one metric
over time, several trusts side by side (`compare`) and its average quarter by quarter (`trend`),
with the charts of `metric` and `trend` as data (`Chart`), which each platform draws.

Every figure shown is one the loaded files hold, labelled with its quarter and its source; what is
computed here (a mean of the averages held, how many peers a rank is out of) says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from oversight_bot.chat.replies import Chart, ChartKind, Choice, Fact, Reply, ReplyKind, Section, Series, SeriesRole
from oversight_bot.chat.wording import (
    average_text,
    freshness_text,
    label,
    league_text,
    metric_line,
    segment_phrase,
    source_text,
    value_text,
)
from oversight_bot.domain.assessments import Assessment
from oversight_bot.domain.metrics import DomainResult, MetricValue
from oversight_bot.domain.organisations import Organisation, TrustType, display_name
from oversight_bot.domain.provenance import Provenance
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.trends import ScoreChange, Significance
from oversight_bot.services.positions import (
    Compared,
    CompareView,
    MetricHistoryView,
    MetricQuarter,
    MetricsView,
    NationalAverage,
    Peered,
    TrendPoint,
    TrendView,
)
from oversight_bot.services.segments import Ageing, MetricDetail

SCORE_SCALE = "Scores run from 1 (best) to 4 (worst)."
SCORE_AXIS = "Metric score (1 best, 4 worst)"
AVERAGE_AXIS = "Average metric score (1 best, 4 worst)"
SPECIFICATION = (
    "https://www.england.nhs.uk/long-read/nhs-oversight-framework-technical-metric-specification-document-2025-26"
)
NOT_NATIONAL = "not NHS England's national figure"
WORST_BUTTONS = 3


# metric <organisation>


def metrics_reply(view: MetricsView, ageing: Ageing | None = None) -> Reply:
    organisation = view.organisation
    code = organisation.ods_code
    if view.quarter is None or not view.domains:
        return _nothing_held(organisation, "No metric scores are held for it.", f"metric {code}")
    quarter, assessment = view.quarter, view.assessment
    lines = [f"{quarter}: {_metric_count(view)} scored metrics, by domain, worst first. {SCORE_SCALE}"]
    if view.asked is not None:
        lines.insert(0, f"No metric scores are held for {view.asked}; these are {quarter}'s, the latest before it.")
    sections = [Section(lines=tuple(lines), facts=tuple(_assessment_facts(assessment)))]
    for block in view.domains:
        heading = f"{block.domain}{_domain_result(block.result)}"
        sections.append(Section(heading, tuple(_metric_row_line(row.detail, row.values) for row in block.metrics)))
    worst = sorted((row.detail for b in view.domains for row in b.metrics), key=lambda d: (-d.score, d.metric_id))
    choices = (
        Choice("Trend", f"trend {code}"),
        Choice("Why?", f"why {code}"),
        *(Choice(f"{d.metric_id} by quarter", f"metric {code} {d.metric_id}") for d in worst[:WORST_BUTTONS]),
    )
    notes = [
        f"Source: {source_text(view.provenance)}; {quarter}.",
        _peers_note(assessment.peer_table if assessment else organisation.trust_type),
    ]
    if ageing is not None and view.asked is None:
        notes.append(freshness_text(ageing.of(quarter)))
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Metrics: {label(organisation)}",
        summary=f"{code}: {_metric_count(view)} metric scores, {quarter}",
        sections=tuple(sections),
        choices=choices,
        footnote=" ".join(filter(None, notes)),
        segment=assessment.segment if assessment else None,
        shareable=True,
        chart=_scores_chart(view),
    )


def _metric_count(view: MetricsView) -> int:
    return sum(len(b.metrics) for b in view.domains)


def _assessment_facts(assessment: Assessment | None) -> list[Fact]:
    if assessment is None:
        return []
    facts = [Fact("Segment", f"{segment_phrase(assessment)}, {assessment.quarter}")]
    if assessment.average_score is not None:
        facts.append(Fact("Average metric score", average_text(assessment)))
    if assessment.rank is not None and assessment.peer_table is not None:
        facts.append(Fact("League", league_text(assessment)))
    return facts


def _domain_result(result: DomainResult | None) -> str:
    if result is None:
        return ""
    parts = []
    if result.score is not None:
        parts.append(f"domain score {result.score:.2f}")
    if result.segment is not None:
        parts.append(f"segment {result.segment}")
    return f": {', '.join(parts)}" if parts else ""


def _metric_row_line(detail: MetricDetail, values: tuple[Peered, ...]) -> str:
    """ "Cancer ... (OF1011): score 3.72; value 58.86% (Jun-25), peer median 71.12%, quartiles 64.04%
    to 77.0%, rank 106 of 118"."""
    shown = "; ".join(peered_text(p) for p in values) or "no value published"
    return metric_line(detail, shown)


def peered_text(peered: Peered) -> str:
    """A value with its peers: "value 58.86% (Jun-25), peer median 71.12%, quartiles 64.04% to 77.0%,
    rank 106 of 118"."""
    value = peered.value
    parts = [f"value {value_text(value)}"]
    if value.median is not None:
        parts.append(f"peer median {figure(value.median, value.units)}")
    quartiles = _quartiles(value)
    if quartiles is not None:
        parts.append(f"quartiles {figure(quartiles[0], value.units)} to {figure(quartiles[1], value.units)}")
    if value.rank is not None:
        parts.append(f"rank {value.rank} of {peered.ranked}" if peered.ranked else f"rank {value.rank}")
    return ", ".join(parts)


def figure(number: Decimal, units: str) -> str:
    """A number in its units, as `value_text` shows a value (without its reporting period)."""
    return value_text(MetricValue("", Quarter(2000, 1), "", number, "", units=units))


def _peers_note(table: TrustType | None) -> str:
    among = f"among {table.plural}" if table else "among trusts of its type"
    return (
        f"Peer median, quartiles and rank are NHS England's, {among}; a rank is out of the trusts with a "
        "value that quarter."
    )


def _scores_chart(view: MetricsView) -> Chart:
    rows = [row.detail for block in view.domains for row in block.metrics]
    categories = tuple(d.metric_id for d in rows)  # the names are in the text beside each ID
    points = tuple(float(d.score) for d in rows)
    organisation = view.organisation
    alt = ", ".join(f"{d.metric_id} {d.score:.2f}" for d in rows)
    return Chart(
        key=f"v{view.version}:scores:{organisation.ods_code}:{view.quarter}",
        kind=ChartKind.BARS,
        title=f"{organisation.ods_code} metric scores, {view.quarter}",
        categories=categories,
        series=(Series(organisation.ods_code, SeriesRole.SUBJECT, points),),
        value_label=SCORE_AXIS,
        category_label="Metric ID (by domain, worst first; names in the answer)",
        alt_text=f"Metric scores of {display_name(organisation.name)}, {view.quarter}, 1 best and 4 worst: {alt}.",
        source=f"Source: {source_text(view.provenance)}",
        lower_is_better=True,
    )


def _short(name: str, limit: int = 38) -> str:
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


# metric <organisation> <metric>


def metric_history_reply(view: MetricHistoryView, ageing: Ageing | None = None) -> Reply:
    organisation = view.organisation
    code, metric_id = organisation.ods_code, view.metric_id
    name = view.info.description.strip() if view.info else metric_id
    if not view.quarters:
        text = f"No figures for {name} ({metric_id}) are held for it."
        return _nothing_held(organisation, text, f"metric {code}")
    lines = tuple(_quarter_line(q) for q in view.quarters)
    sections = [
        Section("What it is", _definition_lines(view, name)),
        Section("How it is scored", _scoring_lines(view)),
        Section("Quarter by quarter", lines),
    ]
    sources = _sources(q.provenance for q in view.quarters)
    latest = view.quarters[-1].quarter
    notes = [f"Sources: {'; '.join(sources)}.", _peers_note(organisation.trust_type)]
    if ageing is not None:
        notes.append(freshness_text(ageing.of(latest)))
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"{name} ({metric_id}): {label(organisation)}",
        summary=f"{code} {metric_id}: {len(view.quarters)} quarter(s), latest {latest}",
        sections=tuple(sections),
        choices=(Choice("All metrics", f"metric {code}"), Choice("Trend", f"trend {code}")),
        footnote=" ".join(filter(None, notes)),
        shareable=True,
        chart=_metric_chart(view, name),
    )


def _definition_lines(view: MetricHistoryView, name: str) -> tuple[str, ...]:
    info, value_info = view.info, view.value_info
    lines = [f"NHS England's description: {name}."]
    if info is not None and info.domain:
        sub = f", sub-domain {info.sub_domain}" if info.sub_domain else ""
        lines.append(f"Domain: {info.domain}{sub}.")
    if value_info is not None:
        units = sorted({v.value.units for q in view.quarters for v in q.values if v.value.units})
        lines.append(f"Its value is {value_info.metric_id}, in {', '.join(units) or 'the file’s units'}.")
    else:
        lines.append("NHS England's file gives a score for it but no value.")
    periods = dict.fromkeys(f"{v.value.reporting_date} ({q.quarter})" for q in view.quarters for v in q.values)
    if periods:
        lines.append(f"Reporting periods: {', '.join(periods)}.")
    return tuple(lines)


def _scoring_lines(view: MetricHistoryView) -> tuple[str, ...]:
    table = view.organisation.trust_type
    among = f"the other {table.plural}" if table else "trusts of its type"
    lines = [
        f"Scored from 1.00 (best) to 4.00 (worst) against {among}: NHS England ranks the values, and a metric "
        "with a standard scores 1.00 where the standard is met; tied values take the best score of the tie "
        "(NHS Oversight Framework 2025/26).",
    ]
    if view.direction is not None:
        lines.append(f"In NHS England's file, {view.direction.value}.")
    if view.excluded:
        lines.append("It counts in the average only through the combined finance score (OF1080).")
    elif view.weight != 1:
        lines.append(f"It counts {view.weight} of a metric in the average (one of the three infection metrics).")
    else:
        lines.append("It counts once in the average metric score.")
    lines.append("A score of 0 means not scored (data not submitted, or suppressed) and is left out of the average.")
    lines.append(f"Its standard, floor or banding is in NHS England's technical metric specification: {SPECIFICATION}")
    return tuple(lines)


def _quarter_line(quarter: MetricQuarter) -> str:
    score = f"score {quarter.score:.2f}" if quarter.score is not None else "no score"
    values = "; ".join(peered_text(p) for p in quarter.values) or "no value published"
    return f"{quarter.quarter}: {score}; {values}"


def _charted_value(quarter: MetricQuarter) -> Peered | None:
    """The value a chart shows: the rate (or percentage) where the file also gives a count."""
    values = sorted(quarter.values, key=lambda p: p.value.units == "count")
    return values[0] if values else None


def _metric_chart(view: MetricHistoryView, name: str) -> Chart | None:
    shown = [_charted_value(q) for q in view.quarters]
    if not any(shown):
        return _metric_score_chart(view, name)
    units = next(p.value.units for p in shown if p is not None)
    categories = tuple(str(q.quarter) for q in view.quarters)

    def pick(getter: str) -> tuple[float | None, ...]:
        return tuple(
            float(getattr(p.value, getter)) if p is not None and getattr(p.value, getter) is not None else None
            for p in shown
        )

    bands = [_quartiles(p.value) if p is not None else None for p in shown]
    lows = tuple(float(b[0]) if b else None for b in bands)
    highs = tuple(float(b[1]) if b else None for b in bands)
    code = view.organisation.ods_code
    alt = "; ".join(
        f"{q.quarter}: {figure(p.value.value, p.value.units)}"
        + (f", peer median {figure(p.value.median, p.value.units)}" if p.value.median is not None else "")
        for q, p in zip(view.quarters, shown, strict=True)
        if p is not None
    )
    table = view.organisation.trust_type
    return Chart(
        key=f"v{view.version}:metric:{code}:{view.metric_id}",
        kind=ChartKind.LINE,
        title=f"{code} {view.metric_id}: {_short(name, 60)}",
        categories=categories,
        series=(
            Series(code, SeriesRole.SUBJECT, pick("value")),
            Series(
                f"Peer median ({table.plural if table else 'peers'})",
                SeriesRole.PEERS,
                pick("median"),
                lows,
                highs,
            ),
        ),
        value_label=f"Value ({units})" if units else "Value",
        category_label="Quarter",
        alt_text=f"{name} for {display_name(view.organisation.name)}: {alt}.",
        source=f"Source: {'; '.join(_sources(q.provenance for q in view.quarters))}",
    )


def _quartiles(value: MetricValue) -> tuple[Decimal, Decimal] | None:
    """The peers' quartiles, lower first (for a lower-is-better metric the file may give them either way)."""
    if value.lower_quartile is None or value.upper_quartile is None:
        return None
    low, high = sorted((value.lower_quartile, value.upper_quartile))
    return low, high


def _metric_score_chart(view: MetricHistoryView, name: str) -> Chart:
    """A metric with no value (a CQC rating, the combined finance score): its score over time."""
    code = view.organisation.ods_code
    points = tuple(float(q.score) if q.score is not None else None for q in view.quarters)
    alt = "; ".join(f"{q.quarter}: score {q.score:.2f}" for q in view.quarters if q.score is not None)
    return Chart(
        key=f"v{view.version}:metric-score:{code}:{view.metric_id}",
        kind=ChartKind.LINE,
        title=f"{code} {view.metric_id}: {_short(name, 60)}",
        categories=tuple(str(q.quarter) for q in view.quarters),
        series=(Series(code, SeriesRole.SUBJECT, points),),
        value_label=SCORE_AXIS,
        category_label="Quarter",
        alt_text=f"{name} scores for {display_name(view.organisation.name)}: {alt}.",
        source=f"Source: {'; '.join(_sources(q.provenance for q in view.quarters))}",
        lower_is_better=True,
    )


# trend <organisation>


def trend_reply(view: TrendView, ageing: Ageing | None = None) -> Reply:
    organisation = view.organisation
    code = organisation.ods_code
    if not view.points:
        return _nothing_held(organisation, "No segment is held for it.", f"segment {code}")
    lines = tuple(trend_line(point) for point in view.points)
    sections = [Section("Quarter by quarter, oldest first", lines)]
    domains = _domain_lines(view.points)
    if domains:
        sections.append(Section("Domain scores (segment)", domains))
    national = [p.national for p in view.points if p.national is not None]
    if national:
        sections.append(Section("Mean of the averages held, for comparison", tuple(national_line(n) for n in national)))
    notes = []
    if not view.ranges_held:
        notes.append(
            "No likely ranges are loaded for it (NHS England's league-table files give them), so no change is "
            "judged significant or not."
        )
    sources = _sources(p.assessment.provenance for p in view.points)
    notes.append(f"Sources: {'; '.join(sources)}.")
    if ageing is not None:
        notes.append(freshness_text(ageing.of(view.points[-1].assessment.quarter)))
    latest = view.points[-1].assessment
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Trend: {label(organisation)}",
        summary=f"{code}: {len(view.points)} quarter(s), segment {latest.segment} in {latest.quarter}",
        sections=tuple(sections),
        choices=(Choice("Metrics", f"metric {code}"), Choice("History", f"history {code}")),
        footnote=" ".join(filter(None, notes)),
        segment=latest.segment,
        shareable=True,
        chart=_trend_chart(view),
    )


def trend_line(point: TrendPoint) -> str:
    """ "Q2 2025/26: average 1.97 (0.16 lower than Q1 2025/26, ...), segment 3, 26th of 61 ..."."""
    a = point.assessment
    parts = []
    if a.average_score is not None:
        average = f"average {a.average_score:.2f}"
        extra = []
        if a.average_range is not None:
            extra.append(f"likely range {a.average_range[0]} to {a.average_range[1]}")
        if point.change is not None and point.compared_with is not None:
            extra.append(change_text(point.change, point.compared_with))
        parts.append(f"{average} ({'; '.join(extra)})" if extra else average)
    parts.append(segment_phrase(a).replace("Segment", "segment", 1))
    if a.rank is not None and a.peer_table is not None:
        parts.append(league_text(a))
    tags = [point.framework]
    if a.provenance is not None and a.provenance.secondary:
        tags.append("secondary source")
    return f"{a.quarter}: {', '.join(parts)} [{'; '.join(tags)}]"


def change_text(change: ScoreChange, since: Quarter) -> str:
    """ "0.16 better than Q1 2025/26: a significant change, the likely ranges do not overlap"."""
    if change.change == 0:
        moved = f"unchanged since {since}"
    else:
        moved = f"{abs(change.change):.2f} {'worse' if change.change > 0 else 'better'} than {since}"
    match change.significance:
        case Significance.SIGNIFICANT:
            return f"{moved}: a significant change, the likely ranges do not overlap"
        case Significance.WITHIN_RANGE:
            return f"{moved}: not a significant change, the likely ranges overlap"
    return f"{moved}: significance not judged, no likely range held for both quarters"


def national_line(national: NationalAverage) -> str:
    types = ", ".join(f"{count} {table.plural}" for table, count in national.by_type)
    secondary = f"; {national.secondary} of them from a secondary source" if national.secondary else ""
    return (
        f"{national.quarter}: {national.mean:.2f}, the mean of the {national.trusts} trusts' averages held "
        f"({types}{secondary}), {NOT_NATIONAL}"
    )


def _domain_lines(points: tuple[TrendPoint, ...]) -> tuple[str, ...]:
    by_domain: dict[str, list[str]] = {}
    for point in points:
        for result in point.domains:
            if result.score is None and result.segment is None:
                continue
            score = f"{result.score:.2f}" if result.score is not None else "no score"
            segment = f" ({result.segment})" if result.segment is not None else ""
            by_domain.setdefault(result.domain, []).append(f"{point.assessment.quarter} {score}{segment}")
    return tuple(f"{domain}: {', '.join(items)}" for domain, items in by_domain.items())


def _trend_chart(view: TrendView) -> Chart | None:
    points = [p for p in view.points if p.assessment.average_score is not None]
    if not points:
        return None
    code = view.organisation.ods_code

    def number(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    subject = Series(
        code,
        SeriesRole.SUBJECT,
        tuple(number(p.assessment.average_score) for p in points),
        tuple(number(p.assessment.average_range[0]) if p.assessment.average_range else None for p in points),
        tuple(number(p.assessment.average_range[1]) if p.assessment.average_range else None for p in points),
        tuple(f"segment {p.assessment.segment}" for p in points),
    )
    series = [subject]
    if any(p.national for p in points):
        label_ = f"Mean of the averages held ({NOT_NATIONAL})"
        series.append(Series(label_, SeriesRole.ALL, tuple(number(p.national.mean if p.national else None)
                                                            for p in points)))  # fmt: skip
    alt = "; ".join(
        f"{p.assessment.quarter}: {p.assessment.average_score:.2f}, segment {p.assessment.segment}" for p in points
    )
    sources = "; ".join(_sources(p.assessment.provenance for p in points))
    return Chart(
        key=f"v{view.version}:trend:{code}",
        kind=ChartKind.LINE,
        title=f"{code} average metric score by quarter",
        categories=tuple(str(p.assessment.quarter) for p in points),
        series=tuple(series),
        value_label=AVERAGE_AXIS,
        category_label="Quarter (segment shown at each point)",
        alt_text=f"Average metric score of {display_name(view.organisation.name)}: {alt}.",
        source=f"Sources: {sources}",
        lower_is_better=True,
    )


# compare <organisation> <organisation> ...


def compare_reply(view: CompareView) -> Reply:
    sections = []
    notes = []
    if not view.same_table:
        tables = ", ".join(dict.fromkeys(t.plural if t else "no league table" for t in view.tables))
        notes.append(
            f"They are not in the same league table ({tables}): each rank is within its own table, and averages "
            "come from different sets of metrics."
        )
    quarters = {e.assessment.quarter for e in view.entries if e.assessment}
    if len(quarters) > 1:
        notes.append("Their latest quarters differ: each is shown at its own latest quarter held.")
    if notes:
        sections.append(Section(lines=tuple(notes)))
    for entry in view.entries:
        sections.append(Section(label(entry.organisation), _compared_lines(entry)))
    sections.append(_differences_section(view))
    codes = [e.organisation.ods_code for e in view.entries]
    segments_from = [e.assessment.provenance for e in view.entries if e.assessment]
    sources = _sources([*segments_from, *(e.metrics_source for e in view.entries if e.metrics_source)])
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Compared: {', '.join(codes)}",
        summary=f"compared {', '.join(codes)}",
        sections=tuple(sections),
        choices=tuple(Choice(f"Metrics: {code}", f"metric {code}") for code in codes),
        footnote=f"{SCORE_SCALE} Sources: {'; '.join(sources)}." if sources else SCORE_SCALE,
        shareable=True,
    )


def _compared_lines(entry: Compared) -> tuple[str, ...]:
    a = entry.assessment
    if a is None:
        return ("No segment held for that quarter.",)
    parts = [f"{segment_phrase(a)}, {a.quarter}"]
    if a.average_score is not None:
        parts.append(f"average {average_text(a)}")
    if a.rank is not None and a.peer_table is not None:
        parts.append(f"ranked {league_text(a)}")
    lines = ["; ".join(parts)]
    domains = [f"{d.domain} {d.segment}" for d in entry.domains if d.segment is not None]
    if domains:
        lines.append(f"Domain segments: {', '.join(domains)}")
    if entry.metrics_quarter is not None and entry.metrics_quarter != a.quarter:
        lines.append(f"Metric scores from {entry.metrics_quarter}, the latest held with them.")
    return tuple(lines)


def _differences_section(view: CompareView) -> Section:
    codes = [e.organisation.ods_code for e in view.entries]
    if not view.differences:
        return Section("Where they differ most", ("No metric is scored for two or more of them.",))
    lines = []
    for difference in view.differences:
        scores = ", ".join(
            f"{code} {score:.2f}" if score is not None else f"{code} not scored"
            for code, score in zip(codes, difference.scores, strict=True)
        )
        lines.append(f"{_short(difference.name, 70)} ({difference.metric_id}): {scores}")
    quarters = ", ".join(dict.fromkeys(str(e.metrics_quarter) for e in view.entries if e.metrics_quarter))
    return Section(f"Where their metric scores differ most ({quarters})", tuple(lines))


def _sources(provenances: Iterable[Provenance | None]) -> list[str]:
    return list(dict.fromkeys(source_text(p) for p in provenances))


# shared


def _nothing_held(organisation: Organisation, text: str, command: str) -> Reply:
    return Reply(
        kind=ReplyKind.ANSWER,
        title=label(organisation),
        summary=f"{organisation.ods_code}: {text}",
        sections=(Section(lines=(text,)),),
        choices=(Choice("Segment", f"segment {organisation.ods_code}"),) if not command.startswith("segment") else (),
    )
