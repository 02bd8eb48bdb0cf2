"""`Conversation.handle(command, actor)`: the one switch that every platform calls.

The metric, trend and comparison answers (`chat/positions.py` and its use case) are imported by
the commands that give them: a command-line `segment` answer does not pay for them
(docs/benchmarks.md, "Start-up").
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol

from oversight_bot.chat import wording
from oversight_bot.chat.answers import KeptAnswers, is_kept
from oversight_bot.chat.commands import (
    Command,
    CompareOrganisations,
    ConcernHelp,
    ExplainSegment,
    GetSegment,
    ListConcerns,
    ListSegment,
    ListSubscriptions,
    Mute,
    SetDigest,
    SetThreading,
    ShowHelp,
    ShowHistory,
    ShowLeague,
    ShowMetrics,
    ShowReleases,
    ShowTrend,
    StartConcern,
    Subscribe,
    TriageConcern,
    Unsubscribe,
    ViewConcern,
    parse_text,
)
from oversight_bot.chat.concerning import PERSONAL_ONLY, Concerning, answers_privately, refusal_reply
from oversight_bot.chat.replies import Choice, Reply, ReplyKind, Section
from oversight_bot.chat.subscribing import Subscribing
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.organisations import Organisation, display_name
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.errors import Refused, StoreUnavailable
from oversight_bot.services.access import Access
from oversight_bot.services.lookup import LookupResult, LookupStatus
from oversight_bot.services.segments import SegmentReader, SegmentService

if TYPE_CHECKING:
    from oversight_bot.services.release_status import ReleaseStatus


class ReleaseStatusSource(Protocol):
    """What `/oversight releases` asks: the release checks' status, for admins only."""

    def status(self, actor: Actor) -> ReleaseStatus: ...


# Commands that show segments or send them to a channel: for readers (the `reader` role, which
# is everyone until configuration lists who).
READING = (
    GetSegment,
    ExplainSegment,
    ShowHistory,
    ShowMetrics,
    ShowTrend,
    CompareOrganisations,
    ShowLeague,
    ListSegment,
    Subscribe,
    ListSubscriptions,
)
FORM_ELSEWHERE = (
    "The concern form opens with /concern in Slack, `concern` in Teams, and `concern` in the terminal "
    "console (`oversight console`)."
)
NOT_A_READER = (
    "Oversight segments are shown only to the people this bot's administrators have listed as readers. "
    "Ask them to add you."
)


