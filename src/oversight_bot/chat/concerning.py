"""The concern conversation, written once: the form (opening, checking each answer, filing),
viewing a concern (role-checked and recorded by the service), triage, listing, and every word of
it, as platform-neutral view models. Slack's modals, Teams' dialogs and the console's prompts only
render these and translate what the user did back into calls here.

Every answer here is private and never offered for sharing: a concern's words go only to the
person allowed to see them, and only where that person alone can read them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from oversight_bot.chat.commands import ListConcerns, TriageConcern, ViewConcern
from oversight_bot.chat.concern_form import FIELDS, check_answer, validate
from oversight_bot.chat.replies import Choice, Fact, Reply, ReplyKind, Section, mention
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import MOVES, Concern, RaisedAs, Status, may_move
from oversight_bot.domain.organisations import display_name
from oversight_bot.errors import (
    CannotMove,
    NoSuchConcern,
    NotAllowed,
    OutcomeNeeded,
    Refused,
    StoreUnavailable,
)
from oversight_bot.logs import error_frames
from oversight_bot.services.concerns import ConcernService, ConcernView
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.services.segments import SegmentService

logger = logging.getLogger(__name__)

NOT_ALLOWED = "Only the oversight team, the Freedom to Speak Up guardian and admins may do that."
NOT_A_REPORTER = "You may not raise concerns here."
STORE_DOWN = "The concern store cannot be reached just now."
STORE_DOWN_TRIAGE = "The concern store cannot be reached just now; nothing was changed. Save again in a few minutes."
OUTCOME_NEEDED = "Say what was found and done, to close it."
PERSONAL_ONLY = (
    "Concerns are shown only in a personal chat with me, never in a channel or group chat. "
    "Open a chat with Oversight and ask there."
)
INTRODUCTION = (
    "Raise a concern about an NHS organisation. What you write is kept in the concern store; "
    "nothing you write here is posted to a channel or chat."
)
NOT_STORED = (
    "Your concern could not be stored just now, so it has not been filed. Nothing was kept. Every "
    "answer you gave is here: submit it again in a few minutes, or copy your words."
)
REVEAL = (
    "Show concern {reference}? Its details are shown only if your role allows, and viewing is "
    "recorded in the audit trail."
)
TOLD = "Your concern is filed. Its reference is {reference}; keep it to follow it up."
FLAG_NOTE = "Flagged for the oversight lead to consider segment action (the bot never changes a segment itself)."
# The triage inputs under a concern's details, by the same ids on every platform.
TRIAGE_STATE, TRIAGE_OUTCOME = "triage_state", "triage_outcome"
TRIAGE_CHOICES = {
    Status.ACKNOWLEDGED: ("Acknowledge", "acknowledge"),
    Status.INVESTIGATING: ("Investigating", "investigate"),
    Status.ESCALATED: ("Escalate to the region", "escalate"),
}
CONCERN_HELP = (
    "You choose to raise it openly, confidentially (only the Freedom to Speak Up guardian sees your name) "
    "or anonymously (the bot keeps no record of who you are).",
    "What you write is never posted to a channel. You get a reference when it is filed: write it down. "
    "If you raise it openly, the reference is also sent to you in a message from this app.",
)


@dataclass(frozen=True, slots=True)
class Platform:
    """What a platform can do with a concern's words: where it can answer one person privately,
    and whether a concern's details may travel in a (private) message or only in a dialog."""

    name: str
    private_in_channels: bool
    details_in_messages: bool
    opens_form: str  # how the form opens, for help
    triagers: str  # how triagers ask, for help


