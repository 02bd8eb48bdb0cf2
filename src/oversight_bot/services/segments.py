"""Questions about segments: where does X stand and why, its history, league tables and lists.

Answers come from the in-memory snapshot (see `snapshot.py`), rebuilt only when an import has
committed since it was built, and then in the background while the old one is served.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz, process

from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.frameworks import FrameworkCatalogue
from oversight_bot.domain.metrics import DomainResult
from oversight_bot.domain.organisations import Organisation, OrgKind, TrustType
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.scores import worst_scores
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.lookup import LookupResult, OrganisationIndex
from oversight_bot.services.snapshot import Snapshot, SnapshotSource

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

    @property
    def is_derived(self) -> bool:
        return self.assessment is not None and self.assessment.basis is Basis.DERIVED


@dataclass(frozen=True, slots=True)
class HistoryView:
    organisation: Organisation
    entries: tuple[tuple[Assessment, str], ...]  # (reported assessment, framework name), oldest first


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


@dataclass(frozen=True, slots=True)
class Move:
    organisation: Organisation
    previous: Assessment
    current: Assessment


@dataclass(frozen=True, slots=True)
class ChangesView:
    moves: tuple[Move, ...]


@dataclass(frozen=True, slots=True)
class ListView:
    segment: int
    region: str | None
    rows: tuple[TableRow, ...]


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
    ) -> None:
        self.source = source
        self.frameworks = frameworks
        self.recheck_after_s = recheck_after_s
        self.clock = clock
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
                    self._reader = SegmentReader(self.source.load(), self.frameworks)
            except BaseException:
                self._failed = True
                raise
            self._confirmed_at, self._failed = self.clock(), False
            return self._reader

    def invalidate(self) -> None:
        """An import committed in this process: build its snapshot now, in the importer's thread.
        If the store cannot be read just then, the next question's background check will."""
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


class SegmentReader:
    """Answers from one snapshot; immutable, so it can be shared between threads."""

    def __init__(self, snapshot: Snapshot, frameworks: FrameworkCatalogue) -> None:
        self.snapshot = snapshot
        self.frameworks = frameworks
        self.index = OrganisationIndex(snapshot.organisations.values(), snapshot.aliases)

    def lookup(self, query: str) -> LookupResult:
        return self.index.lookup(query)

    def organisation(self, code: str) -> Organisation | None:
        return self.snapshot.organisations.get(code)

    def segment(self, code: str) -> SegmentView | None:
        snapshot = self.snapshot
        organisation = snapshot.organisations.get(code)
        if organisation is None:
            return None
        history = snapshot.reported_history.get(code, [])
        current = history[-1] if history else None
        if current is None:
            return SegmentView(organisation, None, None, None, None, (), ())
        since, previous = _run(history)
        framework = self.frameworks.by_code(current.framework)
        return SegmentView(
            organisation=organisation,
            assessment=current,
            framework_name=framework.name if framework else current.framework,
            since=since,
            previous=previous,
            domains=tuple(snapshot.domain_results.get((code, current.quarter), ())),
            worst_metrics=self._worst(current),
            provisional_note=framework.thresholds_note if framework and current.basis is Basis.DERIVED else "",
        )

    def history(self, code: str) -> HistoryView | None:
        organisation = self.snapshot.organisations.get(code)
        if organisation is None:
            return None
        history = self.snapshot.reported_history.get(code, [])
        return HistoryView(organisation, tuple((a, self._framework_name(a.framework)) for a in history))

    def league(self, table: TrustType, region: str | None = None) -> LeagueView:
        """The latest quarter's league table for a trust type, by NHS England's rank."""
        snapshot = self.snapshot
        latest = [
            (snapshot.organisations[code], history[-1])
            for code, history in snapshot.reported_history.items()
            if history and history[-1].peer_table is table
        ]
        quarter = max((a.quarter for _, a in latest), default=None)
        rows = [TableRow(org, a) for org, a in latest if a.quarter == quarter and _in_region(org, a, region)]
        rows.sort(key=lambda r: (r.assessment.rank or 10**6, r.assessment.average_score or 0, r.organisation.name))
        peer_count = max((r.assessment.peer_count or 0 for r in rows), default=0) or None
        return LeagueView(table, quarter, region, tuple(rows), peer_count)

    def list_segment(self, segment: int, region: str | None = None) -> ListView:
        """Organisations whose latest reported segment is `segment`, best average first."""
        snapshot = self.snapshot
        rows = [
            TableRow(snapshot.organisations[code], history[-1])
            for code, history in snapshot.reported_history.items()
            if history
            and history[-1].segment == segment
            and _in_region(snapshot.organisations[code], history[-1], region)
        ]
        rows.sort(key=lambda r: (r.assessment.average_score or Decimal(9), r.organisation.name))
        return ListView(segment, region, tuple(rows))

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
            moved = previous.quarter == current.quarter.previous() and previous.segment != current.segment
            if moved and current.quarter == latest_by_table.get(current.peer_table):
                moves.append(Move(self.snapshot.organisations[code], previous, current))
        moves.sort(
            key=lambda m: (m.current.quarter, m.current.segment - m.previous.segment, m.organisation.name), reverse=True
        )
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


def _metric_name(snapshot: Snapshot, metric_id: str) -> str:
    info = snapshot.metrics.get(metric_id)
    return info.description if info else metric_id


def _run(history: list[Assessment]) -> tuple[Quarter, PreviousSegment | None]:
    """Since when the organisation has been in its current segment, and what it was before."""
    current = history[-1]
    since = current.quarter
    for earlier in reversed(history[:-1]):
        consecutive = earlier.quarter == since.previous() and earlier.framework == current.framework
        if not consecutive or earlier.segment != current.segment:
            return since, PreviousSegment(earlier.segment, earlier.quarter, earlier.framework)
        since = earlier.quarter
    return since, None


REGION_SIMILARITY = 80.0  # a region name typed this close (rapidfuzz) is taken as meant


def _in_region(organisation: Organisation, assessment: Assessment, region: str | None) -> bool:
    if region is None:
        return True
    wanted = region.strip().lower()
    return (assessment.region or organisation.region or "").lower() == wanted
