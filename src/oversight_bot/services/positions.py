"""Where a trust stands metric by metric, against its peers and over time: the `metric`, `compare`
and `trend` answers, from one version of the read model (`snapshot.py`).

Every figure is one NHS England's files hold: values with their units and reporting periods, the
peer median and quartiles and the rank from the value rows (`Median_value`, `Lower_quartile`,
`Upper_quartile`, `Rank`), scores, domain results, averages, segments and ranks, and the league
table's likely ranges where a league file was loaded. What is computed here is labelled as such:
how many trusts a rank is out of (those of the type with a value that quarter), which way a metric
is better (read from the file's own ranks), and a mean of the averages held per quarter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from rapidfuzz import fuzz

from oversight_bot.domain.assessments import Assessment
from oversight_bot.domain.frameworks import FrameworkVersion
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricValue, value_id_for
from oversight_bot.domain.organisations import Organisation, TrustType
from oversight_bot.domain.provenance import Provenance
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.trends import ScoreChange, score_change
from oversight_bot.services.segments import MetricDetail, SegmentReader

MAX_COMPARED = 4
DIFFERENCES_SHOWN = 5
HUNDREDTH = Decimal("0.01")
PeerKey = tuple[Quarter, str, str, TrustType | None]  # quarter, value id, units, trust type


@dataclass(frozen=True, slots=True)
class Peered:
    """A value with NHS England's peer figures, and how many trusts of its type have a value that
    quarter (what its rank is out of)."""

    value: MetricValue
    ranked: int | None


@dataclass(frozen=True, slots=True)
class MetricRow:
    detail: MetricDetail
    values: tuple[Peered, ...]


@dataclass(frozen=True, slots=True)
class DomainBlock:
    """A domain's result (OF400x score, OF410x segment) and its metrics, worst first."""

    domain: str
    result: DomainResult | None
    metrics: tuple[MetricRow, ...]


@dataclass(frozen=True, slots=True)
class MetricsView:
    organisation: Organisation
    version: int
    quarter: Quarter | None  # the quarter the metrics are from
    assessment: Assessment | None  # that quarter's segment, if held
    domains: tuple[DomainBlock, ...]  # worst domain first
    provenance: Provenance | None
    asked: Quarter | None = None  # the quarter asked for, when the metrics are from an earlier one


@dataclass(frozen=True, slots=True)
class MetricQuarter:
    quarter: Quarter
    score: Decimal | None
    values: tuple[Peered, ...]
    provenance: Provenance | None


class Direction(StrEnum):
    HIGHER = "higher values rank better"
    LOWER = "lower values rank better"


@dataclass(frozen=True, slots=True)
class MetricHistoryView:
    """One metric of one trust, quarter by quarter, with what the file says it is and how it counts."""

    organisation: Organisation
    version: int
    metric_id: str  # the score's id (OF1xxx)
    info: MetricInfo | None  # the score row's description, domain, sub-domain
    value_info: MetricInfo | None  # the value row's (units), when the metric has a value
    quarters: tuple[MetricQuarter, ...]  # oldest first
    weight: Fraction
    excluded: bool  # counts only through another score (the combined finance score)
    direction: Direction | None  # read from the file's ranks; None when they do not say


class MatchStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class MetricMatch:
    status: MatchStatus
    metric_id: str | None = None
    candidates: tuple[tuple[str, str], ...] = ()  # (score id, name)


@dataclass(frozen=True, slots=True)
class NationalAverage:
    """The mean of the average metric scores held for a quarter: not NHS England's national
    figure (which divides all scores by all metrics), and only over the trusts loaded."""

    quarter: Quarter
    mean: Decimal
    trusts: int
    by_type: tuple[tuple[TrustType, int], ...]
    secondary: int  # how many of the averages come from a secondary source


@dataclass(frozen=True, slots=True)
class TrendPoint:
    assessment: Assessment
    framework: str
    change: ScoreChange | None  # from the previous quarter held with an average, same framework
    compared_with: Quarter | None  # that quarter
    national: NationalAverage | None
    domains: tuple[DomainResult, ...]