PLATFORMS = {
    "slack": Platform(
        "Slack", True, True,
        "`/concern` opens the concern form; `/concern Leeds Teaching` opens it with the organisation filled in.",
        "Triagers: `/oversight concerns [organisation] [open|new|acknowledged|investigating|escalated|closed]`, "
        "`/oversight view <reference>`, `/oversight triage <reference> <state> [outcome]`.",
    ),
    "teams": Platform(
        "Teams", False, False,
        "`@Oversight concern` (just `concern` in a personal chat) offers the form; "
        "`concern Leeds Teaching` fills in the organisation.",
        "Triagers, in a personal chat with the bot: `concerns [organisation] [state]`, `view <reference>`, "
        "`triage <reference> <state> [outcome]`.",
    ),
    "console": Platform(
        "the console", True, True,
        "`concern` asks the form's questions one by one; `concern Leeds Teaching` fills in the organisation. "
        "Each answer is checked as you give it, you see them all before filing, and `cancel` stops.",
        "Triagers: `concerns [organisation] [state]`, `view <reference>`, `triage <reference> <state> [outcome]`.",
    ),
}  # fmt: skip


def platform_of(actor: Actor) -> Platform:
    return PLATFORMS.get(actor.platform, PLATFORMS["console"])


def answers_privately(actor: Actor) -> bool:
    """Whether an answer here is seen by the asker alone (Teams has no private answers in a channel)."""
    return platform_of(actor).private_in_channels or actor.direct


# View models: what each platform renders.


@dataclass(frozen=True, slots=True)
class FormView:
    """The concern form, to show: fresh, or back with the answers given and an error per field,
    or back whole because it could not be stored (`not_stored`)."""

    form_id: str
    chosen: tuple[str, str] | None = None  # the organisation's ODS code and name, when chosen
    values: Mapping[str, str | None] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    not_stored: bool = False


@dataclass(frozen=True, slots=True)
class FiledView:
    """A filed concern: the lines to show the reporter, and what to send them by message (the
    reference, only when that is safe), or None."""

    reference: str
    lines: tuple[str, ...]
    flagged: bool
    message: str | None


@dataclass(frozen=True, slots=True)
class ConcernDetails:
    """A concern's details, or a refusal, with the states it may move to (none: no triage inputs),
    the state and outcome just tried (kept, so nothing typed is lost), and an error per input."""

    reference: str
    reply: Reply
    next_states: tuple[Status, ...] = ()
    kept: tuple[str | None, str | None] = (None, None)
    errors: Mapping[str, str] = field(default_factory=dict)


FormOutcome = FormView | FiledView | Reply