class Conversation:
    def __init__(
        self,
        segments: SegmentService,
        subscribing: Subscribing | None = None,
        concerning: Concerning | None = None,
        access: Access | None = None,
        releases: ReleaseStatusSource | None = None,
    ) -> None:
        self.segments = segments
        self.subscribing = subscribing
        self.concerning = concerning
        self.access = access  # None: everyone may read (the console, tests of wording)
        self.releases = releases
        self.kept: KeptAnswers[Reply] = KeptAnswers()

    def data_version(self, command: Command, actor: Actor) -> Hashable | None:
        """The version of the data `command`'s answer is made of, if that answer is the same for
        everyone who may ask it and can be kept until the data changes (chat/answers.py); found
        in memory, never by asking the store. None: work it out each time."""
        if not is_kept(command) or not (self.access is None or self.access.reading_is_open()):
            return None
        if self.segments.current() is None:
            return None
        reader = self.segments.reader()  # the one in hand (and a background check, when one is due)
        counts = self.concerning.service.counts_version() if self.concerning else 0
        if counts is None:
            return None
        return (reader.snapshot.version, counts, self.segments.ageing.today())

    def respond(self, text: str, actor: Actor) -> Reply:
        return self.handle(parse_text(text), actor)

    def handle(self, command: Command, actor: Actor) -> Reply:
        """The answer to a command. A use case's "no" (`Refused`) is answered in words here, and a
        store that cannot be reached gives back whatever the user wrote."""
        version = self.data_version(command, actor)
        kept = self.kept.get(version, command) if version is not None else None
        if kept is not None:
            return kept
        try:
            reply = self._handle(command, actor)
            if version is not None:
                self.kept.put(version, command, reply)
        except Refused as refused:
            return refusal_reply(refused)
        except StoreUnavailable:
            return wording.unavailable_reply(_unsaved_words(command))
        if reply.confidential and not answers_privately(actor):
            return wording.error_reply(PERSONAL_ONLY)  # never where others can read it
        return reply

    def latest_changes(self, actor: Actor) -> Reply:
        if not self._may_read(actor):
            return wording.error_reply(NOT_A_READER)
        try:
            return wording.changes_reply(self.segments.reader().recent_changes())
        except StoreUnavailable:
            return wording.unavailable_reply()

    def stop_alerts(self, destination: Destination, reason: str, *, whole_workspace: bool = False) -> int:
        """The bot was removed from a channel, or a workspace uninstalled it: its alerts stop."""
        return self.subscribing.stop(destination, reason, whole_workspace=whole_workspace) if self.subscribing else 0

    def suggest_organisations(self, typed: str) -> list[tuple[str, str]]:
        """(ODS code, name) pairs for a typeahead, names as people write them (not the register's
        capitals); none when the store cannot be reached."""
        try:
            return [(code, display_name(name)) for code, name in self.segments.reader().suggest(typed)]
        except StoreUnavailable:
            return []

    def _may_read(self, actor: Actor) -> bool:
        return self.access is None or self.access.may_read(actor)

    def _handle(self, command: Command, actor: Actor) -> Reply:
        if isinstance(command, READING) and not self._may_read(actor):
            return wording.error_reply(NOT_A_READER)
        match command:
            case GetSegment() | ExplainSegment() | ShowHistory() | ShowTrend():
                return self._about_organisation(command)
            case ShowMetrics():
                return self._metrics(command)
            case CompareOrganisations():
                return self._compare(command)
            case ShowLeague(table=table, region=typed, page=page, quarter=spec):
                reader = self.segments.reader()
                region, unknown = _region(reader, typed)
                quarter = pick_quarter(spec, reader.table_quarters(table))
                if spec is not None and quarter is None:
                    held = reader.table_quarters(table)
                    return _quarter_not_held(f"No league table of {table.plural} is held for {spec}.", held)
                return unknown or wording.league_reply(reader.league(table, region, quarter), page, at=quarter)
            case ListSegment(segment=segment, region=typed, page=page):
                reader = self.segments.reader()
                region, unknown = _region(reader, typed)
                return unknown or wording.list_reply(reader.list_segment(segment, region), page)
            case ShowHelp():
                return self._help(command)
            case Subscribe() | Unsubscribe() | ListSubscriptions() | Mute() | SetDigest() | SetThreading():
                return self._subscriptions(command, actor)
            case StartConcern():
                return wording.help_reply(FORM_ELSEWHERE, about="concern")
            case ConcernHelp():
                return self.concerning.help(actor) if self.concerning else wording.help_reply(FORM_ELSEWHERE)
            case ListConcerns() | ViewConcern() | TriageConcern():
                return self._concerns(command, actor)
            case ShowReleases():
                if self.releases is None:
                    return wording.error_reply("Release checks are not set up here.")
                from oversight_bot.chat.releases import status_reply  # loaded only by the command that needs it

                return status_reply(self.releases.status(actor))  # admins only: NotAllowed otherwise
        return wording.help_reply(f"Not understood: {type(command).__name__}")

    def _help(self, command: ShowHelp) -> Reply:
        """Help, or what was not understood; words that name an organisation suggest `segment` for it."""
        suggestion = command.suggestion
        if suggestion is None and command.organisation:
            found = self.segments.reader().lookup(command.organisation)
            if found.status is LookupStatus.RESOLVED and found.organisation is not None:
                suggestion = f"segment {found.organisation.ods_code}"
        return wording.help_reply(command.problem, suggestion, command.about)

    def _subscriptions(self, command: Command, actor: Actor) -> Reply:
        subscribing = self.subscribing
        if subscribing is None or actor.conversation_id is None:
            return wording.error_reply("Subscriptions belong to a channel: use this command in Slack or Teams.")
        match command:
            case Subscribe():
                return subscribing.subscribe(command, actor, self.segments.reader())
            case Unsubscribe():
                return subscribing.unsubscribe(command, actor, self.segments.reader())
            case ListSubscriptions():
                return subscribing.listing(command, actor, self.segments.reader())
            case Mute():
                return subscribing.mute(command, actor)
            case SetDigest():
                return subscribing.digest(command, actor)
            case SetThreading():
                return subscribing.threading(command, actor)
        return wording.help_reply()

    def _concerns(self, command: ListConcerns | ViewConcern | TriageConcern, actor: Actor) -> Reply:
        if self.concerning is None:
            return wording.error_reply("Concerns are not set up here.")
        if not answers_privately(actor):
            # Refused before anything is done: a triage here would change the concern, and its
            # answer (and the outcome typed with it) could not be said here.
            return wording.error_reply(PERSONAL_ONLY)
        match command:
            case ListConcerns():
                return self.concerning.listing(command, actor)
            case ViewConcern():
                return self.concerning.view(command, actor)
        return self.concerning.triage(command, actor)

    def _about_organisation(self, command: GetSegment | ExplainSegment | ShowHistory | ShowTrend) -> Reply:
        reader = self.segments.reader()  # one consistent data version for the whole answer
        found = reader.lookup(command.query)
        if found.status is not LookupStatus.RESOLVED or found.organisation is None:
            return wording.unresolved_reply(found, command.verb, command.page)
        return wording.said_how_found(found, self._about(found.organisation.ods_code, reader, command))

    def _about(
        self, code: str, reader: SegmentReader, command: GetSegment | ExplainSegment | ShowHistory | ShowTrend
    ) -> Reply:
        if isinstance(command, ShowHistory):
            history = reader.history(code)
            assert history is not None
            return wording.history_reply(history)
        if isinstance(command, ShowTrend):
            from oversight_bot.chat import positions

            trend = reader.positions.trend(code)
            assert trend is not None
            return positions.trend_reply(trend, self.segments.ageing)
        quarter = pick_quarter(command.quarter, reader.quarters_held(code))
        if command.quarter is not None and quarter is None:
            return _quarter_not_held(
                f"No segment is held for {code} in {command.quarter}.",
                reader.quarters_held(code),
                f"{command.verb} {code}",
            )
        if isinstance(command, ExplainSegment):
            why = reader.why(code, quarter)
            assert why is not None
            return wording.why_reply(why)
        view = reader.segment(code, quarter)
        assert view is not None
        open_concerns = self.concerning.service.open_count(code) if self.concerning else None
        return wording.segment_reply(view, open_concerns)

    def _metrics(self, command: ShowMetrics) -> Reply:
        """`metric <organisation> [metric]`: where the organisation's words end is found by looking
        up ever longer beginnings of what was typed until one names an organisation and the rest a
        metric; failing that, all of it names the organisation."""
        from oversight_bot.chat import positions
        from oversight_bot.services.positions import MatchStatus

        reader = self.segments.reader()
        words = command.query.split()
        unmatched: tuple[Organisation, str] | None = None
        for cut in range(1, len(words)):
            found = reader.lookup(" ".join(words[:cut]))
            if found.status is not LookupStatus.RESOLVED or found.organisation is None:
                continue
            code, rest = found.organisation.ods_code, " ".join(words[cut:])
            match = reader.positions.find_metric(code, rest)
            if match.status is MatchStatus.FOUND and match.metric_id is not None:
                history = reader.positions.metric_history(code, match.metric_id)
                assert history is not None
                return positions.metric_history_reply(history, self.segments.ageing)
            if match.status is MatchStatus.AMBIGUOUS:
                return _which_metric(found.organisation, rest, match.candidates)
            unmatched = (found.organisation, rest)
        found = reader.lookup(command.query)
        if found.status is not LookupStatus.RESOLVED or found.organisation is None:
            if unmatched is not None:
                return _no_such_metric(*unmatched)
            return wording.unresolved_reply(found, "metric", 1)
        code = found.organisation.ods_code
        quarter = pick_quarter(command.quarter, reader.quarters_held(code))
        if command.quarter is not None and quarter is None:
            held = reader.quarters_held(code)
            return _quarter_not_held(f"No segment is held for {code} in {command.quarter}.", held, f"metric {code}")
        view = reader.positions.metrics(code, quarter)
        assert view is not None
        return positions.metrics_reply(view, self.segments.ageing)

    def _compare(self, command: CompareOrganisations) -> Reply:
        from oversight_bot.chat import positions
        from oversight_bot.services.positions import MAX_COMPARED

        reader = self.segments.reader()
        named = organisations_named(reader, command.query)
        if len(named) > MAX_COMPARED:
            return wording.error_reply(f"`compare` takes up to {MAX_COMPARED} organisations, not {len(named)}.")
        codes: list[str] = []
        for query in named:
            found = reader.lookup(query)
            if found.status is not LookupStatus.RESOLVED or found.organisation is None:
                return wording.unresolved_reply(found, "segment", 1)
            if found.organisation.ods_code not in codes:
                codes.append(found.organisation.ods_code)
        if len(codes) < 2:
            return wording.error_reply(
                "`compare` needs two to four different organisations, separated by commas or `vs`: `compare RR8, RHM`."
            )
        held = sorted({q for code in codes for q in reader.quarters_held(code)})
        quarter = pick_quarter(command.quarter, held)
        if command.quarter is not None and quarter is None:
            return _quarter_not_held(f"None of them has a segment held for {command.quarter}.", held)
        return positions.compare_reply(reader.positions.compare(codes, quarter))


