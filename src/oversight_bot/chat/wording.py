"""Every sentence the bot says about segments, in one place so that tone and terms stay consistent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from oversight_bot.chat.help import help_reply as help_reply  # the commands' help: chat/help.py
from oversight_bot.chat.replies import Choice, Fact, Reply, ReplyKind, Section
from oversight_bot.domain.assessments import Assessment, Basis, Step
from oversight_bot.domain.metrics import MetricValue
from oversight_bot.domain.organisations import Organisation, OrgKind, TrustType, display_name, short_name
from oversight_bot.domain.provenance import Provenance
from oversight_bot.domain.quarters import Quarter
from oversight_bot.services.lookup import Candidate, LookupResult, LookupStatus, Vagueness, normalise
from oversight_bot.services.register import Handover, RegisterView
from oversight_bot.services.segments import (
    ChangesView,
    Freshness,
    HistoryEntry,
    HistoryView,
    LeagueView,
    ListView,
    MetricDetail,
    Move,
    PredecessorHistory,
    Segment5Status,
    SegmentView,
    TableRow,
    WhyView,
)

PAGE_SIZE = 20
CHOICES_PER_PAGE = 10  # organisations to choose from, per page (buttons: Slack allows 25 to a block)
MORE_PLEASE = (
    "Type more of the name (like Leeds Teaching), its ODS code (like RR8) or a short name people use (like UHS)."
)
TRY_INSTEAD = "Try the trust's ODS code (like RR8), more of its name, or a common short name (like UHS)."


def label(organisation: Organisation) -> str:
    return f"{display_name(organisation.name)} ({organisation.ods_code})"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def segment_phrase(assessment: Assessment) -> str:
    text = f"Segment {assessment.segment}"
    underlying = assessment.underlying_segment
    if assessment.segment == 5 and underlying is not None:
        return f"{text} (Provider Improvement Programme; underlying segment {underlying})"
    if underlying is not None:
        return f"{text} (underlying segment {underlying}, held at {assessment.segment} by the financial override)"
    if assessment.segment == 5:
        return f"{text} (Provider Improvement Programme)"
    return text


def peers(table: TrustType, count: int | None) -> str:
    noun = table.value.lower() + "s"
    return f"of {count} {noun}" if count else f"among {noun}"


def source_text(provenance: Provenance | None) -> str:
    """Who published what an answer shows: "NHS England, <file>, published September 2025", or a
    secondary source, labelled as one."""
    if provenance is None:
        return "source not recorded"
    return provenance.label


def basis_note(view: SegmentView) -> str:
    assessment = view.assessment
    assert assessment is not None
    source = source_text(assessment.provenance)
    if assessment.basis is Basis.PUBLISHED:
        note = f"Source: {source}; {assessment.quarter}."
    elif assessment.basis is Basis.DECISION:
        note = f"A segment decision under an earlier framework, as recorded by {source}."
    else:
        note = (
            f"Derived by the bot's rules core from {source}: NHS England has published no segment for "
            f"{assessment.quarter}. {view.provisional_note}"
        ).strip()
    return " ".join(filter(None, (note, freshness_text(view.freshness))))


def freshness_text(freshness: Freshness | None) -> str:
    """A warning when the data shown is older than the configured age (its quarter's end to today)."""
    if freshness is None or not freshness.stale:
        return ""
    quarter = freshness.quarter
    return (
        f"This is {quarter} data (the quarter ended {day(quarter.end)}, {freshness.months_old} months ago): "
        "NHS England may have published newer results."
    )


def segment_reply(view: SegmentView, open_concerns: int | None = None) -> Reply:
    organisation, assessment = view.organisation, view.assessment
    if assessment is None:
        return no_segment_reply(organisation, view.register)
    facts = [Fact("Quarter", f"{assessment.quarter}, {view.framework_name}")]
    if assessment.rank is not None and assessment.peer_table is not None:
        facts.append(Fact("League", league_text(assessment)))
    if assessment.average_score is not None:
        facts.append(Fact("Average metric score", average_text(assessment)))
    if assessment.financial_override is not None:
        facts.append(Fact("Financial override", override_text(assessment)))
    if view.segment_5 is not None:
        facts.append(Fact("Segment 5", segment_5_text(view.segment_5)))
    facts.append(Fact("Before", before_text(view)))
    facts += register_facts(view.register)
    if open_concerns is not None:
        facts.append(Fact("Open concerns", str(open_concerns)))
    lines = (segment_phrase(assessment), *closed_lines(organisation, view.register))
    sections = [Section(lines=lines, facts=tuple(facts))]
    if view.domains:
        domains = tuple(f"{d.domain}: segment {d.segment}" for d in view.domains if d.segment is not None)
        sections.append(Section("Domains", domains))
    if view.worst_metrics:
        worst = tuple(f"{m.name} ({m.metric_id}): {m.score:.2f}" for m in view.worst_metrics)
        sections.append(Section("Worst-scoring metrics", worst))
    code = organisation.ods_code
    return Reply(
        kind=ReplyKind.ANSWER,
        title=label(organisation),
        summary=f"{code} {display_name(organisation.name)}: segment {assessment.segment}, {assessment.quarter}",
        sections=tuple(sections),
        choices=(
            Choice("Why?", f"why {code}"),
            Choice("History", f"history {code}"),
            *(successor_choices(view.register) if organisation.closed_on is not None else ()),
        ),
        footnote=basis_note(view),
        segment=assessment.segment,
        shareable=True,
    )


def league_text(assessment: Assessment) -> str:
    assert assessment.rank is not None and assessment.peer_table is not None
    text = f"{ordinal(assessment.rank)} {peers(assessment.peer_table, assessment.peer_count)}"
    if assessment.rank_range is not None:
        low, high = assessment.rank_range
        text += f" (likely range {ordinal(low)} to {ordinal(high)})"
    return text


def average_text(assessment: Assessment) -> str:
    assert assessment.average_score is not None
    text = f"{assessment.average_score:.2f} (1 is best, 4 worst)"
    if assessment.average_range is not None:
        low, high = assessment.average_range
        text += f"; likely range {low} to {high}"
    return text


def segment_5_text(status: Segment5Status) -> str:
    """Segment 5 where NHS England stopped publishing it: unknown, never "left"."""
    text = f"not published by NHS England since {status.unpublished_since}"
    if status.last_published is None:
        return text
    was = "in segment 5" if status.last_in_programme else "not in segment 5"
    return f"{text} (last published: {was}, {status.last_published})"


def override_text(assessment: Assessment) -> str:
    if not assessment.financial_override:
        return "not applied"
    if assessment.override_applied:
        return f"applied: in deficit or receiving deficit support, so held at segment {assessment.adjusted_segment}"
    if assessment.unadjusted_segment is None:
        return "flagged: in deficit or receiving deficit support, so segment 3 at best"
    return "flagged (in deficit or receiving deficit support); no effect at this segment"


def before_text(view: SegmentView) -> str:
    assessment = view.assessment
    assert assessment is not None and view.since is not None
    gaps = f" (no data held for {', '.join(str(q) for q in view.not_held_in_run)})" if view.not_held_in_run else ""
    if view.previous is None:
        return f"segment {assessment.segment} since {view.since}, the earliest quarter held{gaps}"
    previous = view.previous
    underlying = f" (underlying {previous.underlying})" if previous.underlying is not None else ""
    return (
        f"segment {previous.segment}{underlying} in {previous.quarter}; "
        f"segment {assessment.segment} since {view.since}{gaps}"
    )


def closed_lines(organisation: Organisation, register: RegisterView) -> tuple[str, ...]:
    if organisation.closed_on is None:
        return ()
    closed = f"Closed on {day(organisation.closed_on)}: this is its last known position."
    return (closed, *succession_lines(register))


def succession_lines(register: RegisterView) -> tuple[str, ...]:
    """Where a closed organisation's services went, from ODS's successor file, step by step."""
    if not register.successors:
        return ("ODS's successor file records no successor for it.",)
    return tuple(_handover_text(chain) for chain in register.successors)


def _handover_text(chain: tuple[Handover, ...]) -> str:
    steps = [f"to {_successor_name(step)} on {day(step.on)}" for step in chain]
    return f"Its services passed {', then '.join(steps)}."


def _successor_name(step: Handover) -> str:
    found = step.successor_organisation
    if found is None:
        return f"{step.successor} (not in the register held here)"
    closed = f", closed on {day(found.closed_on)}" if found.closed_on is not None else ""
    return f"{display_name(found.name)} ({found.ods_code}{closed})"


def successor_choices(register: RegisterView, verb: str = "segment") -> tuple[Choice, ...]:
    """One button per organisation its services ended up with."""
    codes = dict.fromkeys(chain[-1].successor for chain in register.successors)
    labels = {chain[-1].successor: chain[-1].successor_organisation for chain in register.successors}
    return tuple(
        Choice(f"{code}: {short_name(found.name) if (found := labels[code]) else code}"[:75], f"{verb} {code}")
        for code in codes
    )


def register_facts(register: RegisterView) -> list[Fact]:
    facts = []
    if register.icb is not None:
        icb = register.icb
        shown = (
            f"{display_name(icb.name)} ({icb.code})" if icb.name else f"{icb.code} (name not in the loaded ICB list)"
        )
        facts.append(Fact("ICB", shown))
    if register.former_names:
        formerly = "; ".join(f"{display_name(n.name)} (renamed by {n.until:%B %Y})" for n in register.former_names)
        facts.append(Fact("Formerly", formerly))
    return facts


def no_segment_reply(organisation: Organisation, register: RegisterView | None = None) -> Reply:
    register = register or RegisterView()
    lines = ["No segment held."]
    if organisation.kind is OrgKind.ICB:
        lines.append("ICBs are not segmented under NOF 2025/26; NHS England segments them from 2026/27.")
    elif organisation.closed_on is not None:
        lines.append(f"It closed on {day(organisation.closed_on)}, before the segments held here.")
        lines += succession_lines(register)
    else:
        lines.append("The loaded NHS England data has no segment for it.")
    return Reply(
        kind=ReplyKind.ANSWER,
        title=label(organisation),
        summary=f"{organisation.ods_code}: no segment held",
        sections=(Section(lines=tuple(lines), facts=tuple(register_facts(register))),),
        choices=successor_choices(register) if organisation.closed_on is not None else (),
    )


def why_reply(why: WhyView) -> Reply:
    view = why.segment
    organisation, assessment = view.organisation, view.assessment
    if assessment is None:
        return no_segment_reply(organisation, view.register)
    metrics_here = why.metrics_quarter == assessment.quarter and why.metrics
    steps = tuple(
        f"{n}. {_scores_step(why) if reason.step is Step.SCORES and metrics_here else reason.text}"
        for n, reason in enumerate(assessment.reasons, start=1)
    )
    sections = [Section(f"{assessment.quarter}, {view.framework_name}", steps or ("No reasons were recorded.",))]
    sections += _metric_sections(why, assessment)
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Why {label(organisation)} is in segment {assessment.segment}",
        summary=f"{organisation.ods_code}: why segment {assessment.segment} in {assessment.quarter}",
        sections=tuple(sections),
        choices=(Choice("History", f"history {organisation.ods_code}"),),
        footnote=basis_note(view),
        segment=assessment.segment,
        shareable=True,
    )


