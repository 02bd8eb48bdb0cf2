"""Every sentence the bot says about segments, in one place so that tone and terms stay consistent."""

from __future__ import annotations

from datetime import date

from oversight_bot.chat.help import help_reply as help_reply  # the commands' help: chat/help.py
from oversight_bot.chat.replies import Choice, Fact, Reply, ReplyKind, Section
from oversight_bot.domain.assessments import Assessment, Basis
from oversight_bot.domain.organisations import Organisation, OrgKind, TrustType, display_name
from oversight_bot.services.lookup import Candidate
from oversight_bot.services.segments import ChangesView, HistoryView, LeagueView, ListView, SegmentView, TableRow

PAGE_SIZE = 20


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


def basis_note(view: SegmentView) -> str:
    assessment = view.assessment
    assert assessment is not None
    if assessment.basis is Basis.PUBLISHED:
        return "Source: NHS England's published results."
    if assessment.basis is Basis.DECISION:
        return "A segment decision under an earlier framework, imported as NHS England recorded it."
    note = "Derived by the bot's rules core: NHS England has published nothing for this quarter."
    return f"{note} {view.provisional_note}".strip()


def segment_reply(view: SegmentView, open_concerns: int | None = None) -> Reply:
    organisation, assessment = view.organisation, view.assessment
    if assessment is None:
        return no_segment_reply(organisation)
    facts = [Fact("Quarter", f"{assessment.quarter}, {view.framework_name}")]
    if assessment.rank is not None and assessment.peer_table is not None:
        facts.append(
            Fact("League", f"{ordinal(assessment.rank)} {peers(assessment.peer_table, assessment.peer_count)}")
        )
    if assessment.average_score is not None:
        facts.append(Fact("Average metric score", f"{assessment.average_score:.2f} (1 is best, 4 worst)"))
    if assessment.financial_override is not None:
        facts.append(Fact("Financial override", override_text(assessment)))
    facts.append(Fact("Before", before_text(view)))
    if open_concerns is not None:
        facts.append(Fact("Open concerns", str(open_concerns)))
    sections = [Section(lines=(segment_phrase(assessment), *closed_lines(organisation)), facts=tuple(facts))]
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
        choices=(Choice("Why?", f"why {code}"), Choice("History", f"history {code}")),
        footnote=basis_note(view),
        segment=assessment.segment,
        shareable=True,
    )


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
    if view.previous is None:
        return f"segment {assessment.segment} since {view.since}, the earliest quarter held"
    previous = view.previous
    return f"segment {previous.segment} in {previous.quarter}; segment {assessment.segment} since {view.since}"


def closed_lines(organisation: Organisation) -> tuple[str, ...]:
    if organisation.closed_on is None:
        return ()
    return (f"Closed on {day(organisation.closed_on)}: this is its last known position.",)


def no_segment_reply(organisation: Organisation) -> Reply:
    if organisation.kind is OrgKind.ICB:
        reason = "ICBs are not segmented under NOF 2025/26; NHS England segments them from 2026/27."
    elif organisation.closed_on is not None:
        reason = f"It closed on {day(organisation.closed_on)}, before the segments held here."
    else:
        reason = "The loaded NHS England data has no segment for it."
    return Reply(
        kind=ReplyKind.ANSWER,
        title=label(organisation),
        summary=f"{organisation.ods_code}: no segment held",
        sections=(Section(lines=("No segment held.", reason)),),
    )


def why_reply(view: SegmentView) -> Reply:
    organisation, assessment = view.organisation, view.assessment
    if assessment is None:
        return no_segment_reply(organisation)
    steps = tuple(f"{n}. {reason.text}" for n, reason in enumerate(assessment.reasons, start=1))
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Why {label(organisation)} is in segment {assessment.segment}",
        summary=f"{organisation.ods_code}: why segment {assessment.segment} in {assessment.quarter}",
        sections=(Section(f"{assessment.quarter}, {view.framework_name}", steps or ("No reasons were recorded.",)),),
        choices=(Choice("History", f"history {organisation.ods_code}"),),
        footnote=basis_note(view),
        segment=assessment.segment,
        shareable=True,
    )


def history_reply(view: HistoryView) -> Reply:
    organisation = view.organisation
    if not view.entries:
        return no_segment_reply(organisation)
    lines = tuple(history_line(assessment, framework) for assessment, framework in reversed(view.entries))
    return Reply(
        kind=ReplyKind.ANSWER,
        title=f"Segment history: {label(organisation)}",
        summary=f"{organisation.ods_code}: {len(lines)} quarter(s) of segment history",
        sections=(Section(lines=lines),),
        choices=(Choice("Why?", f"why {organisation.ods_code}"),),
        footnote="Newest first. Segments before 2025/26 were decisions; a 4 then does not mean a 4 now.",
        shareable=True,
    )


