"""Questions about segments: where does X stand and why, its history, league tables and lists.

Answers come from the in-memory snapshot (see `snapshot.py`), rebuilt only when an import has
committed since it was built, and then in the background while the old one is served.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from oversight_bot.domain.assessments import Assessment, Basis, compared_segments
from oversight_bot.domain.frameworks import FrameworkCatalogue, FrameworkVersion
from oversight_bot.domain.metrics import DomainResult, MetricValue, value_id_for
from oversight_bot.domain.organisations import Organisation, OrgKind, TrustType
from oversight_bot.domain.provenance import Provenance
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.register import Succession, icb_on
from oversight_bot.domain.scores import counted_scores, worst_scores
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.lookup import LookupResult, OrganisationIndex
from oversight_bot.services.reassess import collection_paused
from oversight_bot.services.register import RegisterView, register_view
from oversight_bot.services.retiring import GRACE_S, retire
from oversight_bot.services.snapshot import Snapshot, SnapshotSource

if TYPE_CHECKING:
    from oversight_bot.services.positions import PositionReader

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MetricLine:
    metric_id: str
    name: str
    score: Decimal


@dataclass(frozen=True, slots=True)
class PreviousSegment:
    segment: int
    quarter: Quarter
    framework: str
    underlying: int | None = None  # below segment 5, when that is what the move is measured from


@dataclass(frozen=True, slots=True)
class Segment5Status:
    """Segment 5 where NHS England stopped publishing it (OF5005/OF5007): unknown since
    `unpublished_since`; `last_published` is the last quarter that said, and what it said."""

    unpublished_since: Quarter
    last_published: Quarter | None = None
    last_in_programme: bool | None = None


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old the data behind an answer is, against the configured age (default six months)."""

    quarter: Quarter
    months_old: int
    stale: bool


@dataclass(frozen=True, slots=True)
class SegmentView:
    organisation: Organisation
    assessment: Assessment | None
    framework_name: str | None
    since: Quarter | None  # first quarter of the current run in this segment
    previous: PreviousSegment | None  # the segment before that run
    domains: tuple[DomainResult, ...]
    worst_metrics: tuple[MetricLine, ...]
    provisional_note: str = ""
    segment_5: Segment5Status | None = None
    freshness: Freshness | None = None
    not_held_in_run: tuple[Quarter, ...] = ()  # quarters inside the run that the store does not hold
    register: RegisterView = field(default_factory=RegisterView)

    @property
    def is_derived(self) -> bool:
        return self.assessment is not None and self.assessment.basis is Basis.DERIVED


@dataclass(frozen=True, slots=True)
class MetricDetail:
    """One scored metric of a trust-quarter, as `why` shows it: name, value, score, weighting."""

    metric_id: str  # the score's id (OF1xxx)
    name: str
    domain: str
    score: Decimal
    values: tuple[MetricValue, ...]  # the value it scores (OF0xxx), as a rate and a count where both are given
    weight: Fraction  # in the average: 1, or 1/3 for each infection metric
    counted: bool  # False: not scored (0), or counted through another score
    note: str = ""  # why it is not counted


@dataclass(frozen=True, slots=True)
class WhyView:
    segment: SegmentView
    metrics_quarter: Quarter | None  # the quarter the metrics are from (the latest with scores)
    metrics: tuple[MetricDetail, ...]
    metrics_provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    assessment: Assessment
    framework: str
    segment_5_unpublished: bool = False


@dataclass(frozen=True, slots=True)
class PredecessorHistory:
    """A predecessor's own segments, shown under its successor's history, marked as its."""

    succession: Succession
    organisation: Organisation | None
    entries: tuple[HistoryEntry, ...]


@dataclass(frozen=True, slots=True)
class HistoryView:
    organisation: Organisation
    entries: tuple[HistoryEntry, ...]  # reported assessments, oldest first
    freshness: Freshness | None = None
    predecessors: tuple[PredecessorHistory, ...] = ()
    register: RegisterView = field(default_factory=RegisterView)


@dataclass(frozen=True, slots=True)
class TableRow:
    organisation: Organisation
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class LeagueView:
    table: TrustType
    quarter: Quarter | None
    region: str | None
    rows: tuple[TableRow, ...]
    peer_count: int | None
    unranked: tuple[TableRow, ...] = ()  # in the table's quarter, but their source gives no rank
    missing_ranks: tuple[int, ...] = ()  # ranks of the national table that no source held gives
    sources: tuple[Provenance, ...] = ()
    freshness: Freshness | None = None