def _scores_step(why: WhyView) -> str:
    counted = [m for m in why.metrics if m.counted]
    worst = sorted(counted, key=lambda m: (-m.score, m.metric_id))[:3]
    named = ", ".join(f"{m.name} ({m.metric_id}) {m.score:.2f}" for m in worst)
    return f"{len(counted)} scored metrics; the worst: {named}."


def _metric_sections(why: WhyView, assessment: Assessment) -> list[Section]:
    if why.metrics_quarter is None or not why.metrics:
        return [Section(lines=("No metric scores are held for it.",))]
    sections = []
    if why.metrics_quarter != assessment.quarter:
        source = source_text(why.metrics_provenance)
        sections.append(
            Section(
                lines=(
                    f"The {assessment.quarter} source gives no metric scores. The metrics below are "
                    f"{why.metrics_quarter}'s, the latest held (source: {source}).",
                )
            )
        )
    by_domain: dict[str, list[MetricDetail]] = {}
    for metric in why.metrics:
        by_domain.setdefault(metric.domain or "Other", []).append(metric)
    for domain, metrics in by_domain.items():
        heading = f"{domain}: metric scores, {why.metrics_quarter} (worst first)"
        sections.append(Section(heading, tuple(metric_line(m) for m in metrics)))
    return sections


