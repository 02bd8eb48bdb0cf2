"""Concerns in the conversation: list, view (role-checked and recorded), triage. Every answer here
is private and never offered for sharing: a concern's words go only to the person allowed to see them."""

from __future__ import annotations

from oversight_bot.chat.commands import ListConcerns, TriageConcern, ViewConcern
from oversight_bot.chat.replies import Choice, Fact, Reply, ReplyKind, Section, mention
from oversight_bot.domain.concerns import Concern, RaisedAs, Status, may_move
from oversight_bot.domain.organisations import display_name
from oversight_bot.services.access import Actor
from oversight_bot.services.concerns import CannotMove, ConcernService, ConcernView, NoSuchConcern, NotAllowed
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.services.segments import SegmentReader

NOT_ALLOWED = "Only the oversight team, the Freedom to Speak Up guardian and admins may do that."
FORM_ELSEWHERE = (
    "The concern form opens with /concern in Slack, `concern` in Teams, and `concern` in the terminal "
    "console (`oversight console`)."
)
TRIAGE_CHOICES = {
    Status.ACKNOWLEDGED: ("Acknowledge", "acknowledge"),
    Status.INVESTIGATING: ("Investigating", "investigate"),
    Status.ESCALATED: ("Escalate to the region", "escalate"),
}
# How to raise a concern, per platform: (how the form opens, how triagers ask).
CONCERN_COMMANDS = {
    "slack": ("`/concern` opens the concern form; `/concern Leeds Teaching` opens it with the organisation filled in.",
              "Triagers: `/oversight concerns [organisation] [open|new|acknowledged|investigating|escalated|closed]`, "
              "`/oversight view <reference>`, `/oversight triage <reference> <state> [outcome]`."),
    "teams": ("`@Oversight concern` (just `concern` in a personal chat) offers the form; "
              "`concern Leeds Teaching` fills in the organisation.",
              "Triagers, in a personal chat with the bot: `concerns [organisation] [state]`, `view <reference>`, "
              "`triage <reference> <state> [outcome]`."),
}  # fmt: skip
CONCERN_HELP = (
    "You choose to raise it openly, confidentially (only the Freedom to Speak Up guardian sees your name) "
    "or anonymously (the bot keeps no record of who you are).",
    "What you write is never posted to a channel. You get a reference when it is filed: write it down. "
    "If you raise it openly, the reference is also sent to you in a message from this app.",
)
FLAG_NOTE = "Flagged for the oversight lead to consider segment action (the bot never changes a segment itself)."


class Concerning:
    def __init__(self, service: ConcernService) -> None:
        self.service = service

    def listing(self, command: ListConcerns, actor: Actor, reader: SegmentReader) -> Reply:
        code = None
        if command.query:
            found = reader.lookup(command.query)
            if found.status is not LookupStatus.RESOLVED or found.organisation is None:
                return _private_error(f"{command.query} does not name one organisation; use its ODS code.")
            code = found.organisation.ods_code
        try:
            concerns = self.service.listing(actor, code, _status(command.status))
        except NotAllowed:
            return _private_error(NOT_ALLOWED)
        if command.status == "open":
            concerns = [c for c in concerns if c.status is not Status.CLOSED]
        lines = tuple(_line(c, reader) for c in concerns) or ("None.",)
        about = f" about {code}" if code else ""
        which = f" ({command.status})" if command.status else ""
        title = f"Concerns{about}{which}: {len(concerns)}"
        choices = tuple(Choice(f"View {c.reference}", f"view {c.reference}") for c in concerns[:10])
        footnote = "Headlines only; `view <reference>` shows a concern, and each view is recorded."
        sections = (Section(lines=lines),)
        return Reply(ReplyKind.ANSWER, title, title, sections, choices=choices, footnote=footnote, confidential=True)

    def view(self, command: ViewConcern, actor: Actor, reader: SegmentReader) -> Reply:
        try:
            seen = self.service.view(actor, command.reference)
        except NoSuchConcern:
            return _private_error(f"No concern has the reference {command.reference}.")
        except NotAllowed:
            return _private_error(NOT_ALLOWED + " Your attempt has been recorded.")
        return view_reply(seen, reader)

    def triage(self, command: TriageConcern, actor: Actor, reader: SegmentReader) -> Reply:
        try:
            concern = self.service.move(actor, command.reference, Status(command.to), command.outcome)
        except NoSuchConcern:
            return _private_error(f"No concern has the reference {command.reference}.")
        except NotAllowed:
            return _private_error(NOT_ALLOWED)
        except CannotMove as refused:
            return _private_error(
                f"{command.reference} is {refused.current.value}; it cannot become {refused.to.value}."
            )
        text = f"{concern.reference} is now {concern.status.value}, changed by {mention(actor.user_id)}."
        title = f"Concern {concern.reference}: {concern.status.value}"
        return Reply(ReplyKind.ANSWER, title, text, (Section(lines=(text,)),), confidential=True)


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


def concern_help(platform: str = "slack") -> Reply:
    opens, triagers = CONCERN_COMMANDS[platform]
    lines = (opens, *CONCERN_HELP, triagers)
    return Reply(ReplyKind.HELP, "Raising a concern", "Raising a concern", (Section(lines=lines),))


def view_reply(seen: ConcernView, reader: SegmentReader) -> Reply:
    concern = seen.concern
    organisation = reader.organisation(concern.ods_code)
    name = f"{display_name(organisation.name)} ({concern.ods_code})" if organisation else concern.ods_code
    facts = [
        Fact("Organisation", name),
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
        facts.append(Fact("Board member", f"{concern.board_member_name or '?'}, {concern.board_member_role or '?'}"))
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


def triage_choices(concern: Concern) -> tuple[Choice, ...]:
    return tuple(
        Choice(label, f"triage {concern.reference} {word}")
        for status, (label, word) in TRIAGE_CHOICES.items()
        if may_move(concern.status, status)
    )


def _line(concern: Concern, reader: SegmentReader) -> str:
    organisation = reader.organisation(concern.ods_code)
    name = display_name(organisation.name) if organisation else concern.ods_code
    flag = ", FLAGGED for segment review" if concern.flagged else ""
    return (
        f"{concern.reference}: {name} ({concern.ods_code}), {concern.category.label}, {concern.severity.value}, "
        f"{concern.status.value}{flag}"
    )


def _status(word: str | None) -> Status | None:
    return Status(word) if word and word != "open" else None


def _private_error(text: str) -> Reply:
    return Reply(ReplyKind.ERROR, "Concerns", text, (Section(lines=(text,)),))