@dataclass(frozen=True, slots=True)
class Move:
    organisation: Organisation
    previous: Assessment
    current: Assessment
    moved_from: int  # the segments compared: below segment 5 where one quarter did not publish it
    moved_to: int


@dataclass(frozen=True, slots=True)
class ChangesView:
    moves: tuple[Move, ...]


@dataclass(frozen=True, slots=True)
class ListView:
    segment: int
    region: str | None
    rows: tuple[TableRow, ...]
    # Segment 5 where its latest quarter did not publish it: who was last published in it, and since when unknown.
    last_published: tuple[TableRow, ...] = ()
    unpublished_since: Quarter | None = None
    sources: tuple[Provenance, ...] = ()


class SegmentService:
    """Hands out readers over the current snapshot; a new snapshot is built off the request path.

    A question never waits for the store: `reader()` returns the snapshot in hand at once and, when
    `recheck_after_s` has passed since the store was last asked, starts a check in the background
    (a single-row query) that builds the next snapshot, if an import has committed, and swaps it
    in. Meanwhile the old one is served. Only the very first reader of a process waits for a load
    (servers load it before they report ready, see `ready`). An import in this process is seen at
    once (`invalidate` rebuilds in the importer's thread); one in another process within about
    `recheck_after_s`.
    """

    def __init__(
        self,
        source: SnapshotSource,
        frameworks: FrameworkCatalogue,
        *,
        recheck_after_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
        stale_after_months: int = 6,
        retire_after_s: float = GRACE_S,
    ) -> None:
        self.source = source
        self.frameworks = frameworks
        self.recheck_after_s = recheck_after_s
        self.retire_after_s = retire_after_s  # how long a replaced reader is kept (services/retiring.py)
        self.clock = clock
        self.ageing = Ageing(today, stale_after_months)
        self._reader: SegmentReader | None = None
        self._asked_at = -math.inf  # when the store was last asked (or a check started)
        self._confirmed_at = -math.inf  # when the store last confirmed the snapshot current
        self._failed = False  # whether the last check failed
        self._checking_since: float | None = None  # a background check in flight, since when
        self._load_lock = threading.Lock()  # one check or load at a time
        self._state_lock = threading.Lock()

    def reader(self) -> SegmentReader:
        """A reader over one consistent version of the data: take one per question."""
        reader = self._reader
        if reader is None:
            return self.refresh()
        if self.clock() - self._asked_at >= self.recheck_after_s:
            self._check_in_background()
        return reader

    def current(self) -> SegmentReader | None:
        """The reader in hand, if one is loaded; never touches the store."""
        return self._reader

    def refresh(self) -> SegmentReader:
        """Ask the store now, and build and swap in a new snapshot if the data changed; in the
        caller's thread (start-up, the alert worker, after an import)."""
        with self._load_lock:
            self._asked_at = self.clock()
            try:
                version = self.source.version()
                if self._reader is None or self._reader.snapshot.version != version:
                    replaced = [self._reader] if self._reader is not None else []
                    self._reader = self._build()
                    if replaced:
                        retire(replaced, self.retire_after_s)  # it takes the reader out of the list
            except BaseException:
                self._failed = True
                raise
            self._confirmed_at, self._failed = self.clock(), False
            return self._reader

    def _build(self) -> SegmentReader:
        """A new reader, built without the cyclic garbage collector: at 50,000 organisations a
        snapshot is over a million objects, and a full collection walking them stops every thread
        (every request) for over a second. What is built has no cycles to collect, so once built
        it is frozen out of later collections (`gc.freeze`), which then stay a few microseconds
        long; the snapshot it replaces is freed by reference counting (bench/bench_rebuild.py)."""
        with collection_paused():
            reader = SegmentReader(self.source.load(), self.frameworks, self.ageing)
            reader.index.warm()
            gc.freeze()
        return reader

    def invalidate(self) -> None:
        """An import committed in this process: build its snapshot now, in the importer's thread.
        If the store cannot be read just then, the next question's background check will. With no
        snapshot yet (a command that only imports, the seeding) there is nothing to rebuild: the
        first question loads one."""
        if self._reader is None:
            return
        try:
            self.refresh()
        except StoreUnavailable:
            self._asked_at = -math.inf

    def poke(self) -> None:
        """Check the store in the background if a check is due (a readiness probe calls this, so
        that an idle process still notices a store that has stopped answering)."""
        if self._reader is not None and self.clock() - self._asked_at >= self.recheck_after_s:
            self._check_in_background()

    def ready(self, patience_s: float = 2.0) -> bool:
        """Loaded, and the store answered its last check (or one is in flight for less than
        `patience_s`): what `/readyz` reports, without touching the store."""
        if self._reader is None or self._failed:
            return False
        since = self._checking_since
        return since is None or self.clock() - since < patience_s

    def age_s(self) -> float:
        """Seconds since the store last confirmed the snapshot current (for metrics)."""
        return self.clock() - self._confirmed_at

    def _check_in_background(self) -> None:
        with self._state_lock:
            if self._checking_since is not None:
                return
            self._checking_since = self._asked_at = self.clock()
        threading.Thread(target=self._background_check, name="read-model-refresh", daemon=True).start()

    def _background_check(self) -> None:
        try:
            self.refresh()
        except Exception as error:  # the snapshot in hand is served on; readiness says why not fresh
            logger.warning("read model not refreshed: %s", type(error).__name__)
        finally:
            with self._state_lock:
                self._checking_since = None

    def lookup(self, query: str) -> LookupResult:
        return self.reader().lookup(query)

    def organisation(self, code: str) -> Organisation | None:
        return self.reader().organisation(code)

    def segment(self, code: str) -> SegmentView | None:
        return self.reader().segment(code)

    def history(self, code: str) -> HistoryView | None:
        return self.reader().history(code)


