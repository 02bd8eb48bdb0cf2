"""Import use cases: ODS trusts, ICBs, aliases, NOF metric files, published segments and decisions.

Each import is one transaction. It works out what the file actually changes, and writes only
that: the changed rows, the reassessed quarters, the events (outbox) and one import-log entry,
together or not at all. A file that changes nothing writes nothing, not even a log entry, so
that importing the same file twice is harmless.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from oversight_bot.domain.assessments import (
    AVERAGE_TOLERANCE,
    Assessment,
    Basis,
    Disagreement,
    disagreements,
    merge_published,
)
from oversight_bot.domain.events import SegmentEvent
from oversight_bot.domain.explain import explain, explain_decision
from oversight_bot.domain.frameworks import FrameworkCatalogue, FrameworkVersion, Method
from oversight_bot.domain.metrics import DomainResult, MetricInfo, MetricScore, MetricValue
from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.domain.provenance import Provenance
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.register import IcbMembership, Succession
from oversight_bot.domain.scores import average_metric_score
from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.services.ports import Clock, MetricKey, UnitOfWork, ValueKey
from oversight_bot.services.reassess import AssessmentState, derive_quarter, quarters_to_load
from oversight_bot.services.register import RegisterChanges, register_changes
from oversight_bot.services.releases import (
    AliasList,
    MembershipList,
    NofProvider,
    NofRelease,
    OrganisationList,
    Publication,
    PublishedSegment,
    PublishedSegmentList,
    SourceFile,
    SuccessionList,
)

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: str
    source: str
    rows: int
    import_id: int | None
    changes: dict[str, int]
    events: tuple[SegmentEvent, ...] = ()
    disagreements: int = 0
    notes: tuple[str, ...] = ()
    quarters: tuple[Quarter, ...] = ()  # the quarters the file holds
    layout: str = ""

    @property
    def changed(self) -> bool:
        return self.import_id is not None


@dataclass
class _Plan:
    """What an import will write, gathered before anything is written."""

    organisations: list[Organisation] = field(default_factory=list)
    infos: list[MetricInfo] = field(default_factory=list)
    values: list[MetricValue] = field(default_factory=list)
    scores: list[MetricScore] = field(default_factory=list)
    domain_results: list[DomainResult] = field(default_factory=list)
    assessments: list[tuple[Assessment, tuple[Disagreement, ...], str | None, str | None]] = field(default_factory=list)
    aliases: dict[str, set[str]] | None = None
    notes: list[str] = field(default_factory=list)
    differences: int = 0  # between NHS England's results and the rules core's, as `nof check` counts them
    register: RegisterChanges = field(default_factory=RegisterChanges)
    successions: list[Succession] | None = None  # the whole successor file, when it changed

    def counts(self) -> dict[str, int]:
        counts = {
            "organisations": len(self.organisations),
            "metrics": len(self.infos),
            "metric_values": len(self.values),
            "metric_scores": len(self.scores),
            "domain_results": len(self.domain_results),
            "assessments": len(self.assessments),
        }
        if self.aliases is not None:
            counts["aliases"] = sum(len(codes) for codes in self.aliases.values())
        if self.register.former_names:
            counts["former_names"] = len(self.register.former_names)
        if self.register.memberships:
            counts["icb_memberships"] = len(self.register.memberships)
        if self.successions is not None:
            counts["successions"] = len(self.successions)
        return counts

    def is_empty(self) -> bool:
        return not any(self.counts().values())


class Importer:
    """Imports files into the store. `announce=False` loads a baseline quietly (the seeds): nothing
    the store did not hold before is news, and a seeding is not an event anybody should hear of."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        frameworks: FrameworkCatalogue,
        after_commit: Callable[[], None] = lambda: None,
        *,
        announce: bool = True,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.frameworks = frameworks
        self.after_commit = after_commit  # e.g. tell this process's readers that the data changed
        self.announce = announce

    def quietly(self) -> Importer:
        """The same importer, announcing nothing and telling no reader after each file: for loading a
        baseline of several files, after which the caller tells the readers once (`after_commit`)."""
        return Importer(self.uow, self.clock, self.frameworks, announce=False)

    def organisations(
        self, batch: OrganisationList, kind: str, publication: Publication | None = None, as_of: date | None = None
    ) -> ImportReport:
        """ODS trusts or ICBs. ODS owns names, regions, ICBs and dates; trust types come from NHS England.

        A newer trust file keeps the past: a rename keeps the former name, an ICB move closes the old
        membership (docs/data.md). `as_of`: the day the file describes (default today).
        """
        with self.uow() as uow:
            existing = {org.ods_code: org for org in uow.organisations.all()}
            plan = _Plan()
            for incoming in batch.organisations:
                merged = _merge_ods(existing.get(incoming.ods_code), incoming)
                if merged != existing.get(incoming.ods_code):
                    plan.organisations.append(merged)
            if kind == "ods":
                held: dict[str, list[IcbMembership]] = defaultdict(list)
                for membership in uow.register.memberships():
                    held[membership.ods_code].append(membership)
                day = as_of or self.clock.now().date()
                successions = uow.register.successions()
                plan.register = register_changes(
                    batch.organisations, existing, held, successions, day, batch.source.name
                )
            publication = publication or Publication("ODS" if kind == "ods" else "ONS")
            return self._finish(uow, kind, batch.source, plan, AssessmentState({}, {}), publication)

    def successions(self, batch: SuccessionList, publication: Publication | None = None) -> ImportReport:
        """ODS's successor file, whole: it replaces the successions held."""
        with self.uow() as uow:
            plan = _Plan()
            if set(batch.successions) != set(uow.register.successions()):
                plan.successions = list(batch.successions)
            publication = publication or Publication("ODS")
            return self._finish(uow, "succ", batch.source, plan, AssessmentState({}, {}), publication)

    def memberships(self, batch: MembershipList, publication: Publication | None = None) -> ImportReport:
        """ICB memberships ODS's trust file does not give (care trusts): each replaces what is held
        for its organisation, which must be known (from ODS or NHS England's files)."""
        with self.uow() as uow:
            existing = {org.ods_code: org for org in uow.organisations.all()}
            unknown = [m.ods_code for m in batch.memberships if m.ods_code not in existing]
            if unknown:
                problem = (
                    f"{', '.join(unknown)}: not an organisation the store knows; import its NHS England file first"
                )
                raise ImportFileError(batch.source.name, [FileProblem(None, problem)])
            held: dict[str, list[IcbMembership]] = defaultdict(list)
            for membership in uow.register.memberships():
                held[membership.ods_code].append(membership)
            plan = _Plan()
            for code in {m.ods_code for m in batch.memberships}:
                wanted = [m for m in batch.memberships if m.ods_code == code]
                if wanted != held.get(code, []):
                    plan.register.memberships[code] = wanted
                current = next((m.icb_code for m in wanted if m.until is None), None)
                if existing[code].icb_code != current:
                    plan.organisations.append(replace(existing[code], icb_code=current))
            publication = publication or Publication("memberships file")
            return self._finish(uow, "memberships", batch.source, plan, AssessmentState({}, {}), publication)

    def aliases(self, batch: AliasList, publication: Publication | None = None) -> ImportReport:
        """Replace the alias list; every alias must name an organisation the store knows."""
        with self.uow() as uow:
            known = {org.ods_code for org in uow.organisations.all()}
            unknown = [
                FileProblem(line, f"alias {alias!r} names {code}, which is not a known organisation")
                for line, alias, code in batch.aliases
                if code not in known
            ]
            if unknown:
                raise ImportFileError(batch.source.name, unknown)
            wanted: dict[str, set[str]] = defaultdict(set)
            for _, alias, code in batch.aliases:
                wanted[alias].add(code)
            plan = _Plan()
            if wanted != uow.organisations.aliases():
                plan.aliases = dict(wanted)
            publication = publication or Publication("aliases file")
            return self._finish(uow, "aliases", batch.source, plan, AssessmentState({}, {}), publication)

    def nof(
        self, release: NofRelease, progress: Progress = _no_progress, publication: Publication | None = None
    ) -> ImportReport:
        """An NHS England NOF metric file: values, scores, domain results and published results,
        then the rules core's own assessment of each quarter beside NHS England's."""
        quarters = release.quarters
        publication = publication or Publication()
        provenance = self._provenance(release.source, publication)
        with self.uow() as uow:
            organisations = {org.ods_code: org for org in uow.organisations.all()}
            state = self._state(uow, quarters)
            plan = _Plan()
            plan.organisations = _nof_organisations(release.providers, organisations)
            organisations |= {org.ods_code: org for org in plan.organisations}
            catalogue = uow.metrics.catalogue()
            plan.infos = [info for info in release.metrics if catalogue.get(info.metric_id) != info]
            scores = self._plan_metric_rows(uow, release, plan, progress)
            # NHS England's metric file lists a trust type's whole league table for each quarter.
            peer_counts = Counter((p.quarter, p.trust_type) for p in release.providers)
            for provider in release.providers:
                peers = peer_counts[(provider.quarter, provider.trust_type)]
                self._plan_published(state, provider, scores, peers, plan, provenance)
            for quarter in quarters:
                self._plan_derived(state, quarter, scores.get(quarter, {}), organisations, plan, provenance)
            report = self._finish(uow, "nof", release.source, plan, state, publication)
            return replace(report, quarters=tuple(quarters), layout=release.layout)

    def segments(self, batch: PublishedSegmentList, publication: Publication | None = None) -> ImportReport:
        """Published results (a league table, or a secondary source's part of one) and decisions of
        earlier frameworks. What a file does not publish is kept from the files that did."""
        publication = publication or Publication()
        provenance = self._provenance(batch.source, publication)
        self._check_frameworks(batch)
        quarters = sorted({entry.quarter for entry in batch.entries})
        with self.uow() as uow:
            organisations = {org.ods_code: org for org in uow.organisations.all()}
            _check_known(batch, organisations)
            state = self._state(uow, quarters)
            plan = _Plan()
            plan.organisations = _segment_organisations(batch.entries, organisations)
            organisations |= {org.ods_code: org for org in plan.organisations}
            stored_domains = uow.metrics.domain_results_in(quarters)
            scores_by_org: dict[tuple[str, Quarter], dict[str, Decimal]] = defaultdict(dict)
            for (code, quarter, metric), stored in uow.metrics.scores_in(quarters).items():
                scores_by_org[(code, quarter)][metric] = stored.score
            for entry in batch.entries:
                plan.domain_results += [r for r in entry.domain_results if stored_domains.get(_domain_key(r)) != r]
                scores = scores_by_org.get((entry.ods_code, entry.quarter), {})
                assessment = self._published_segment(entry, scores, state, organisations, provenance)
                if state.put(assessment):
                    plan.assessments.append((assessment, (), entry.decided_by, entry.source))
            report = self._finish(uow, "segments", batch.source, plan, state, publication)
            return replace(report, quarters=tuple(quarters))

    def _state(self, uow: UnitOfWork, quarters: list[Quarter]) -> AssessmentState:
        known = uow.assessments.quarters_known()
        before = uow.assessments.in_quarters(quarters_to_load(quarters, known))
        return AssessmentState(before, known, announce=self.announce)

    def _provenance(self, source: SourceFile, publication: Publication) -> Provenance:
        return Provenance(
            file=source.name,
            publisher=publication.publisher,
            secondary=publication.secondary,
            published=publication.published,
            imported_on=self.clock.now().date(),
        )

    # -- planning ---------------------------------------------------------------------------------

    def _plan_metric_rows(
        self, uow: UnitOfWork, release: NofRelease, plan: _Plan, progress: Progress
    ) -> dict[Quarter, dict[str, dict[str, Decimal]]]:
        """Plan the changed metric rows; return every score of the file's quarters as they will be."""
        quarters = release.quarters
        values, stored_scores, domains = (
            uow.metrics.values_in(quarters),
            uow.metrics.scores_in(quarters),
            uow.metrics.domain_results_in(quarters),
        )
        scores: dict[Quarter, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
        for (code, quarter, metric), stored in stored_scores.items():
            scores[quarter][code][metric] = stored.score
        total = len(release.providers)
        for done, provider in enumerate(release.providers, start=1):
            plan.values += [v for v in provider.values if values.get(_value_key(v)) != v]
            plan.scores += [s for s in provider.scores if stored_scores.get(_metric_key(s)) != s]
            plan.domain_results += [r for r in provider.domain_results if domains.get(_domain_key(r)) != r]
            scores[provider.quarter][provider.ods_code].update({s.metric_id: s.score for s in provider.scores})
            progress("Checking", done, total)
        return scores

    def _plan_published(
        self,
        state: AssessmentState,
        provider: NofProvider,
        scores: dict[Quarter, dict[str, dict[str, Decimal]]],
        peer_count: int,
        plan: _Plan,
        provenance: Provenance,
    ) -> None:
        framework = self._framework(provider.quarter)
        summary = provider.summary
        in_programme = summary.in_improvement_programme
        programme_segment = framework.improvement_programme_segment
        assessment = Assessment(
            ods_code=provider.ods_code,
            quarter=provider.quarter,
            framework=framework.code,
            basis=Basis.PUBLISHED,
            segment=programme_segment if in_programme and programme_segment else summary.adjusted_segment,
            adjusted_segment=summary.adjusted_segment,
            unadjusted_segment=summary.unadjusted_segment,
            financial_override=summary.financial_override,
            in_improvement_programme=summary.in_improvement_programme,
            average_score=summary.average_score,
            rank=summary.rank,
            peer_count=peer_count if summary.rank is not None else None,
            peer_table=provider.trust_type,
            region=provider.region,
            provenance=provenance,
        )
        stored = state.current((provider.ods_code, provider.quarter, Basis.PUBLISHED))
        assessment = merge_published(stored, assessment, programme_segment)
        own_scores = scores.get(provider.quarter, {}).get(provider.ods_code, {})
        assessment = replace(assessment, reasons=explain(assessment, own_scores, framework))
        if state.put(assessment):
            plan.assessments.append((assessment, (), None, None))

    def _plan_derived(
        self,
        state: AssessmentState,
        quarter: Quarter,
        scores: dict[str, dict[str, Decimal]],
        organisations: dict[str, Organisation],
        plan: _Plan,
        provenance: Provenance,
    ) -> None:
        published = state.published_in(quarter)
        derivation = derive_quarter(quarter, scores, published, organisations, self.frameworks)
        plan.notes += derivation.notes
        framework = self.frameworks.for_quarter(quarter)
        for derived in derivation.assessments:
            derived = replace(derived, provenance=provenance)
            theirs = published.get(derived.ods_code)
            found = (
                ()
                if theirs is None or framework is None
                else _recomputation_differs(theirs, derived, scores, framework)
            )
            plan.differences += len(found)
            published_key = (derived.ods_code, quarter, Basis.PUBLISHED)
            if state.put(derived) or published_key in state.changed:
                plan.assessments.append((derived, found, None, None))

    def _published_segment(
        self,
        entry: PublishedSegment,
        scores: dict[str, Decimal],
        state: AssessmentState,
        organisations: dict[str, Organisation],
        provenance: Provenance,
    ) -> Assessment:
        framework = self._entry_framework(entry)
        assert framework is not None  # checked by _check_frameworks
        organisation = organisations.get(entry.ods_code)
        assessment = Assessment(
            ods_code=entry.ods_code,
            quarter=entry.quarter,
            framework=framework.code,
            basis=entry.basis,
            segment=entry.segment,
            adjusted_segment=entry.adjusted_segment,
            unadjusted_segment=entry.unadjusted_segment,
            financial_override=entry.financial_override,
            in_improvement_programme=entry.in_improvement_programme,
            average_score=entry.average_score,
            rank=entry.rank,
            peer_count=entry.peer_count,
            peer_table=entry.trust_type or (organisation.trust_type if organisation else None),
            region=entry.region,
            average_range=entry.average_range,
            rank_range=entry.rank_range,
            provenance=provenance,
        )
        stored = state.current((entry.ods_code, entry.quarter, entry.basis))
        assessment = merge_published(stored, assessment, framework.improvement_programme_segment)
        if entry.basis is Basis.DECISION:
            reasons = explain_decision(entry.decided_by, entry.reason_codes, entry.source)
        else:
            reasons = explain(assessment, scores, framework)
        return replace(assessment, reasons=reasons)

    def _entry_framework(self, entry: PublishedSegment) -> FrameworkVersion | None:
        if entry.framework is None:
            return self.frameworks.for_quarter(entry.quarter)
        return self.frameworks.by_code(entry.framework)

    def _check_frameworks(self, batch: PublishedSegmentList) -> None:
        problems = []
        for entry in batch.entries:
            line = entry.line
            framework = self._entry_framework(entry)
            if framework is None and entry.framework is None:
                problems.append(FileProblem(line, f"no framework version covers {entry.quarter}"))
            elif framework is None:
                problems.append(FileProblem(line, f"unknown framework {entry.framework!r}"))
            elif not framework.covers(entry.quarter):
                problems.append(FileProblem(line, f"{framework.name} does not cover {entry.quarter}"))
            elif entry.basis is Basis.DECISION and framework.method is not Method.DECISION:
                problems.append(FileProblem(line, f"{framework.name} segments are derived, not decisions"))
            elif entry.segment > framework.highest_segment:
                problems.append(FileProblem(line, f"{framework.name} has no segment {entry.segment}"))
        if problems:
            raise ImportFileError(batch.source.name, problems)

    def _framework(self, quarter: Quarter) -> FrameworkVersion:
        framework = self.frameworks.for_quarter(quarter)
        if framework is None:
            raise ImportFileError("", [FileProblem(None, f"no framework version covers {quarter}")])
        return framework

    # -- writing ----------------------------------------------------------------------------------

    def _finish(
        self,
        uow: UnitOfWork,
        kind: str,
        source: SourceFile,
        plan: _Plan,
        state: AssessmentState,
        publication: Publication,
    ) -> ImportReport:
        counts = plan.counts()
        found = plan.differences
        if plan.is_empty():
            return ImportReport(kind, source.name, source.rows, None, counts, (), found, tuple(plan.notes))
        now = self.clock.now()
        events = state.events()
        summary: dict[str, Any] = {"changes": counts, "events": len(events), "disagreements": found}
        import_id = uow.imports.record(kind, source.name, source.sha256, source.rows, summary, now, publication)
        _write(uow, plan, import_id, now)
        uow.outbox.append(events, import_id, now)
        uow.commit()
        self.after_commit()
        return ImportReport(kind, source.name, source.rows, import_id, counts, tuple(events), found, tuple(plan.notes))


def _recomputation_differs(
    published: Assessment, derived: Assessment, scores: dict[str, dict[str, Decimal]], framework: FrameworkVersion
) -> tuple[Disagreement, ...]:
    """Where the rules core's recomputation differs from NHS England's result, counted as `oversight
    nof check` counts mismatches: the average recomputed from the published scores (within 0.01),
    then the placing, the segments and the rank (which use NHS England's more precise average)."""
    found = disagreements(published, derived)
    recomputed = average_metric_score(scores.get(derived.ods_code, {}), framework)
    theirs = published.average_score
    if recomputed is not None and theirs is not None and abs(recomputed - theirs) > AVERAGE_TOLERANCE:
        found += (Disagreement("average_score", theirs, recomputed),)
    return found


def _check_known(batch: PublishedSegmentList, organisations: dict[str, Organisation]) -> None:
    """A row that names only a code must name one the store knows: nothing else says what it is."""
    unknown = [
        FileProblem(e.line, f"{e.ods_code} is not an organisation the store knows, and the file gives no name for it")
        for e in batch.entries
        if e.name is None and e.ods_code not in organisations
    ]
    if unknown:
        raise ImportFileError(
            batch.source.name,
            [*unknown, FileProblem(None, "import ODS's trust file first (`oversight import ods FILE`)")],
        )


def _write(uow: UnitOfWork, plan: _Plan, import_id: int, now: Any) -> None:
    uow.organisations.save_all(plan.organisations)
    uow.register.add_former_names(plan.register.former_names)
    uow.register.replace_memberships(plan.register.memberships)
    if plan.successions is not None:
        uow.register.replace_successions(plan.successions)
    if plan.aliases is not None:
        uow.organisations.replace_aliases(plan.aliases)
    for info in plan.infos:
        uow.metrics.save_info(info)
    for value in plan.values:
        uow.metrics.save_value(value)
    for score in plan.scores:
        uow.metrics.save_score(score)
    for result in plan.domain_results:
        uow.metrics.save_domain_result(result)
    for assessment, found, decided_by, source in plan.assessments:
        uow.assessments.save(assessment, import_id, now, found, decided_by, source)


def _merge_ods(existing: Organisation | None, incoming: Organisation) -> Organisation:
    if existing is None or incoming.kind is OrgKind.ICB:
        return incoming if existing is None else replace(existing, name=incoming.name, kind=incoming.kind)
    return replace(
        existing,
        name=incoming.name,
        region=incoming.region,
        icb_code=incoming.icb_code,
        opened_on=incoming.opened_on,
        closed_on=incoming.closed_on,
    )


def _nof_organisations(providers: Iterable[NofProvider], known: dict[str, Organisation]) -> list[Organisation]:
    """Trust types come from NHS England; trusts ODS does not list (care trusts) are added as NOF names them."""
    latest: dict[str, NofProvider] = {}
    for provider in sorted(providers, key=lambda p: p.quarter):
        latest[provider.ods_code] = provider
    changed = []
    for code, provider in latest.items():
        existing = known.get(code)
        if existing is None:
            updated = Organisation(
                code, provider.name, OrgKind.TRUST, provider.trust_type, provider.trust_subtype, provider.region
            )
        else:
            updated = replace(existing, trust_type=provider.trust_type, trust_subtype=provider.trust_subtype)
        if updated != existing:
            changed.append(updated)
    return changed


def _segment_organisations(entries: Iterable[PublishedSegment], known: dict[str, Organisation]) -> list[Organisation]:
    changed: dict[str, Organisation] = {}
    for entry in sorted(entries, key=lambda e: e.quarter):
        existing = changed.get(entry.ods_code) or known.get(entry.ods_code)
        if existing is None:
            assert entry.name is not None  # checked by _check_known
            updated = Organisation(
                entry.ods_code, entry.name, OrgKind.TRUST, entry.trust_type, entry.trust_subtype, entry.region
            )
        else:
            updated = replace(
                existing,
                trust_type=entry.trust_type or existing.trust_type,
                trust_subtype=entry.trust_subtype or existing.trust_subtype,
            )
        if updated != known.get(entry.ods_code):
            changed[entry.ods_code] = updated
    return list(changed.values())


def _metric_key(item: MetricScore) -> MetricKey:
    return (item.ods_code, item.quarter, item.metric_id)


def _value_key(item: MetricValue) -> ValueKey:
    return (item.ods_code, item.quarter, item.metric_id, item.units)


def _domain_key(result: DomainResult) -> MetricKey:
    return (result.ods_code, result.quarter, result.domain)