def metric_line(metric: MetricDetail, values: str | None = None) -> str:
    """ "Rate of E-Coli infections (OF1048): score 2.10, counts one third; value 1.05 (rate, Jul 24 - Jun 25)";
    `values` in place of the values' own words (`metric` shows them with their peers)."""
    parts = [f"{metric.name} ({metric.metric_id}): score {metric.score:.2f}"]
    if not metric.counted:
        parts.append(f"not in the average: {metric.note}")
    elif metric.weight != 1:
        parts.append(f"counts {_fraction_words(metric.weight)} in the average")
    if values is None:
        values = "value " + "; ".join(value_text(v) for v in metric.values) if metric.values else ""
    return ", ".join(parts) + (f"; {values}" if values else "")


def value_text(value: MetricValue) -> str:
    number = f"{value.value}"
    period = f", {value.reporting_date}" if value.reporting_date else ""
    match value.units:
        case "%":
            shown = f"{number}%"
        case "percentage points" | "out of 10" | "days" | "mins":
            shown = f"{number} {value.units}"
        case "" | "score":
            shown = number
        case _:
            shown = f"{number} ({value.units})"
    return f"{shown}{period}"


def _fraction_words(weight: Fraction) -> str:
    return {Fraction(1, 3): "one third", Fraction(1, 2): "one half"}.get(weight, str(weight))


