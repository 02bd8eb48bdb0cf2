"""What the bot says about release checks: the admins' one-message summary of a release, the status
of every source (`/oversight releases`, `oversight releases status`) and a check's results (`oversight
releases check`). File names and reasons come from publishers' servers: renderers escape them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oversight_bot.chat.replies import Fact, Reply, ReplyKind, Section
from oversight_bot.domain.sources import FileKind
from oversight_bot.services.release_status import FileState, ReleaseStatus, SourceState

if TYPE_CHECKING:  # a check's results: shown by the command line, which has loaded the checks already
    from oversight_bot.services.release_checks import CheckReport, FileCheck
from oversight_bot.services.release_records import FileRecord, FileStatus, Outcome, ReleaseSummary, UrlRecord

PROBLEMS_SHOWN = 3
NEVER = "never"


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else NEVER


def kind_words(kind: str) -> str:
    try:
        return FileKind(kind).description
    except ValueError:
        return kind


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary_text(summary: ReleaseSummary, *, announced: bool = True) -> str:
    """ "Q3 2025/26, Q4 2025/26; 61 organisations; 4 segment moves and 1 other change announced"."""
    parts = []
    if summary.quarters:
        parts.append(", ".join(summary.quarters))
    if summary.organisations:
        parts.append(plural(summary.organisations, "organisation"))
    if announced and summary.quarters:
        moves = plural(summary.moves, "segment move")
        other = f" and {plural(summary.other_events, 'other change')}" if summary.other_events else ""
        parts.append(f"{moves}{other} announced")
    elif announced and summary.changes:
        parts.append("changed: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in summary.changes.items()))
    return "; ".join(parts)


def problems_text(reason: str | None) -> str:
    lines = (reason or "").splitlines()
    shown = "; ".join(lines[:PROBLEMS_SHOWN])
    more = len(lines) - PROBLEMS_SHOWN
    return shown + (f"; and {plural(more, 'more problem')}" if more > 0 else "")


# -- the admins' message ------------------------------------------------------------------------------


def release_news(records: Iterable[FileRecord]) -> Reply:
    """One message for the admins' channel: every file imported or refused since they were last told."""
    imported = [r for r in records if r.status is FileStatus.IMPORTED]
    refused = [r for r in records if r.status is FileStatus.REFUSED]
    sections = []
    if imported:
        lines = tuple(
            f"{r.name} ({kind_words(r.kind)}): {summary_text(r.summary)}"
            + (f" (import {r.import_id})" if r.import_id else "")
            for r in imported
        )
        sections.append(Section("Imported", lines))
    if refused:
        lines = tuple(f"{r.name} ({kind_words(r.kind)}): {problems_text(r.reason)}" for r in refused)
        sections.append(Section("Refused: nothing of these was imported; each is tried again when it changes", lines))
    moves = sum(r.summary.moves for r in imported)
    counts = [plural(len(imported), "file") + " imported"] if imported else []
    counts += [plural(len(refused), "file") + " refused"] if refused else []
    summary = ", ".join(counts) + (f"; {plural(moves, 'segment move')} announced" if imported else "")
    if imported and refused:
        title = "New release: imported and refused"
    else:
        title = "New release imported" if imported else "Release refused"
    footnote = (
        "Subscribed channels get their alerts as after any import. `oversight releases status` (or "
        "`releases` here, for admins) shows every source."
    )
    kind = ReplyKind.ERROR if refused and not imported else ReplyKind.ANSWER
    return Reply(kind, title, summary, tuple(sections), footnote=footnote)


# -- every source's status ----------------------------------------------------------------------------


def status_reply(status: ReleaseStatus) -> Reply:
    run = status.run
    schedule = (
        f"every {_hours(status.every)} by the worker" if status.every is not None
        else "only when asked (`oversight releases check`): OVERSIGHT_RELEASES_CHECK_HOURS is not set"
    )  # fmt: skip
    facts = [Fact("Checked", schedule), Fact("Last check", _run_text(run.started_at, run.finished_at))]
    if run.holder:
        facts.append(Fact("Running now", f"{run.holder}, since {when(run.started_at)}"))
    sections = [Section(facts=tuple(facts))]
    sections += [_source_section(state) for state in status.sources]
    if not status.sources:
        sections.append(Section(lines=("No sources are configured (OVERSIGHT_RELEASES_FILE).",)))
    summary = f"{plural(len(status.sources), 'source')}; last check {when(run.started_at)}"
    return Reply(ReplyKind.ANSWER, "Release checks", summary, tuple(sections))


def _hours(every: timedelta) -> str:
    hours = every.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def _run_text(started: datetime | None, finished: datetime | None) -> str:
    if started is None:
        return NEVER
    if finished is None or finished < started:
        return f"started {when(started)}"
    return f"started {when(started)}, finished {when(finished)}"


