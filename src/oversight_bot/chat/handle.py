"""`Conversation.handle(command, actor)`: the one switch that every platform calls."""

from __future__ import annotations

from oversight_bot.chat import wording
from oversight_bot.chat.commands import (
    Command,
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
    ShowReleases,
    StartConcern,
    Subscribe,
    TriageConcern,
    Unsubscribe,
    ViewConcern,
    parse_text,
)
from oversight_bot.chat.concerning import PERSONAL_ONLY, Concerning, answers_privately, refusal_reply
from oversight_bot.chat.releases import status_reply
from oversight_bot.chat.replies import Reply
from oversight_bot.chat.subscribing import Subscribing
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.organisations import display_name
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.errors import Refused, StoreUnavailable
from oversight_bot.services.access import Access
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.services.release_status import ReleaseStatusQuery
from oversight_bot.services.segments import SegmentReader, SegmentService

# Commands that show segments or send them to a channel: for readers (the `reader` role, which
# is everyone until configuration lists who).
READING = (
    GetSegment,
    ExplainSegment,
    ShowHistory,
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
        releases: ReleaseStatusQuery | None = None,
    ) -> None:
        self.segments = segments
        self.subscribing = subscribing
        self.concerning = concerning
        self.access = access  # None: everyone may read (the console, tests of wording)
        self.releases = releases

    def respond(self, text: str, actor: Actor) -> Reply:
        return self.handle(parse_text(text), actor)

    def handle(self, command: Command, actor: Actor) -> Reply:
        """The answer to a command. A use case's "no" (`Refused`) is answered in words here, and a
        store that cannot be reached gives back whatever the user wrote."""
        try:
            reply = self._handle(command, actor)
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
            case GetSegment() | ExplainSegment() | ShowHistory():
                return self._about_organisation(command)
            case ShowLeague(table=table, region=typed, page=page):
                reader = self.segments.reader()
                region, unknown = _region(reader, typed)
                return unknown or wording.league_reply(reader.league(table, region), page)
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

    def _about_organisation(self, command: GetSegment | ExplainSegment | ShowHistory) -> Reply:
        reader = self.segments.reader()  # one consistent data version for the whole answer
        found = reader.lookup(command.query)
        if found.status is LookupStatus.AMBIGUOUS:
            return wording.choose_reply(found.query, found.candidates, command.verb)
        if found.status is LookupStatus.NOT_FOUND or found.organisation is None:
            return wording.not_found_reply(found.query, found.candidates, command.verb)
        code = found.organisation.ods_code
        if isinstance(command, ShowHistory):
            history = reader.history(code)
            assert history is not None
            return wording.history_reply(history)
        if isinstance(command, ExplainSegment):
            why = reader.why(code)
            assert why is not None
            return wording.why_reply(why)
        view = reader.segment(code)
        assert view is not None
        open_concerns = self.concerning.service.open_count(code) if self.concerning else None
        return wording.segment_reply(view, open_concerns)


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