def history_reply(view: HistoryView) -> Reply:
    organisation = view.organisation
    if not view.entries and not view.predecessors:
        return no_segment_reply(organisation, view.register)
    lines = tuple(history_line(entry) for entry in reversed(view.entries)) or ("No segment held for it.",)
    sections = [Section(lines=lines)]
    sections += [_predecessor_section(p) for p in view.predecessors]
    shown = [*reversed(view.entries), *(e for p in view.predecessors for e in reversed(p.entries))]
    sources = _distinct(source_text(e.assessment.provenance) for e in shown)
    footnote = " ".join(
        filter(
            None,
            (
                "Newest first. Segments before 2025/26 were decisions; a 4 then does not mean a 4 now.",
                "A predecessor's segments are its own, not its successor's." if view.predecessors else "",
                f"Sources: {'; '.join(sources)}.",
                freshness_text(view.freshness),
            ),
        )
    )
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Segment history: {label(organisation)}",
        summary=f"{organisation.ods_code}: {len(view.entries)} quarter(s) of segment history",
        sections=tuple(sections),
        choices=(Choice("Why?", f"why {organisation.ods_code}"),),
        footnote=footnote,
        shareable=True,
    )


def _predecessor_section(predecessor: PredecessorHistory) -> Section:
    """A predecessor's own segments, headed so that nobody reads them as the successor's."""
    succession, found = predecessor.succession, predecessor.organisation
    who = f"{display_name(found.name)} ({found.ods_code})" if found else succession.predecessor
    heading = f"Predecessor: {who}, whose services passed to {succession.successor} on {day(succession.effective_on)}"
    return Section(heading, tuple(history_line(entry) for entry in reversed(predecessor.entries)))


def history_line(entry: HistoryEntry) -> str:
    assessment = entry.assessment
    details = []
    if assessment.override_applied:
        details.append(f"underlying {assessment.unadjusted_segment}, financial override")
    if assessment.segment == 5 and assessment.adjusted_segment:
        details.append(f"underlying {assessment.adjusted_segment}")
    if entry.segment_5_unpublished:
        details.append("segment 5 not published")
    if assessment.rank is not None and assessment.peer_count:
        details.append(f"rank {assessment.rank}/{assessment.peer_count}")
    if assessment.basis is not Basis.PUBLISHED:
        details.append(assessment.basis.value)
    if assessment.provenance is not None and assessment.provenance.secondary:
        details.append("secondary source")
    extra = f" ({'; '.join(details)})" if details else ""
    return f"{assessment.quarter}: segment {assessment.segment}{extra}, {entry.framework}"