@dataclass(frozen=True, slots=True)
class TrendView:
    organisation: Organisation
    version: int
    points: tuple[TrendPoint, ...]  # oldest first

    @property
    def ranges_held(self) -> bool:
        return any(p.assessment.average_range is not None for p in self.points)


@dataclass(frozen=True, slots=True)
class Compared:
    organisation: Organisation
    assessment: Assessment | None
    domains: tuple[DomainResult, ...]
    metrics_quarter: Quarter | None
    scores: Mapping[str, Decimal]
    values: Mapping[str, tuple[MetricValue, ...]]  # by score id


@dataclass(frozen=True, slots=True)
class Difference:
    metric_id: str
    name: str
    spread: Decimal  # worst score minus best
    scores: tuple[Decimal | None, ...]  # one per organisation, in the order compared


@dataclass(frozen=True, slots=True)
class CompareView:
    version: int
    entries: tuple[Compared, ...]
    differences: tuple[Difference, ...]
    tables: tuple[TrustType | None, ...]

    @property
    def same_table(self) -> bool:
        return len(set(self.tables)) == 1 and self.tables[0] is not None


class PositionReader:
    """The answers of `metric`, `compare` and `trend` over one `SegmentReader` (one data version);
    its indexes are built once, on first use."""

    def __init__(self, reader: SegmentReader) -> None:
        self.reader = reader
        self.snapshot = reader.snapshot
        self._peers: dict[PeerKey, tuple[int, Direction | None]] | None = None
        self._national: dict[Quarter, NationalAverage] | None = None

    # metric <organisation>

    def metrics(self, code: str, quarter: Quarter | None = None) -> MetricsView | None:
        organisation = self.snapshot.organisations.get(code)
        if organisation is None:
            return None
        version = self.snapshot.version
        shown = self.metrics_quarter(code, quarter)
        if shown is None:
            return MetricsView(organisation, version, None, None, (), None, quarter)
        assessment = self._assessment(code, shown)
        framework = self.reader.frameworks.by_code(assessment.framework) if assessment else None
        details = self.reader.metric_details(code, shown, framework) if framework else ()
        rows = [MetricRow(d, self._peered(code, shown, d.values)) for d in details]
        results = {r.domain: r for r in self.snapshot.domain_results.get((code, shown), ())}
        blocks = _domain_blocks(rows, results)
        provenance = assessment.provenance if assessment else None
        return MetricsView(organisation, version, shown, assessment, blocks, provenance, _asked(quarter, shown))

    def metrics_quarter(self, code: str, quarter: Quarter | None = None) -> Quarter | None:
        """The latest quarter with metric scores, at or before `quarter` if one is asked for."""
        held = [q for q in self.scored_quarters(code) if quarter is None or q <= quarter]
        return held[-1] if held else None

    def scored_quarters(self, code: str) -> list[Quarter]:
        history = self.snapshot.reported_history.get(code, [])
        return [a.quarter for a in history if (code, a.quarter) in self.snapshot.scores]

    # metric <organisation> <metric>

    def metric_history(self, code: str, metric_id: str) -> MetricHistoryView | None:
        organisation = self.snapshot.organisations.get(code)
        if organisation is None:
            return None
        value_id = value_id_for(metric_id)
        quarters = []
        for quarter in self.scored_quarters(code):
            score = self.snapshot.scores.get((code, quarter), {}).get(metric_id)
            values = [v for v in self.snapshot.values.get((code, quarter), ()) if v.metric_id == value_id]
            if score is None and not values:
                continue
            assessment = self._assessment(code, quarter)
            provenance = assessment.provenance if assessment else None
            quarters.append(MetricQuarter(quarter, score, self._peered(code, quarter, values), provenance))
        framework = self._framework_of(code)
        weight = framework.weight(metric_id) if framework else Fraction(1)
        excluded = framework is not None and metric_id in framework.excluded_from_average
        direction = self._direction(code, value_id)
        return MetricHistoryView(
            organisation,
            self.snapshot.version,
            metric_id,
            self.snapshot.metrics.get(metric_id),
            self.snapshot.metrics.get(value_id),
            tuple(quarters),
            weight,
            excluded,
            direction,
        )

    def find_metric(self, code: str, typed: str) -> MetricMatch:
        """A metric by id (OF1011, or its value's OF0011) or by words ("cancer 62", "A&E 4 hour"),
        among the organisation's own metrics first, then among all those loaded."""
        words = typed.strip()
        identifier = re.fullmatch(r"(?i)\s*OF\s*([01])(\d{3})\s*", words)
        if identifier:
            metric_id = f"OF1{identifier[2]}"
            known = metric_id in self.snapshot.metrics or any(
                metric_id in scores for scores in self.snapshot.scores.values()
            )
            return MetricMatch(MatchStatus.FOUND, metric_id) if known else MetricMatch(MatchStatus.NONE)
        own = {m for q in self.scored_quarters(code) for m in self.snapshot.scores.get((code, q), {})}
        everything = {m for m in self.snapshot.metrics if m.startswith("OF1")}
        for pool in (own, everything - own):
            found = _matching(words, {m: self._name(m) for m in pool})
            if found:
                if len(found) == 1:
                    return MetricMatch(MatchStatus.FOUND, found[0])
                return MetricMatch(MatchStatus.AMBIGUOUS, candidates=tuple((m, self._name(m)) for m in found[:8]))
        return MetricMatch(MatchStatus.NONE)

    # trend <organisation>

    def trend(self, code: str) -> TrendView | None:
        organisation = self.snapshot.organisations.get(code)
        if organisation is None:
            return None
        points: list[TrendPoint] = []
        previous: Assessment | None = None
        for assessment in self.snapshot.reported_history.get(code, []):
            change, compared_with = None, None
            if previous is not None and previous.framework == assessment.framework:
                compared_with = previous.quarter
                change = score_change(
                    previous.average_score,
                    assessment.average_score,
                    previous.average_range,
                    assessment.average_range,
                )
            if assessment.average_score is not None:
                previous = assessment
            domains = tuple(self.snapshot.domain_results.get((code, assessment.quarter), ()))
            framework = self.reader.frameworks.by_code(assessment.framework)
            name = framework.name if framework else assessment.framework
            national = self.national(assessment.quarter)
            points.append(TrendPoint(assessment, name, change, compared_with, national, domains))
        return TrendView(organisation, self.snapshot.version, tuple(points))

    def national(self, quarter: Quarter) -> NationalAverage | None:
        if self._national is None:
            self._national = _national_averages(self.snapshot.reported_history.values())
        return self._national.get(quarter)

    # compare <organisation> <organisation> ...

    def compare(self, codes: Iterable[str], quarter: Quarter | None = None) -> CompareView:
        entries = tuple(self._compared(code, quarter) for code in codes)
        tables = tuple(
            (e.assessment.peer_table if e.assessment else None) or e.organisation.trust_type for e in entries
        )
        return CompareView(self.snapshot.version, entries, self._differences(entries), tables)

    def _compared(self, code: str, quarter: Quarter | None) -> Compared:
        organisation = self.snapshot.organisations[code]
        history = [a for a in self.snapshot.reported_history.get(code, []) if quarter is None or a.quarter <= quarter]
        assessment = history[-1] if history else None
        if quarter is not None and assessment is not None and assessment.quarter != quarter:
            assessment = None
        domains = tuple(self.snapshot.domain_results.get((code, assessment.quarter), ())) if assessment else ()
        shown = self.metrics_quarter(code, quarter)
        scores = self.snapshot.scores.get((code, shown), {}) if shown else {}
        values: dict[str, list[MetricValue]] = {}
        for value in self.snapshot.values.get((code, shown), ()) if shown else ():
            values.setdefault("OF1" + value.metric_id[3:], []).append(value)
        return Compared(organisation, assessment, domains, shown, scores, {k: tuple(v) for k, v in values.items()})

    def _differences(self, entries: tuple[Compared, ...]) -> tuple[Difference, ...]:
        """The metrics scored for two or more of them, widest spread of scores first."""
        ids = sorted({m for e in entries for m, s in e.scores.items() if s > 0})
        found = []
        for metric_id in ids:
            scores = tuple(e.scores.get(metric_id) if e.scores.get(metric_id) else None for e in entries)
            held = [s for s in scores if s is not None]
            if len(held) >= 2:
                found.append(Difference(metric_id, self._name(metric_id), max(held) - min(held), scores))
        found.sort(key=lambda d: (-d.spread, d.metric_id))
        return tuple(d for d in found if d.spread > 0)[:DIFFERENCES_SHOWN]

    # shared

    def _name(self, metric_id: str) -> str:
        info = self.snapshot.metrics.get(metric_id)
        return info.description.strip() if info else metric_id

    def _assessment(self, code: str, quarter: Quarter) -> Assessment | None:
        return next((a for a in self.snapshot.reported_history.get(code, []) if a.quarter == quarter), None)

    def _framework_of(self, code: str) -> FrameworkVersion | None:
        latest = self.snapshot.latest(code)
        return self.reader.frameworks.by_code(latest.framework) if latest else None

    def _table(self, code: str, quarter: Quarter) -> TrustType | None:
        assessment = self._assessment(code, quarter)
        if assessment is not None and assessment.peer_table is not None:
            return assessment.peer_table
        organisation = self.snapshot.organisations.get(code)
        return organisation.trust_type if organisation else None

    def _peered(self, code: str, quarter: Quarter, values: Iterable[MetricValue]) -> tuple[Peered, ...]:
        peers = self._peer_index()
        table = self._table(code, quarter)
        return tuple(Peered(v, peers.get((quarter, v.metric_id, v.units, table), (None, None))[0]) for v in values)

    def _direction(self, code: str, value_id: str) -> Direction | None:
        peers = self._peer_index()
        for quarter in reversed(self.scored_quarters(code)):
            found = peers.get((quarter, value_id, _units_of(self.snapshot.values.get((code, quarter), ()), value_id),
                               self._table(code, quarter)))  # fmt: skip
            if found is not None and found[1] is not None:
                return found[1]
        return None

    def _peer_index(self) -> dict[PeerKey, tuple[int, Direction | None]]:
        if self._peers is None:
            self._peers = _peer_index(self.snapshot.values, self._table)
        return self._peers