def history_line(assessment: Assessment, framework: str) -> str:
    details = []
    if assessment.override_applied:
        details.append(f"underlying {assessment.unadjusted_segment}, financial override")
    if assessment.segment == 5 and assessment.adjusted_segment:
        details.append(f"underlying {assessment.adjusted_segment}")
    if assessment.rank is not None and assessment.peer_count:
        details.append(f"rank {assessment.rank}/{assessment.peer_count}")
    if assessment.basis is not Basis.PUBLISHED:
        details.append(assessment.basis.value)
    extra = f" ({'; '.join(details)})" if details else ""
    return f"{assessment.quarter}: segment {assessment.segment}{extra}, {framework}"


def league_reply(view: LeagueView, page: int) -> Reply:
    region = f", {view.region}" if view.region else ""
    title = f"League table: {view.table.value.lower()}s{region}"
    if view.quarter is None or not view.rows:
        where = f" in {view.region}" if view.region else ""
        return Reply(
            ReplyKind.ANSWER, title, f"{title}: none held", (Section(lines=(f"No league table held{where}.",)),)
        )
    rows, more = paged(view.rows, page, f"league {view.table.short}{f' region:{view.region}' if view.region else ''}")
    lines = tuple(f"{r.assessment.rank or '-'}. {row_text(r)}" for r in rows)
    count = len(view.rows)
    heading = f"{view.quarter}, ranked nationally {peers(view.table, view.peer_count)}; page {page} of {pages(count)}"
    return Reply(
        kind=ReplyKind.ANSWER,
        title=title,
        summary=f"{title}, {view.quarter}: {count} trusts",
        sections=(Section(heading, lines),),
        more=more,
        footnote="Rank is by segment, then average metric score (the adjusted segment, before segment 5).",
        shareable=True,
    )


def list_reply(view: ListView, page: int) -> Reply:
    region = f" in {view.region}" if view.region else ""
    title = f"Segment {view.segment}{region}: {len(view.rows)} organisation(s)"
    if not view.rows:
        return Reply(ReplyKind.ANSWER, title, title, (Section(lines=("None held.",)),), shareable=True)
    base = f"list segment:{view.segment}{f' region:{view.region}' if view.region else ''}"
    rows, more = paged(view.rows, page, base)
    lines = tuple(f"{row_text(r)}, {r.assessment.quarter}" for r in rows)
    return Reply(
        kind=ReplyKind.ANSWER,
        title=title,
        summary=title,
        sections=(Section(f"Best average first; page {page} of {pages(len(view.rows))}", lines),),
        more=more,
        footnote="Each organisation's latest reported quarter.",
        segment=view.segment,
        shareable=True,
    )


def row_text(row: TableRow) -> str:
    a = row.assessment
    average = f", average {a.average_score:.2f}" if a.average_score is not None else ""
    override = ", financial override" if a.override_applied else ""
    return (
        f"{display_name(row.organisation.name)} ({row.organisation.ods_code}): segment {a.segment}{average}{override}"
    )


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def paged(rows: tuple[TableRow, ...], page: int, command: str) -> tuple[tuple[TableRow, ...], Choice | None]:
    start = (page - 1) * PAGE_SIZE
    more = Choice("More", f"{command} page:{page + 1}") if start + PAGE_SIZE < len(rows) else None
    return rows[start : start + PAGE_SIZE], more


def choose_reply(query: str, candidates: tuple[Candidate, ...], verb: str) -> Reply:
    lines = tuple(candidate_line(c) for c in candidates)
    return Reply(
        kind=ReplyKind.CHOICE,
        title=f"Which organisation did you mean by \u201c{query}\u201d?",
        summary=f"{len(candidates)} organisations match \u201c{query}\u201d",
        sections=(Section(lines=lines),),
        choices=tuple(Choice(f"{c.ods_code}: {display_name(c.name)}"[:75], f"{verb} {c.ods_code}") for c in candidates),
        footnote="None of these? Try the ODS code, or more of the name.",
    )


def candidate_line(candidate: Candidate) -> str:
    closed = "" if candidate.is_open else " (closed)"
    return f"{display_name(candidate.name)} ({candidate.ods_code}){closed}"


def not_found_reply(query: str, suggestions: tuple[Candidate, ...], verb: str) -> Reply:
    if suggestions:
        lines = ("Did you mean one of these?", *(candidate_line(c) for c in suggestions))
        choices = tuple(
            Choice(f"{c.ods_code}: {display_name(c.name)}"[:75], f"{verb} {c.ods_code}") for c in suggestions
        )
    else:
        lines = ("Try the trust's ODS code (like RR8), more of its name, or a common short name (like UHS).",)
        choices = ()
    return Reply(
        kind=ReplyKind.NOT_FOUND,
        title=f"No organisation matches \u201c{query}\u201d",
        summary=f"no organisation matches \u201c{query}\u201d",
        sections=(Section(lines=lines),),
        choices=choices,
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
        f"{display_name(m.organisation.name)} ({m.organisation.ods_code}): segment {m.previous.segment} → "
        f"{m.current.segment}, {m.current.quarter}"
        for m in view.moves[:limit]
    )
    extra = (f"... and {len(view.moves) - limit} more.",) if len(view.moves) > limit else ()
    title = f"Segment changes in the latest quarter: {len(view.moves)}"
    return Reply(ReplyKind.ANSWER, title, title, (Section(lines=lines + extra),), footnote="Worse segments first.")


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