@dataclass(frozen=True, slots=True)
class Ageing:
    """Today, and how old data may be before an answer says it may be out of date."""

    today: Callable[[], date] = date.today
    stale_after_months: int = 6

    def of(self, quarter: Quarter) -> Freshness:
        today, end = self.today(), quarter.end
        months = max(0, (today.year - end.year) * 12 + today.month - end.month - (today.day < end.day))
        return Freshness(quarter, months, months >= self.stale_after_months)


class SegmentReader:
    """Answers from one snapshot; immutable, so it can be shared between threads."""

    def __init__(self, snapshot: Snapshot, frameworks: FrameworkCatalogue, ageing: Ageing | None = None) -> None:
        self.snapshot = snapshot
        self.frameworks = frameworks
        self.ageing = ageing or Ageing()
        former = {code: [f.name for f in names] for code, names in snapshot.register.former_names.items()}
        self.index = OrganisationIndex(snapshot.organisations.values(), snapshot.aliases, former)

    def lookup(self, query: str) -> LookupResult:
        return self.index.lookup(query)

    def organisation(self, code: str) -> Organisation | None:
        return self.snapshot.organisations.get(code)

    def segment(self, code: str, quarter: Quarter | None = None) -> SegmentView | None:
        """Where it stands: in its latest quarter held, or in `quarter` (as that quarter knew it:
        the quarters after it are not looked at). A quarter not held gives no assessment."""
        snapshot = self.snapshot
        organisation = snapshot.organisations.get(code)
        if organisation is None:
            return None
        history = snapshot.reported_history.get(code, [])
        latest = history[-1].quarter if history else None
        if quarter is not None:
            history = [a for a in history if a.quarter <= quarter]
            if history and history[-1].quarter != quarter:
                history = []
        current = history[-1] if history else None
        if current is None:
            return SegmentView(organisation, None, None, None, None, (), (), register=self.register(code))
        since, previous = _run(history)
        framework = self.frameworks.by_code(current.framework)
        held = {a.quarter for a in history}
        return SegmentView(
            organisation=organisation,
            assessment=current,
            framework_name=framework.name if framework else current.framework,
            since=since,
            previous=previous,
            domains=tuple(snapshot.domain_results.get((code, current.quarter), ())),
            worst_metrics=self._worst(current),
            provisional_note=framework.thresholds_note if framework and current.basis is Basis.DERIVED else "",
            segment_5=_segment_5_status(history, framework),
            freshness=self.ageing.of(current.quarter) if current.quarter == latest else None,
            not_held_in_run=tuple(q for q in _quarters_between(since, current.quarter) if q not in held),
            register=self.register(code),
        )

    def register(self, code: str) -> RegisterView:
        """ICB, former names, successors and predecessors, from the register's history."""
        held = self.snapshot.register
        return register_view(code, self.snapshot.organisations, held.successors, held.predecessors, held.former_names)

    def icb_on(self, code: str, day: date) -> str | None:
        """The ICB the organisation belonged to on `day` (alerts follow the ICB at the time of the event)."""
        memberships = self.snapshot.register.memberships.get(code)
        if memberships:
            return icb_on(memberships, day)
        organisation = self.snapshot.organisations.get(code)
        return organisation.icb_code if organisation else None

    def knows_icb(self, code: str) -> bool:
        """An ICB code some organisation has belonged to, named in the ICB list or not."""
        upper = code.upper()
        held = self.snapshot.register.memberships
        return any(m.icb_code == upper for members in held.values() for m in members) or any(
            o.icb_code == upper for o in self.snapshot.organisations.values()
        )

    def quarters_held(self, code: str) -> list[Quarter]:
        """The quarters with a segment held for it, oldest first."""
        return [a.quarter for a in self.snapshot.reported_history.get(code, [])]

    def table_quarters(self, table: TrustType) -> list[Quarter]:
        """The quarters with a segment held for any trust of the table, oldest first."""
        held = self.snapshot.reported_history.values()
        return sorted({a.quarter for history in held for a in history if a.peer_table is table})

    @functools.cached_property
    def positions(self) -> PositionReader:
        """`metric`, `compare` and `trend` over this data version (their indexes built on first use)."""
        from oversight_bot.services.positions import PositionReader

        return PositionReader(self)

    def why(self, code: str, quarter: Quarter | None = None) -> WhyView | None:
        """The segment and its steps, with every scored metric of the latest quarter that has them
        (at or before `quarter`, when one is asked for)."""
        view = self.segment(code, quarter)
        if view is None or view.assessment is None:
            return None if view is None else WhyView(view, None, ())
        history = self.snapshot.reported_history.get(code, [])
        scored = [
            a
            for a in history
            if (code, a.quarter) in self.snapshot.scores and (quarter is None or a.quarter <= quarter)
        ]
        if not scored:
            return WhyView(view, None, ())
        source = scored[-1]
        framework = self.frameworks.by_code(source.framework)
        details = self.metric_details(code, source.quarter, framework) if framework else ()
        return WhyView(view, source.quarter, details, source.provenance)

    def history(self, code: str) -> HistoryView | None:
        organisation = self.snapshot.organisations.get(code)
        if organisation is None:
            return None
        history = self.snapshot.reported_history.get(code, [])
        register = self.register(code)
        predecessors = tuple(
            PredecessorHistory(s, self.snapshot.organisations.get(s.predecessor), self._entries(s.predecessor))
            for s in register.predecessors
            if self.snapshot.reported_history.get(s.predecessor)
        )
        freshness = self.ageing.of(history[-1].quarter) if history else None
        return HistoryView(organisation, self._entries(code), freshness, predecessors, register)

    def _entries(self, code: str) -> tuple[HistoryEntry, ...]:
        history = self.snapshot.reported_history.get(code, [])
        return tuple(
            HistoryEntry(a, self._framework_name(a.framework), self._segment_5_unpublished(a)) for a in history
        )

    def league(self, table: TrustType, region: str | None = None, quarter: Quarter | None = None) -> LeagueView:
        """The latest quarter's league table for a trust type (or `quarter`'s), by NHS England's
        rank; trusts whose source gives no rank are listed apart, and the ranks nobody holds are named."""
        snapshot = self.snapshot
        asked = quarter
        if quarter is None:
            latest = [
                (snapshot.organisations[code], history[-1])
                for code, history in snapshot.reported_history.items()
                if history and history[-1].peer_table is table
            ]
        else:
            latest = [
                (snapshot.organisations[code], a)
                for code, history in snapshot.reported_history.items()
                for a in history
                if a.quarter == quarter and a.peer_table is table
            ]
        quarter = max((a.quarter for _, a in latest), default=None)
        in_quarter = [TableRow(org, a) for org, a in latest if a.quarter == quarter]
        peer_count = max((r.assessment.peer_count or 0 for r in in_quarter), default=0) or None
        missing = _positions_not_held(
            [r.assessment.rank for r in in_quarter if r.assessment.rank is not None], peer_count
        )
        rows = [r for r in in_quarter if _in_region(r.organisation, r.assessment, region)]
        rows.sort(key=lambda r: (r.assessment.rank or 10**6, r.assessment.average_score or 0, r.organisation.name))
        ranked = tuple(r for r in rows if r.assessment.rank is not None)
        unranked = tuple(r for r in rows if r.assessment.rank is None)
        sources = _sources(r.assessment for r in rows)
        freshness = (
            self.ageing.of(quarter) if quarter and asked is None else None
        )  # a past quarter asked for is old by design
        return LeagueView(table, quarter, region, ranked, peer_count, unranked, missing, sources, freshness)

    def list_segment(self, segment: int, region: str | None = None) -> ListView:
        """Organisations whose latest reported segment is `segment`, best average first.

        Segment 5 is listed only from quarters that published it; where an organisation's latest
        quarter did not, it is listed apart if its last published quarter put it in segment 5.
        """
        snapshot = self.snapshot
        rows, last_published, since = [], [], []
        for code, history in snapshot.reported_history.items():
            organisation = snapshot.organisations[code]
            if not history or not _in_region(organisation, history[-1], region):
                continue
            current = history[-1]
            framework = self.frameworks.by_code(current.framework)
            status = _segment_5_status(history, framework) if segment == 5 else None
            if status is not None:
                since.append(status.unpublished_since)
                if status.last_in_programme and status.last_published is not None:
                    last = next(a for a in history if a.quarter == status.last_published)
                    last_published.append(TableRow(organisation, last))
            elif current.segment == segment:
                rows.append(TableRow(organisation, current))
        rows.sort(key=lambda r: (r.assessment.average_score or Decimal(9), r.organisation.name))
        last_published.sort(key=lambda r: r.organisation.name)
        sources = _sources(r.assessment for r in (*rows, *last_published))
        return ListView(segment, region, tuple(rows), tuple(last_published), min(since, default=None), sources)

    def recent_changes(self) -> ChangesView:
        """Organisations whose reported segment moved into each table's latest quarter."""
        latest_by_table: dict[object, Quarter] = {}
        for history in self.snapshot.reported_history.values():
            if history:
                table = history[-1].peer_table
                latest_by_table[table] = max(latest_by_table.get(table, history[-1].quarter), history[-1].quarter)
        moves = []
        for code, history in self.snapshot.reported_history.items():
            if len(history) < 2:
                continue
            previous, current = history[-2], history[-1]
            compared = compared_segments(previous, current) if previous.framework == current.framework else None
            moved = compared is not None and compared[0] != compared[1]
            if compared is not None and moved and current.quarter == latest_by_table.get(current.peer_table):
                moves.append(Move(self.snapshot.organisations[code], previous, current, *compared))
        moves.sort(key=lambda m: (m.current.quarter, m.moved_to - m.moved_from, m.organisation.name), reverse=True)
        return ChangesView(tuple(moves))

    def regions(self) -> list[str]:
        """Region names as NHS England's data uses them."""
        named = {org.region for org in self.snapshot.organisations.values() if org.region}
        named |= {a.region for items in self.snapshot.assessments.values() for a in items if a.region}
        return sorted(named)

    def region_named(self, typed: str) -> tuple[str | None, list[str]]:
        """The region a user meant, and if none is clear, the closest names to suggest: any case,
        the start of a name ("north east"), or a misspelling ("Londn")."""
        regions = self.regions()
        wanted = " ".join(typed.lower().split())
        exact = [r for r in regions if r.lower() == wanted]
        starting = [r for r in regions if r.lower().startswith(wanted)]
        for found in (exact, starting):
            if len(found) == 1:
                return found[0], []
        scored = process.extract(wanted, regions, scorer=fuzz.WRatio, processor=str.lower, limit=3)
        close = [name for name, score, _ in scored if score >= REGION_SIMILARITY]
        if len(close) == 1 or (close and fuzz.ratio(wanted, close[0].lower()) >= REGION_SIMILARITY):
            return close[0], []
        return None, starting or close or regions

    def find_icb(self, query: str) -> LookupResult:
        """An ICB by ODS code or name ("QWO", "West Yorkshire")."""
        found = self.index.lookup(query)
        if found.organisation is not None and found.organisation.kind is OrgKind.ICB:
            return found
        return self.index.lookup(f"{query} ICB")

    def suggest(self, query: str, limit: int = 20) -> list[tuple[str, str]]:
        """(ODS code, name) pairs for a typeahead: the best matches for what has been typed so far."""
        return [(c.ods_code, c.name) for c in self.index.suggest(query, limit)]

    def _worst(self, assessment: Assessment) -> tuple[MetricLine, ...]:
        framework = self.frameworks.by_code(assessment.framework)
        scores = self.snapshot.scores.get((assessment.ods_code, assessment.quarter), {})
        if framework is None or not scores:
            return ()
        return tuple(
            MetricLine(metric, _metric_name(self.snapshot, metric), score)
            for metric, score in worst_scores(scores, framework)
        )

    def _framework_name(self, code: str) -> str:
        framework = self.frameworks.by_code(code)
        return framework.name if framework else code

    def _segment_5_unpublished(self, assessment: Assessment) -> bool:
        framework = self.frameworks.by_code(assessment.framework)
        has_segment_5 = framework is not None and framework.improvement_programme_segment is not None
        return has_segment_5 and not assessment.programme_published

    def metric_details(self, code: str, quarter: Quarter, framework: FrameworkVersion) -> tuple[MetricDetail, ...]:
        """Every scored metric of a trust-quarter, with its values, weight and whether it counts."""
        scores = self.snapshot.scores.get((code, quarter), {})
        counted = counted_scores(scores, framework)
        values: dict[str, list[MetricValue]] = {}
        for value in self.snapshot.values.get((code, quarter), []):
            values.setdefault(value.metric_id, []).append(value)
        details = []
        for metric_id, score in scores.items():
            info = self.snapshot.metrics.get(metric_id)
            note = "" if metric_id in counted else _not_counted(metric_id, score, framework)
            details.append(
                MetricDetail(
                    metric_id=metric_id,
                    name=info.description if info else metric_id,
                    domain=info.domain if info else "",
                    score=score,
                    values=tuple(values.get(value_id_for(metric_id), ())),
                    weight=framework.weight(metric_id),
                    counted=metric_id in counted,
                    note=note,
                )
            )
        details.sort(key=lambda d: (d.domain, -d.score, d.metric_id))
        return tuple(details)