def _asked(asked: Quarter | None, shown: Quarter) -> Quarter | None:
    return asked if asked is not None and asked != shown else None


def _units_of(values: Iterable[MetricValue], value_id: str) -> str:
    return next((v.units for v in values if v.metric_id == value_id), "")


def _domain_blocks(rows: list[MetricRow], results: Mapping[str, DomainResult]) -> tuple[DomainBlock, ...]:
    """Metrics grouped by domain, worst score first; the domains worst first (by domain score where
    the file gives one, else by their worst metric)."""
    by_domain: dict[str, list[MetricRow]] = {}
    for row in rows:
        by_domain.setdefault(row.detail.domain or "Other", []).append(row)
    blocks = []
    for domain, metrics in by_domain.items():
        metrics.sort(key=lambda r: (-r.detail.score, r.detail.metric_id))
        blocks.append(DomainBlock(domain, results.get(domain), tuple(metrics)))

    def badness(block: DomainBlock) -> tuple[Decimal, str]:
        result = block.result
        score = result.score if result and result.score is not None else max(r.detail.score for r in block.metrics)
        return (-score, block.domain)

    return tuple(sorted(blocks, key=badness))


def _peer_index(
    values: Mapping[tuple[str, Quarter], list[MetricValue]], table_of: Callable[[str, Quarter], TrustType | None]
) -> dict[PeerKey, tuple[int, Direction | None]]:
    """Per quarter, value metric, units and trust type: how many trusts have a value, and which
    way the file ranks them (rank 1 is best: compare the values at the best and the worst rank)."""
    counts: dict[PeerKey, int] = {}
    best: dict[PeerKey, tuple[int, Decimal]] = {}
    worst: dict[PeerKey, tuple[int, Decimal]] = {}
    for (code, quarter), items in values.items():
        table = table_of(code, quarter)
        for value in items:
            key = (quarter, value.metric_id, value.units, table)
            counts[key] = counts.get(key, 0) + 1
            if value.rank is None:
                continue
            if key not in best or value.rank < best[key][0]:
                best[key] = (value.rank, value.value)
            if key not in worst or value.rank > worst[key][0]:
                worst[key] = (value.rank, value.value)
    index: dict[PeerKey, tuple[int, Direction | None]] = {}
    for key, count in counts.items():
        direction = None
        if key in best and key in worst and best[key][1] != worst[key][1]:
            direction = Direction.HIGHER if best[key][1] > worst[key][1] else Direction.LOWER
        index[key] = (count, direction)
    return index