def _distinct(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def league_reply(view: LeagueView, page: int, at: Quarter | None = None) -> Reply:
    """A page of a league table: the latest quarter's, or the quarter asked for (`at`)."""
    region = f", {view.region}" if view.region else ""
    title = f"League table: {view.table.value.lower()}s{region}"
    if view.quarter is None or not (view.rows or view.unranked):
        where = f" in {view.region}" if view.region else ""
        return Reply(
            ReplyKind.ANSWER, title, f"{title}: none held", (Section(lines=(f"No league table held{where}.",)),)
        )
    listed = view.rows + view.unranked
    command = f"league {view.table.short}{f' region:{view.region}' if view.region else ''}"
    rows, more = paged(listed, page, command, f" {at}" if at else "")
    lines = tuple(league_line(r) for r in rows)
    count = len(listed)
    if view.rows:
        heading = (
            f"{view.quarter}, ranked nationally {peers(view.table, view.peer_count)}; page {page} of {pages(count)}"
        )
    else:
        heading = (
            f"{view.quarter}: segments only, {count} trusts (the source gives no ranks); page {page} of {pages(count)}"
        )
    sections = [Section(heading, lines)]
    if page == 1 and view.rows and (view.unranked or view.missing_ranks):
        sections.insert(0, Section(lines=(_incomplete_note(view),)))
    footnote = " ".join(
        filter(
            None,
            (
                "Rank is by segment, then average metric score (the adjusted segment, before segment 5).",
                f"Sources: {'; '.join(source_text(p) for p in view.sources)}." if view.sources else "",
                freshness_text(view.freshness),
            ),
        )
    )
    return Reply(
        kind=ReplyKind.ANSWER,
        title=title,
        summary=f"{title}, {view.quarter}: {count} trusts",
        sections=tuple(sections),
        more=more,
        footnote=footnote,
        shareable=True,
    )


def league_line(row: TableRow) -> str:
    a = row.assessment
    if a.rank is None:
        return f"–. {row_text(row)} (no rank in its source)"
    likely = f" (likely rank {a.rank_range[0]} to {a.rank_range[1]})" if a.rank_range else ""
    return f"{a.rank}. {row_text(row)}{likely}"


def _incomplete_note(view: LeagueView) -> str:
    """Say plainly when the table held is not the whole table."""
    parts = []
    if view.missing_ranks:
        shown = ", ".join(str(n) for n in view.missing_ranks[:12]) + (" ..." if len(view.missing_ranks) > 12 else "")
        parts.append(f"Ranks {shown} are not in the sources held, so this table is incomplete.")
    if view.unranked:
        codes = ", ".join(r.organisation.ods_code for r in view.unranked)
        parts.append(
            f"{len(view.unranked)} trust(s) have a {view.quarter} segment but no rank in their source "
            f"({codes}): listed last."
        )
    return " ".join(parts)


def list_reply(view: ListView, page: int) -> Reply:
    region = f" in {view.region}" if view.region else ""
    title = f"Segment {view.segment}{region}: {len(view.rows)} organisation(s)"
    if view.unpublished_since is not None and not view.rows:
        return _segment_5_unpublished_reply(view, region)
    if not view.rows:
        return Reply(ReplyKind.ANSWER, title, title, (Section(lines=("None held.",)),), shareable=True)
    base = f"list segment:{view.segment}{f' region:{view.region}' if view.region else ''}"
    rows, more = paged(view.rows, page, base)
    lines = tuple(f"{row_text(r)}, {r.assessment.quarter}" for r in rows)
    sections = [Section(f"Best average first; page {page} of {pages(len(view.rows))}", lines)]
    if view.unpublished_since is not None and page == 1:
        sections += _segment_5_elsewhere(view)
    return Reply(
        kind=ReplyKind.ANSWER,
        title=title,
        summary=title,
        sections=tuple(sections),
        more=more,
        footnote=" ".join(
            filter(
                None,
                (
                    "Each organisation's latest reported quarter.",
                    f"Sources: {'; '.join(source_text(p) for p in view.sources)}." if view.sources else "",
                ),
            )
        ),
        segment=view.segment,
        shareable=True,
    )


def _segment_5_unpublished_reply(view: ListView, region: str) -> Reply:
    """`list segment:5` where the latest quarter did not publish segment 5: say so, and who was in it
    when it was last published, never "none"."""
    title = f"Segment 5{region}: not published since {view.unpublished_since}"
    sources = f"Sources: {'; '.join(source_text(p) for p in view.sources)}." if view.sources else None
    sections = tuple(_segment_5_elsewhere(view))
    return Reply(ReplyKind.ANSWER, title, title, sections, footnote=sources, segment=5, shareable=True)


def _segment_5_elsewhere(view: ListView) -> list[Section]:
    """Organisations whose latest quarter did not publish segment 5: what was last published."""
    lines = (
        f"NHS England has not published segment 5 (the Provider Improvement Programme) since "
        f"{view.unpublished_since} for some organisations, so whether they are in it now is not known here.",
    )
    sections = [Section(lines=lines)]
    if view.last_published:
        last = tuple(f"{row_text(r)}, {r.assessment.quarter}" for r in view.last_published)
        sections.append(Section("In segment 5 when it was last published for them", last))
    else:
        sections.append(Section(lines=("None of them was in segment 5 when it was last published.",)))
    return sections


def row_text(row: TableRow) -> str:
    a = row.assessment
    average = f", average {a.average_score:.2f}" if a.average_score is not None else ""
    override = ", financial override" if a.override_applied else ""
    return (
        f"{display_name(row.organisation.name)} ({row.organisation.ods_code}): segment {a.segment}{average}{override}"
    )


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def paged(
    rows: tuple[TableRow, ...], page: int, command: str, after: str = ""
) -> tuple[tuple[TableRow, ...], Choice | None]:
    start = (page - 1) * PAGE_SIZE
    more = Choice("More", f"{command} page:{page + 1}{after}") if start + PAGE_SIZE < len(rows) else None
    return rows[start : start + PAGE_SIZE], more


FOUND_HOW = {
    "alias": "“{query}” is a name people use for it.",
    "acronym": "“{query}” taken as its initials.",
    "typo": "No organisation's name has the words “{query}”; this is the one they most nearly spell.",
}


def said_how_found(found: LookupResult, reply: Reply) -> Reply:
    """An answer about an organisation found by a name that is not its own (a name people use,
    its initials, a misspelling) says so, so that nobody mistakes whom it is about."""
    how = FOUND_HOW.get(found.matched_by or "")
    if how is None or found.organisation is None or _words_of_its_name(found.query, found.organisation):
        return reply
    said = how.format(query=found.query)
    return dataclasses.replace(reply, footnote=f"{said} {reply.footnote}" if reply.footnote else said)


def _words_of_its_name(query: str, organisation: Organisation) -> bool:
    """Whether every word asked is a word of the organisation's own name ("Leeds Teaching")."""
    return set(normalise(query).split()) <= set(normalise(organisation.name).split())


def unresolved_reply(found: LookupResult, verb: str, page: int | None = 1) -> Reply:
    """Why a lookup named no one organisation: the choice (`page` of it; None for no paging), the
    names it may have meant, or a request for more."""
    if found.status is LookupStatus.AMBIGUOUS:
        return choose_reply(found.query, found.candidates, verb, page)
    if found.status is LookupStatus.TOO_VAGUE:
        return vague_reply(found)
    return not_found_reply(found.query, found.candidates, verb, found.unknown_words)


def choose_reply(query: str, candidates: tuple[Candidate, ...], verb: str, page: int | None = 1) -> Reply:
    """Every organisation that fits, CHOICES_PER_PAGE to a page (`more` for the next). Without a page
    (a command that cannot be paged), the first page and how many more there are."""
    count = len(candidates)
    last = max(1, -(-count // CHOICES_PER_PAGE))
    number = min(page or 1, last)
    start = (number - 1) * CHOICES_PER_PAGE
    shown = candidates[start : start + CHOICES_PER_PAGE]
    more = None
    notes = ["None of these? Try the ODS code, or more of the name."]
    if page is not None and number < last:
        more = Choice("More", f"{verb} {query} page:{number + 1}")
    elif page is None and count > len(shown):
        notes.insert(0, f"{count - len(shown)} more fit: type more of the name to narrow them down.")
    heading = f"{count} organisations fit; page {number} of {last}" if last > 1 and page is not None else None
    return Reply(
        kind=ReplyKind.CHOICE,
        title=f"Which organisation did you mean by \u201c{query}\u201d?",
        summary=f"{count} organisations match \u201c{query}\u201d",
        sections=(Section(heading, tuple(candidate_line(c) for c in shown)),),
        choices=tuple(Choice(f"{c.ods_code}: {display_name(c.name)}"[:75], f"{verb} {c.ods_code}") for c in shown),
        more=more,
        footnote=" ".join(notes),
    )


def candidate_line(candidate: Candidate) -> str:
    closed = "" if candidate.is_open else " (closed)"
    return f"{display_name(candidate.name)} ({candidate.ods_code}){closed}"


def not_found_reply(
    query: str, suggestions: tuple[Candidate, ...], verb: str, unknown_words: tuple[str, ...] = ()
) -> Reply:
    lines: tuple[str, ...] = ()
    if unknown_words:
        words = ", ".join(f"\u201c{word}\u201d" for word in unknown_words)
        lines = (f"No organisation's name has the word{'s' if len(unknown_words) > 1 else ''} {words}.",)
    if suggestions:
        lines += ("Did you mean one of these?", *(candidate_line(c) for c in suggestions))
        choices = tuple(
            Choice(f"{c.ods_code}: {display_name(c.name)}"[:75], f"{verb} {c.ods_code}") for c in suggestions
        )
    else:
        lines += (TRY_INSTEAD,)
        choices = ()
    return Reply(
        kind=ReplyKind.NOT_FOUND,
        title=f"No organisation matches \u201c{query}\u201d",
        summary=f"no organisation matches \u201c{query}\u201d",
        sections=(Section(lines=lines),),
        choices=choices,
    )


def vague_reply(found: LookupResult) -> Reply:
    """Too short or too common to mean one organisation: what to type instead, never a guess."""
    query = found.query
    match found.vagueness:
        case Vagueness.TOO_SHORT:
            title = f"\u201c{query}\u201d is too short to look up"
        case Vagueness.TOO_MANY:
            title = f"\u201c{query}\u201d fits {found.fits:,} organisations"
        case _:
            fits = f": it fits {found.fits} organisations" if found.fits else ""
            title = f"\u201c{query}\u201d is too common to tell organisations apart{fits}"
    return Reply(
        kind=ReplyKind.NOT_FOUND,
        title=title,
        summary=f"\u201c{query}\u201d names no one organisation",
        sections=(Section(lines=(MORE_PLEASE,)),),
    )


def changes_reply(view: ChangesView, limit: int = 20) -> Reply:
    """The latest quarter's segment moves, worsening first; for the Slack Home tab and digests."""
    if not view.moves:
        return Reply(
            ReplyKind.ANSWER,
            "Segment changes",
            "no segment changes",
            (Section(lines=("No organisation changed segment in the latest quarter held.",)),),
        )
    lines = tuple(
        f"{display_name(m.organisation.name)} ({m.organisation.ods_code}): segment {m.moved_from} → "
        f"{m.moved_to}, {m.current.quarter}{_since_text(m)}"
        for m in view.moves[:limit]
    )
    extra = (f"... and {len(view.moves) - limit} more.",) if len(view.moves) > limit else ()
    title = f"Segment changes in the latest quarter: {len(view.moves)}"
    return Reply(ReplyKind.ANSWER, title, title, (Section(lines=lines + extra),), footnote="Worse segments first.")


def _since_text(move: Move) -> str:
    """A move measured across a quarter the store does not hold names the earlier quarter."""
    if move.previous.quarter == move.current.quarter.previous():
        return ""
    return f" (since {move.previous.quarter}, the last quarter held before it)"


UNAVAILABLE = (
    "The oversight data store cannot be reached just now, so nothing could be looked up. "
    "Try again in a minute; if it persists, tell the bot's administrators."
)


NOT_SAVED = (
    "The oversight data store cannot be reached just now, so this was not saved. "
    "Here is what you typed, to send again once it is back:"
)


def unavailable_reply(typed: str | None = None) -> Reply:
    """The store is down. `typed`: words the user wrote that were not saved, given back to them
    (privately: they may be about a concern)."""
    if typed is None:
        plainly = (Section(lines=(UNAVAILABLE,)),)
        return Reply(ReplyKind.ERROR, "Oversight data unavailable", "oversight data unavailable", plainly)
    given_back = (Section(lines=(NOT_SAVED,)), Section(lines=(typed,)))
    return Reply(ReplyKind.ERROR, "Not saved", "oversight data unavailable: not saved", given_back, confidential=True)


def error_reply(text: str) -> Reply:
    """A private answer saying what was wrong with a request, in the user's terms."""
    return Reply(ReplyKind.ERROR, "That did not work", text, (Section(lines=(text,)),))