class Concerning:
    def __init__(self, service: ConcernService, segments: SegmentService) -> None:
        self.service = service
        self.segments = segments

    # The form

    def open_form(self, query: str = "", form_id: str | None = None) -> FormView:
        """A fresh form; `query` names the organisation when it names one without doubt."""
        return FormView(form_id or uuid.uuid4().hex, self._named(query))

    def check(self, field_id: str, value: str | None, values: Mapping[str, str | None], today: date) -> str | None:
        """One answer, checked as it is given (the console asks one question at a time)."""
        return check_answer(field_id, value, values, self._is_organisation, today)

    def submit(
        self,
        actor: Actor,
        values: Mapping[str, str | None],
        form_id: str,
        today: date,
        *,
        may_message: bool,
        typed_organisation: bool = False,
    ) -> FormOutcome:
        """Check the whole form and file it. `may_message`: the platform can send the reporter a
        private message (the reference, for a concern raised openly). `typed_organisation`: the
        organisation was typed, not chosen from a list (Teams' dialogs), so it is looked up first."""
        values, unresolved = self._resolved(values) if typed_organisation else (dict(values), None)
        chosen = self.chosen(values.get("organisation"))
        try:
            checked = validate(values, self._is_organisation, today)
            if unresolved and isinstance(checked, dict):
                checked["organisation"] = unresolved
            elif unresolved:
                return FormView(form_id, chosen, values, {"organisation": unresolved})
            if isinstance(checked, dict):
                return FormView(form_id, chosen, values, checked)
            filed = self.service.file(actor, checked, form_id=form_id or None)
        except NotAllowed:
            return _refusal("Concern", NOT_A_REPORTER)
        except Exception as error:
            if not isinstance(error, StoreUnavailable):
                logger.error("filing a concern failed: %s\n%s", type(error).__name__, error_frames(error))
            return FormView(form_id, chosen, values, not_stored=True)
        concern = filed.concern
        told = may_message and concern.raised_as is RaisedAs.OPENLY
        lines = filed_lines(concern, filed.new, told=told, platform=platform_of(actor).name)
        message = TOLD.format(reference=concern.reference) if told and filed.new else None
        return FiledView(concern.reference, tuple(lines), concern.flagged, message)

    def _resolved(self, values: Mapping[str, str | None]) -> tuple[dict[str, str | None], str | None]:
        """A form whose organisation was typed rather than chosen (Teams' dialog, which has no
        typeahead): the code it names, or why it names none."""
        resolved = dict(values)
        typed = (values.get("organisation") or "").strip()
        if not typed or self._is_organisation(typed.upper()):
            return resolved, None
        chosen, candidates = self.organisations_named(typed)
        if chosen is not None:
            resolved["organisation"] = chosen[0]
            return resolved, None
        if not candidates:
            return resolved, f"No organisation matches {typed}; try its ODS code or another part of its name."
        named = "; ".join(f"{name} ({code})" for code, name in candidates[:5])
        return resolved, f"More than one organisation matches {typed}: {named}. Type its ODS code."

    def chosen(self, code: str | None) -> tuple[str, str] | None:
        """The organisation a returned form had chosen, with its name (its code, if the store is down)."""
        if not code:
            return None
        try:
            organisation = self.segments.reader().organisation(code)
        except StoreUnavailable:
            organisation = None
        return (code, display_name(organisation.name) if organisation else code)

    def organisations_named(self, text: str) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
        """The organisation `text` names without doubt (ODS code, name), or the candidates to choose from."""
        found = self.segments.reader().lookup(text)
        if found.status is LookupStatus.RESOLVED and found.organisation is not None:
            return (found.organisation.ods_code, display_name(found.organisation.name)), []
        return None, [(c.ods_code, display_name(c.name)) for c in found.candidates]

    def _named(self, query: str) -> tuple[str, str] | None:
        if not query.strip():
            return None
        found = self.segments.reader().lookup(query)
        organisation = found.organisation if found.status is LookupStatus.RESOLVED else None
        return (organisation.ods_code, display_name(organisation.name)) if organisation else None

    def _is_organisation(self, code: str) -> bool:
        return self.segments.reader().organisation(code) is not None

    # A concern in a dialog or modal: the step before it is shown, its details, and triage.

    @staticmethod
    def reveal_prompt(reference: str) -> str:
        return REVEAL.format(reference=reference)

    def details(self, actor: Actor, reference: str) -> ConcernDetails:
        """The concern, if the actor's role allows (the service records the view either way)."""
        try:
            seen = self.service.view(actor, reference)
        except Refused as refused:
            return ConcernDetails(reference, _refusal("Concern", refusal_text(refused)))
        except StoreUnavailable:
            return ConcernDetails(reference, _refusal("Concern", STORE_DOWN))
        status = seen.concern.status
        next_states = tuple(sorted(MOVES[status], key=list(Status).index))
        return ConcernDetails(reference, self.view_reply(seen), next_states)

    def move(self, actor: Actor, reference: str, state: str | None, outcome: str | None) -> ConcernDetails:
        """A triage from a concern's dialog: the refreshed details, or an error against the input
        that was wrong, with what was typed kept."""
        outcome = (outcome or "").strip() or None
        if not state:
            return self.details(actor, reference)
        kept = (state, outcome)
        try:
            self.service.move(actor, reference, Status(state), outcome)
        except OutcomeNeeded:
            return self._with_errors(actor, reference, kept, {TRIAGE_OUTCOME: OUTCOME_NEEDED})
        except CannotMove as refused:
            problem = f"It is {refused.current.value} now; choose again."
            return self._with_errors(actor, reference, (None, outcome), {TRIAGE_STATE: problem})
        except StoreUnavailable:
            states = tuple(s for s in Status if s is not Status.NEW)
            text = f"The concern store cannot be reached just now, so {reference} was not changed."
            reply = _refusal("Concern", f"{text} What you chose is kept: save it again in a few minutes.")
            return ConcernDetails(reference, reply, states, kept, {TRIAGE_STATE: STORE_DOWN_TRIAGE})
        except (Refused, ValueError):
            pass  # the refreshed details say what the viewer may now see
        return self.details(actor, reference)

    def _with_errors(
        self, actor: Actor, reference: str, kept: tuple[str | None, str | None], errors: dict[str, str]
    ) -> ConcernDetails:
        details = self.details(actor, reference)
        return ConcernDetails(reference, details.reply, details.next_states, kept, errors)

    # Typed commands

    def listing(self, command: ListConcerns, actor: Actor) -> Reply:
        reader = self.segments.reader()
        code = None
        if command.query:
            found = reader.lookup(command.query)
            if found.status is not LookupStatus.RESOLVED or found.organisation is None:
                return _refusal("Concerns", f"{command.query} does not name one organisation; use its ODS code.")
            code = found.organisation.ods_code
        concerns = self.service.listing(actor, code, _status(command.status))
        if command.status == "open":
            concerns = [c for c in concerns if c.status is not Status.CLOSED]
        lines = tuple(self._line(c) for c in concerns) or ("None.",)
        about = f" about {code}" if code else ""
        which = f" ({command.status})" if command.status else ""
        title = f"Concerns{about}{which}: {len(concerns)}"
        choices = tuple(Choice(f"View {c.reference}", f"view {c.reference}") for c in concerns[:10])
        footnote = "Headlines only; `view <reference>` shows a concern, and each view is recorded."
        sections = (Section(lines=lines),)
        return Reply(ReplyKind.ANSWER, title, title, sections, choices=choices, footnote=footnote, confidential=True)

    def view(self, command: ViewConcern, actor: Actor) -> Reply:
        """Where a concern's words may go in a private message, they do; elsewhere (Teams) a button
        opens them in a dialog, after a step that says viewing is recorded."""
        if not platform_of(actor).details_in_messages:
            text = f"Concern {command.reference}: its details open in a dialog, and viewing is recorded."
            choice = Choice("View", f"view {command.reference}")
            return Reply(ReplyKind.ANSWER, f"Concern {command.reference}", text, (Section(lines=(text,)),),
                         choices=(choice,), confidential=True)  # fmt: skip
        return self.view_reply(self.service.view(actor, command.reference))

    def triage(self, command: TriageConcern, actor: Actor) -> Reply:
        concern = self.service.move(actor, command.reference, Status(command.to), command.outcome)
        text = f"{concern.reference} is now {concern.status.value}, changed by {mention(actor.user_id)}."
        title = f"Concern {concern.reference}: {concern.status.value}"
        return Reply(ReplyKind.ANSWER, title, text, (Section(lines=(text,)),), confidential=True)

    def help(self, actor: Actor) -> Reply:
        platform = platform_of(actor)
        lines = (platform.opens_form, *CONCERN_HELP, platform.triagers)
        return Reply(ReplyKind.HELP, "Raising a concern", "Raising a concern", (Section(lines=lines),))

    def view_reply(self, seen: ConcernView) -> Reply:
        concern = seen.concern
        facts = [
            Fact("Organisation", self._name(concern.ods_code, with_code=True)),
            Fact("Category", concern.category.label),
            Fact("Severity", concern.severity.value),
            Fact("Status", concern.status.value),
            Fact("Raised", f"{concern.raised_as.value}, {concern.created_at:%d %b %Y %H:%M} UTC"),
        ]
        if concern.occurred_on:
            facts.append(Fact("Happened", f"{concern.occurred_on:%d %b %Y}"))
        if seen.reporter is not None:
            facts.append(Fact("Raised by", mention(seen.reporter.user_id)))
        elif seen.reporter_hidden:
            facts.append(Fact("Raised by", seen.reporter_hidden))
        if concern.board_member_role or concern.board_member_name:
            board = f"{concern.board_member_name or '?'}, {concern.board_member_role or '?'}"
            facts.append(Fact("Board member", board))
        if concern.outcome:
            facts.append(Fact("Outcome", concern.outcome))
        sections = [Section(concern.summary, (concern.details,), tuple(facts))]
        if concern.flagged:
            sections.append(Section(lines=(FLAG_NOTE,)))
        return Reply(
            ReplyKind.ANSWER,
            f"Concern {concern.reference}",
            f"concern {concern.reference}",
            tuple(sections),
            choices=triage_choices(concern),
            footnote="Private to you. This view is recorded in the audit trail.",
            confidential=True,
        )

    def _line(self, concern: Concern) -> str:
        flag = ", FLAGGED for segment review" if concern.flagged else ""
        return (
            f"{concern.reference}: {self._name(concern.ods_code, with_code=True)}, {concern.category.label}, "
            f"{concern.severity.value}, {concern.status.value}{flag}"
        )

    def _name(self, code: str, *, with_code: bool) -> str:
        organisation = self.segments.reader().organisation(code)
        if organisation is None:
            return code
        return f"{display_name(organisation.name)} ({code})" if with_code else display_name(organisation.name)


