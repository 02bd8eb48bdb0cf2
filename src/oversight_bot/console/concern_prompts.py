"""The concern form as terminal prompts: the same fields, words and validation as Slack's modal
(chat/concern_form.py), asked one at a time, with a mistake asked again rather than refused whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from oversight_bot.chat.concern_form import ANONYMITY_NOTE, FIELDS, FieldKind, FormField, validate
from oversight_bot.domain.concerns import Category
from oversight_bot.domain.organisations import display_name
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.access import Actor
from oversight_bot.services.concerns import ConcernService, ConcernSubmission, NotAllowed
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.services.segments import SegmentReader

CANCEL = "cancel"
END_OF_TEXT = "."
INTRODUCTION = (
    "Raise a concern. Type `cancel` at any prompt to stop; nothing is kept until you confirm. "
    "What you write is kept in the concern store and never posted to a channel."
)
NOT_STORED = "Your concern could not be stored just now, so it has not been filed. Here is what you wrote:"


class Cancelled(Exception):
    """The reporter typed `cancel` or ended the input."""


Read = Callable[[str], str]


class ConcernPrompts:
    def __init__(self, service: ConcernService, reader: Callable[[], SegmentReader], console: Console) -> None:
        self.service = service
        self.reader = reader
        self.console = console

    def run(self, actor: Actor, query: str, read: Read) -> None:
        self.say(INTRODUCTION)
        values: dict[str, str | None] = {}
        try:
            for field in FIELDS:
                if field.kind is FieldKind.ORGANISATION:
                    values[field.id] = self._organisation(query, read)
                elif _asked(field, values):
                    values[field.id] = self._ask(field, read)
            submission = self._checked(values, read)
            if not _confirmed(read):
                raise Cancelled
            filed = self.service.file(actor, submission)
        except Cancelled:
            self.say("Cancelled. Nothing was filed.", "yellow")
        except NotAllowed:
            self.say("You may not raise concerns here.", "red")
        except StoreUnavailable:
            self._give_back(values)
        else:
            self.say(f"Your concern is filed. Its reference is {filed.concern.reference}; keep it.", "green")

    def _checked(self, values: dict[str, str | None], read: Read) -> ConcernSubmission:
        """Validate as the modal does; ask again only for the fields that are wrong."""
        while True:
            checked = validate(values, self._is_organisation, datetime.now(UTC).date())
            if not isinstance(checked, dict):
                return checked
            for field in FIELDS:
                if field.id in checked:
                    self.say(checked[field.id], "red")
                    values[field.id] = self._ask(field, read)

    def _is_organisation(self, code: str) -> bool:
        return self.reader().organisation(code) is not None

    def _give_back(self, values: dict[str, str | None]) -> None:
        """The store could not be reached (at any question, or on filing): every word, back."""
        self.say(NOT_STORED, "red")
        for field in FIELDS:
            if values.get(field.id):
                self.console.print(Text(f"{field.label}: ", style="bold") + Text(str(values[field.id])))

    def _organisation(self, query: str, read: Read) -> str:
        while True:
            text = query or _line(read, "Organisation (name, ODS code or short name): ")
            query = ""
            found = self.reader().lookup(text)
            if found.status is LookupStatus.RESOLVED and found.organisation is not None:
                organisation = found.organisation
                self.say(f"Organisation: {display_name(organisation.name)} ({organisation.ods_code})")
                return organisation.ods_code
            if not found.candidates:
                self.say(f"No organisation matches {text!r}; try its ODS code or another part of its name.", "yellow")
                continue
            labels = {c.ods_code: f"{display_name(c.name)} ({c.ods_code})" for c in found.candidates}
            chosen = self._pick(list(labels.values()), list(labels), read, "Which one? ")
            if chosen:
                self.say(f"Organisation: {labels[chosen]}")
                return chosen

    def _ask(self, field: FormField, read: Read) -> str | None:
        if field.id == "raised_as":
            self.say(ANONYMITY_NOTE, "dim")
        label = field.label + ("" if field.required and field.only_for is None else " (Enter to skip)")
        match field.kind:
            case FieldKind.ORGANISATION:
                return self._organisation("", read)
            case FieldKind.CHOICE | FieldKind.RADIO:
                labels = [f"{o.label}: {o.description}" if o.description else o.label for o in field.options]
                self.say(field.label)
                return self._pick(labels, [o.value for o in field.options], read, "Number: ")
            case FieldKind.LONG_TEXT:
                self.say(f"{label}, as many lines as you need; a line holding only {END_OF_TEXT} ends it.")
                return _paragraphs(read)
            case FieldKind.DATE:
                return _line(read, f"{label}, as YYYY-MM-DD: ") or None
        return _line(read, f"{label}: ") or None

    def _pick(self, labels: list[str], values: list[str], read: Read, prompt: str) -> str | None:
        for number, label in enumerate(labels, start=1):
            self.console.print(Text(f"  {number}) {label}"))
        answer = _line(read, prompt)
        if answer.isdigit() and 1 <= int(answer) <= len(values):
            return values[int(answer) - 1]
        return next((value for value in values if value.lower() == answer.lower()), None)

    def say(self, text: str, style: str = "") -> None:
        self.console.print(Text(text, style=style))


def _asked(field: FormField, values: dict[str, str | None]) -> bool:
    """Fields for one category (the board member's details) are asked only for that category."""
    return field.only_for is None or values.get("category") == Category(field.only_for).value


def _line(read: Read, prompt: str) -> str:
    try:
        text = read(prompt).strip()
    except (EOFError, KeyboardInterrupt):
        raise Cancelled from None
    if text.lower() == CANCEL:
        raise Cancelled
    return text


def _paragraphs(read: Read) -> str:
    lines: list[str] = []
    while (line := _line(read, "> ")) != END_OF_TEXT:
        lines.append(line)
    return "\n".join(lines).strip()


def _confirmed(read: Read) -> bool:
    return _line(read, "File this concern? [y/N] ").lower() in ("y", "yes")