def _national_averages(histories: Iterable[list[Assessment]]) -> dict[Quarter, NationalAverage]:
    per_quarter: dict[Quarter, list[Assessment]] = {}
    for history in histories:
        for assessment in history:
            if assessment.average_score is not None:
                per_quarter.setdefault(assessment.quarter, []).append(assessment)
    found = {}
    for quarter, held in per_quarter.items():
        total = sum((a.average_score for a in held if a.average_score is not None), Decimal(0))
        mean = (total / len(held)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
        types: dict[TrustType, int] = {}
        for a in held:
            if a.peer_table is not None:
                types[a.peer_table] = types.get(a.peer_table, 0) + 1
        secondary = sum(1 for a in held if a.provenance is not None and a.provenance.secondary)
        found[quarter] = NationalAverage(quarter, mean, len(held), tuple(sorted(types.items())), secondary)
    return found


# Words people use for what NHS England's descriptions say otherwise; matched as whole words.
VOCABULARY = (
    (re.compile(r"\b(a\s*&\s*e|a\s+and\s+e|ae|ed|emergency)\b"), "emergency department"),
    (re.compile(r"\b(c\.?\s*-?\s*diff?(icile)?)\b"), "c difficile"),
    (re.compile(r"\b(e\.?\s*-?\s*coli)\b"), "e coli"),
    (re.compile(r"\bcat(egory)?\s*2\b"), "category 2"),
    (re.compile(r"\bdischarges?\b"), "discharge"),
)
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "six": "6", "twelve": "12", "eighteen": "18"}
STOP_WORDS = {"the", "of", "a", "an", "for", "in", "to", "within", "percentage", "percent", "number", "rate", "%"}


def _tokens(text: str) -> list[str]:
    text = text.lower()
    for pattern, replacement in VOCABULARY:
        text = pattern.sub(replacement, text)
    words = re.split(r"[^a-z0-9]+", text)
    return [_stem(NUMBER_WORDS.get(w, w)) for w in words if w and w not in STOP_WORDS]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _word_matches(typed: str, words: list[str]) -> bool:
    if typed.isdigit():
        return typed in words
    return any(
        w == typed or (len(typed) >= 3 and w.startswith(typed)) or (len(typed) >= 5 and fuzz.ratio(typed, w) >= 85)
        for w in words
    )


def _matching(typed: str, names: Mapping[str, str]) -> list[str]:
    """The metrics whose names hold every word typed (a word may be the start of one, or a close
    misspelling); the closest first: fewest words in the name beyond those typed."""
    wanted = _tokens(typed)
    if not wanted:
        return []
    found = []
    for metric_id, name in names.items():
        words = _tokens(name)
        if all(_word_matches(w, words) for w in wanted):
            found.append((len(words), metric_id))
    return [metric_id for _, metric_id in sorted(found)]