def pick_quarter(spec: str | None, held: list[Quarter]) -> Quarter | None:
    """The quarter meant by "Q1 2025/26", or by "Q1" (the latest Q1 held); None if not held."""
    if spec is None:
        return None
    if " " in spec:
        quarter = Quarter.parse(spec)
        return quarter if quarter in held else None
    number = int(spec[1])
    return max((q for q in held if q.number == number), default=None)


_SEPARATORS = re.compile(r"\s*(?:,|;|\bvs\.?(?=\s|$)|\bversus\b|\bv\b|\bwith\b|&)\s*", re.IGNORECASE)


def organisations_named(reader: SegmentReader, text: str) -> list[str]:
    """The organisations in `compare`'s words: separated by commas, `vs`, `versus` or `with`; `and`
    separates too where the words with it name no organisation ("Guy's and St Thomas'" does); words
    with no separator at all are one organisation each if each is a code or an alias."""
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    if len(parts) == 1:
        words = parts[0].split()
        if all(_named_exactly(reader.lookup(word)) for word in words):
            return words
    named: list[str] = []
    for part in parts:
        pieces = re.split(r"\s+and\s+", part.strip(), flags=re.IGNORECASE)
        if len(pieces) > 1 and reader.lookup(part).status is not LookupStatus.RESOLVED:
            named += [p for p in pieces if p]
        else:
            named.append(part.strip())
    return named