def refusal_text(refused: Refused) -> str:
    """Every "no" a use case can give, in words."""
    match refused:
        case NotAllowed(action="filing concerns"):
            return NOT_A_REPORTER
        case NotAllowed(action="viewing concerns"):
            return NOT_ALLOWED + " Your attempt has been recorded."
        case NotAllowed(action="changing this channel's subscriptions"):
            return "You may not change this channel's subscriptions; ask one of the bot's admins."
        case NotAllowed(action="listing every channel's subscriptions"):
            return "Only admins may list every channel's subscriptions."
        case NotAllowed(action="seeing the release checks"):
            return "Only the bot's admins may see the release checks."
        case NotAllowed():
            return NOT_ALLOWED
        case NoSuchConcern(reference=reference):
            return f"No concern has the reference {reference}."
        case CannotMove(reference=reference, current=current, to=to):
            return f"{reference} is {current.value}; it cannot become {to.value}."
        case OutcomeNeeded(reference=reference):
            return f"Closing needs its outcome: `triage {reference} close <what was found and done>`."
    return "That cannot be done."


def refusal_reply(refused: Refused) -> Reply:
    title = "Not permitted" if isinstance(refused, NotAllowed) and "subscriptions" in refused.action else "Concerns"
    return _refusal(title, refusal_text(refused))