def _metric_name(snapshot: Snapshot, metric_id: str) -> str:
    info = snapshot.metrics.get(metric_id)
    return info.description if info else metric_id


def _run(history: list[Assessment]) -> tuple[Quarter, PreviousSegment | None]:
    """Since when the organisation has been in its current segment (quarters not held in between
    do not break the run), and what it was before. Where segment 5 is published in one quarter and
    not the other, the segments below it are compared, as an import's alerts compare them."""
    current = history[-1]
    since = current.quarter
    for earlier in reversed(history[:-1]):
        compared = compared_segments(earlier, current) if earlier.framework == current.framework else None
        if compared is None or compared[0] != compared[1]:
            underlying = compared[0] if compared is not None and compared[0] != earlier.segment else None
            return since, PreviousSegment(earlier.segment, earlier.quarter, earlier.framework, underlying)
        since = earlier.quarter
    return since, None


def _positions_not_held(ranks: list[int], peer_count: int | None) -> tuple[int, ...]:
    """Places of a national table that no trust held fills: with competition ranks ("1224") a rank
    shared by k trusts fills k places, so a skipped number after a tie is not missing."""
    if not ranks or not peer_count:
        return ()
    filled: set[int] = set()
    for rank, count in Counter(ranks).items():
        filled.update(range(rank, rank + count))
    return tuple(n for n in range(1, peer_count + 1) if n not in filled)