def _named_exactly(found: LookupResult) -> bool:
    return found.status is LookupStatus.RESOLVED and found.matched_by in ("code", "alias", "acronym")


def _quarter_not_held(text: str, held: list[Quarter], command: str | None = None) -> Reply:
    said = f" Quarters held: {', '.join(str(q) for q in held)}." if held else " No quarter is held."
    reply = wording.error_reply(text + said)
    if command is None or not held:
        return reply
    choices = tuple(Choice(str(q), f"{command} {q}") for q in reversed(held[-4:]))
    return Reply(reply.kind, reply.title, reply.summary, reply.sections, choices=choices)


def _which_metric(organisation: Organisation, typed: str, candidates: tuple[tuple[str, str], ...]) -> Reply:
    code = organisation.ods_code
    return Reply(
        kind=ReplyKind.CHOICE,
        title=f"Which metric did you mean by \u201c{typed}\u201d?",
        summary=f"{len(candidates)} metrics match \u201c{typed}\u201d",
        sections=(Section(lines=tuple(f"{name} ({metric_id})" for metric_id, name in candidates)),),
        choices=tuple(
            Choice(f"{metric_id}: {name}"[:75], f"metric {code} {metric_id}") for metric_id, name in candidates
        ),
        footnote=f"`metric {code}` lists all of its metrics.",
    )


def _no_such_metric(organisation: Organisation, typed: str) -> Reply:
    code = organisation.ods_code
    text = (
        f"No metric held matches \u201c{typed}\u201d. Name one by its ID (like OF1011) or by words from its name; "
        f"`metric {code}` lists all of {code}'s."
    )
    return Reply(
        kind=ReplyKind.NOT_FOUND,
        title=f"No metric matches \u201c{typed}\u201d",
        summary=f"no metric matches \u201c{typed}\u201d",
        sections=(Section(lines=(text,)),),
        choices=(Choice(f"All metrics: {code}", f"metric {code}"),),
    )


def _unsaved_words(command: Command) -> str | None:
    """What the user wrote that would be lost if the store is down: a triage outcome."""
    if isinstance(command, TriageConcern) and command.outcome:
        return f"triage {command.reference} {command.to} {command.outcome}"
    return None


def _region(reader: SegmentReader, typed: str | None) -> tuple[str | None, Reply | None]:
    """The region as NHS England names it, or an answer saying there is no such region."""
    if typed is None:
        return None, None
    region, suggestions = reader.region_named(typed)
    if region is not None:
        return region, None
    return None, wording.error_reply(f"No region is called {typed}. Regions: {', '.join(suggestions)}.")