def filed_lines(concern: Concern, new: bool, *, told: bool, platform: str) -> list[str]:
    """What the reporter is shown once the form is filed: the reference first. `told`: whether the
    reference is also sent to them in a message (only for a concern raised openly, where it can be)."""
    reference = concern.reference
    lines = [f"Your concern is filed: {reference}" if new else f"This form was already filed: {reference}"]
    if told:
        lines.append("Keep the reference. It is also sent to you in a message from this app.")
    elif concern.raised_as is RaisedAs.OPENLY:
        lines.append("Write the reference down now: it is shown only here.")
    else:
        lines.append(
            "Write the reference down now: it is shown only here. As you chose not to be named, it is not "
            f"sent to you in a message, which would tie it to your account in {platform}'s records."
        )
    if concern.flagged:
        lines.append("Its category and severity flag it for the oversight lead's attention.")
    return lines


def given_back(values: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """A form that could not be stored: every answer given, by its label, to give back whole."""
    return [(f.label, str(values[f.id])) for f in FIELDS if values.get(f.id)]


def triage_choices(concern: Concern) -> tuple[Choice, ...]:
    return tuple(
        Choice(label, f"triage {concern.reference} {word}")
        for status, (label, word) in TRIAGE_CHOICES.items()
        if may_move(concern.status, status)
    )


def _status(word: str | None) -> Status | None:
    return Status(word) if word and word != "open" else None


def _refusal(title: str, text: str) -> Reply:
    return Reply(ReplyKind.ERROR, title, text, (Section(lines=(text,)),))