def _quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    quarters, quarter = [], first
    while quarter < last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def _segment_5_status(history: list[Assessment], framework: FrameworkVersion | None) -> Segment5Status | None:
    """Where the latest quarter does not publish segment 5 (its framework has one): since when it
    has not been published, and what was last published."""
    current = history[-1]
    if framework is None or framework.improvement_programme_segment is None or current.programme_published:
        return None
    since = current.quarter
    for earlier in reversed(history[:-1]):
        if earlier.framework != current.framework:
            break
        if earlier.programme_published:
            return Segment5Status(since, earlier.quarter, earlier.in_improvement_programme)
        since = earlier.quarter
    return Segment5Status(since)


def _not_counted(metric_id: str, score: Decimal, framework: FrameworkVersion) -> str:
    if score == 0:
        return "not scored"
    if metric_id in framework.excluded_from_average:
        return "counts through the combined finance score (OF1080)"
    return "not counted"


def _sources(assessments: Iterable[Assessment]) -> tuple[Provenance, ...]:
    found: dict[tuple[str, str], Provenance] = {}
    for assessment in assessments:
        if assessment.provenance is not None:
            found.setdefault((assessment.provenance.publisher, assessment.provenance.file), assessment.provenance)
    return tuple(sorted(found.values(), key=lambda p: (p.secondary, p.publisher)))


REGION_SIMILARITY = 80.0  # a region name typed this close (rapidfuzz) is taken as meant


def _in_region(organisation: Organisation, assessment: Assessment, region: str | None) -> bool:
    if region is None:
        return True
    wanted = region.strip().lower()
    return (assessment.region or organisation.region or "").lower() == wanted