def _source_section(state: SourceState) -> Section:
    source = state.source
    what = "Page" if source.is_page else "File"
    lines = [f"{what}: {source.url}", "  " + _checked_text(state.checked)]
    if source.is_page and state.checked is not None and not state.files:
        lines.append("  No file on the page matches the configured patterns.")
    for file in state.files:
        lines += _file_lines(file, show_name=source.is_page)
    return Section(source.name, tuple(lines))


def _checked_text(record: UrlRecord | None) -> str:
    if record is None or record.checked_at is None:
        return "Not checked yet."
    detail = f": {record.detail.splitlines()[0]}" if record.detail else ""
    return f"Checked {when(record.checked_at)}: {_outcome_words(record.outcome)}{detail}."


def _file_lines(file: FileState, *, show_name: bool) -> list[str]:
    lines = []
    if show_name:
        lines.append(f"- {file.name} ({kind_words(file.kind)}), {_checked_text(file.checked)}")
    imported = file.last_imported
    if imported is not None:
        lines.append(
            f"  Last imported {when(imported.fetched_at)} (import {imported.import_id}): "
            f"{summary_text(imported.summary)}."
        )
    latest = file.latest
    if latest is not None and latest is not imported and latest.status is FileStatus.REFUSED:
        lines.append(
            f"  Refused {when(latest.fetched_at)}: {problems_text(latest.reason)}. Tried again when it changes."
        )
    elif latest is not None and latest is not imported:
        lines.append(f"  Latest version {when(latest.fetched_at)}: {_status_words(latest)}.")
    return lines


def _status_words(record: FileRecord) -> str:
    match record.status:
        case FileStatus.NO_CHANGE:
            return "valid, but held nothing the store did not already hold"
        case FileStatus.ALREADY_IMPORTED:
            return f"already imported (import {record.import_id})"
        case FileStatus.IMPORTED:
            return f"imported (import {record.import_id})"
    return f"refused: {problems_text(record.reason)}"


_OUTCOMES = {
    Outcome.NOT_MODIFIED: "not modified since the last look",
    Outcome.FOUND: "read",
    Outcome.UNCHANGED: "the same file as before",
    Outcome.IMPORTED: "a new version, imported",
    Outcome.NO_CHANGE: "a new version that changed nothing",
    Outcome.REFUSED: "refused",
    Outcome.UNREACHABLE: "could not be fetched",
    Outcome.WOULD_IMPORT: "a new version, valid: would be imported",
}


def _outcome_words(outcome: Outcome | None) -> str:
    return _OUTCOMES.get(outcome, "not checked") if outcome is not None else "not checked"


# -- one check's results (`oversight releases check`) ----------------------------------------------


def check_reply(report: CheckReport) -> Reply:
    if not report.ran:
        running = report.running
        who = f" ({running.holder}, since {when(running.started_at)})" if running and running.holder else ""
        text = f"Another release check is running{who}; `oversight releases status` will show what it found."
        return Reply(ReplyKind.ERROR, "Release check already running", text, (Section(lines=(text,)),))
    sections = []
    for source in report.sources:
        lines = []
        if source.source.is_page:
            detail = f": {source.detail}" if source.detail else ""
            lines.append(f"Page {source.source.url}: {_outcome_words(source.outcome)}{detail}.")
        lines += [_file_check_line(file) for file in source.files]
        sections.append(Section(source.source.name, tuple(lines)))
    imported = [f for f in report.files if f.outcome is Outcome.IMPORTED]
    refused = [f for f in report.files if f.outcome is Outcome.REFUSED]
    title = "Release check (dry run: nothing written, no one told)" if report.dry_run else "Release check"
    summary = f"{plural(len(imported), 'file')} imported, {plural(len(refused), 'file')} refused"
    footnote = f"The admins' channel was told of {plural(len(report.told), 'file')}." if report.told else None
    return Reply(ReplyKind.ANSWER, title, summary, tuple(sections), footnote=footnote)


def _file_check_line(file: FileCheck) -> str:
    head = f"{file.name} ({kind_words(file.kind.value)}): {_outcome_words(file.outcome)}"
    record = file.record
    if file.outcome is Outcome.IMPORTED and record is not None:
        return f"{head}: {summary_text(record.summary)} (import {record.import_id})."
    if file.outcome is Outcome.WOULD_IMPORT and file.summary is not None:
        return f"{head}: {summary_text(file.summary, announced=False)}."
    if file.outcome is Outcome.UNCHANGED and record is not None:
        return f"{head} ({when(record.fetched_at)}: {_status_words(record)})."
    if file.outcome is Outcome.NO_CHANGE and record is not None and record.status is FileStatus.ALREADY_IMPORTED:
        return f"{head}: {_status_words(record)}."
    if file.detail:
        return f"{head}: {problems_text(file.detail)}."
    return f"{head}."
