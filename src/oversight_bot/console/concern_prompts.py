"""The concern form as terminal prompts: the chat layer's form (`chat/concerning.py`), asked one
question at a time. Each answer is checked as it is given and asked again at once if wrong; every
answer is shown for review, and any can be changed, before filing; nothing typed is ever thrown
away (Ctrl-D ends the details and keeps them; a cancelled form prints back what was written)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from rich.console import Console
from rich.text import Text

from oversight_bot.chat.concern_form import ANONYMITY_NOTE, FIELDS, FieldKind, FormField
from oversight_bot.chat.concerning import INTRODUCTION, NOT_STORED, Concerning, FiledView, FormView, given_back
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import Category
from oversight_bot.errors import StoreUnavailable

CANCEL = "cancel"
END_OF_TEXT = "."
HOW = "Type `cancel` at any prompt to stop; nothing is kept until you file it, and you see every answer before you do."

Read = Callable[[str], str]
Values = dict[str, str | None]


class Cancelled(Exception):
    """The reporter typed `cancel` or ended the input."""


class ConcernPrompts:
    def __init__(self, concerning: Concerning, console: Console, today: Callable[[], date] | None = None) -> None:
        self.concerning = concerning
        self.console = console
        self.today = today or (lambda: datetime.now(UTC).date())

    def run(self, actor: Actor, query: str, read: Read) -> None:
        self.say(f"{INTRODUCTION} {HOW}")
        values: Values = {}
        try:
            for field in FIELDS:
                if _asked(field, values):
                    self._answer(field, values, read, query)
            if not self._reviewed(values, read):
                raise Cancelled
            outcome = self.concerning.submit(actor, values, "", self.today(), may_message=False)
        except Cancelled:
            self.say("Cancelled. Nothing was filed.", "yellow")
            self._give_back(values, "What you wrote, should you want it:")
            return
        except StoreUnavailable:  # a question that looked the organisation up, while the store was down
            self._give_back(values, NOT_STORED)
            return
        match outcome:
            case FiledView(lines=lines):
                self.say(lines[0], "green")
                for line in lines[1:]:
                    self.say(line)
            case FormView(not_stored=True):
                self._give_back(values, NOT_STORED)
            case FormView(errors=errors):  # the store changed under us (an organisation gone): say what
                for problem in errors.values():
                    self.say(problem, "red")
                self._give_back(values, "Nothing was filed. What you wrote:")
            case _:
                self.say(outcome.summary, "red")

    def _answer(self, field: FormField, values: Values, read: Read, query: str = "") -> None:
        """Ask until the answer is right, checked against the answers before it."""
        while True:
            if field.kind is FieldKind.ORGANISATION:
                value = self._organisation(query, read)
                query = ""
            else:
                value = self._ask(field, read, values.get(field.id))
            problem = self.concerning.check(field.id, value, values, self.today())
            if problem is None:
                values[field.id] = value
                return
            self.say(problem, "red")

    def _reviewed(self, values: Values, read: Read) -> bool:
        """Every answer, numbered; a number changes that answer, `y` files, `cancel` stops."""
        while True:
            asked = [f for f in FIELDS if _asked(f, values)]
            self.say("Your concern, as it will be filed:", "bold")
            for number, field in enumerate(asked, start=1):
                shown = self._shown(field, values.get(field.id))
                self.console.print(Text(f"  {number}) {field.label}: ", style="bold") + Text(shown))
            answer = _line(read, "File it? y to file, a number to change that answer, cancel to stop: ").lower()
            if answer in ("y", "yes"):
                return True
            if answer.isdigit() and 1 <= int(answer) <= len(asked):
                self._answer(asked[int(answer) - 1], values, read)
                _forget_unasked(values)
                for field in FIELDS:  # a new category may have questions of its own
                    if _asked(field, values) and field.id not in values:
                        self._answer(field, values, read)
            elif answer in ("n", "no"):
                return False
            else:
                self.say("Type y, a number from the list, or cancel.", "yellow")

    def _shown(self, field: FormField, value: str | None) -> str:
        if not value:
            return "(none)"
        if field.kind is FieldKind.ORGANISATION:
            chosen = self.concerning.chosen(value)
            return f"{chosen[1]} ({value})" if chosen else value
        labels = {o.value: o.label for o in field.options}
        return labels.get(value, value)

    def _give_back(self, values: Values, heading: str) -> None:
        """Every word given, back to the reporter (the store could not take it, or they stopped)."""
        words = given_back(values)
        if not words:
            return
        self.say(heading, "red" if heading == NOT_STORED else "")
        for label, value in words:
            self.console.print(Text(f"{label}: ", style="bold") + Text(value))

    def _organisation(self, query: str, read: Read) -> str | None:
        while True:
            text = query or _line(read, "Organisation (name, ODS code or short name): ")
            query = ""
            if not text:
                return None  # checked, and asked again: the organisation is needed
            chosen, candidates = self.concerning.organisations_named(text)
            if chosen is not None:
                self.say(f"Organisation: {chosen[1]} ({chosen[0]})")
                return chosen[0]
            if not candidates:
                self.say(f"No organisation matches {text!r}; try its ODS code or another part of its name.", "yellow")
                continue
            labels = [f"{name} ({code})" for code, name in candidates]
            picked = self._pick(labels, [code for code, _ in candidates], read, "Which one? ")
            if picked:
                self.say(f"Organisation: {labels[[c for c, _ in candidates].index(picked)]}")
                return picked

    def _ask(self, field: FormField, read: Read, before: str | None) -> str | None:
        if field.id == "raised_as":
            self.say(ANONYMITY_NOTE, "dim")
        label = field.label if field.required else f"{field.label} (Enter to skip)"
        match field.kind:
            case FieldKind.CHOICE | FieldKind.RADIO:
                labels = [f"{o.label}: {o.description}" if o.description else o.label for o in field.options]
                self.say(field.label)
                return self._pick(labels, [o.value for o in field.options], read, "Number: ")
            case FieldKind.LONG_TEXT:
                self.say(f"{label}, as many lines as you need; a line holding only {END_OF_TEXT} (or Ctrl-D) ends it.")
                if before:
                    self.say("(What you gave before is replaced by what you type now.)", "dim")
                return _paragraphs(read) or None
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


def _asked(field: FormField, values: Values) -> bool:
    """Fields for one category (the board member's details) are asked only for that category."""
    return field.only_for is None or values.get("category") == Category(field.only_for).value


def _forget_unasked(values: Values) -> None:
    """A changed category drops the answers that belonged only to the old one."""
    for field in FIELDS:
        if not _asked(field, values):
            values.pop(field.id, None)


def _line(read: Read, prompt: str) -> str:
    try:
        text = read(prompt).strip()
    except (EOFError, KeyboardInterrupt):
        raise Cancelled from None
    if text.lower() == CANCEL:
        raise Cancelled
    return text


def _paragraphs(read: Read) -> str:
    """Lines up to a lone `.`; Ctrl-D ends them too, keeping every line typed."""
    lines: list[str] = []
    while True:
        try:
            line = read("> ")
        except EOFError:
            if not lines:
                raise Cancelled from None
            break
        if line.strip() == END_OF_TEXT:
            break
        if line.strip().lower() == CANCEL and not lines:
            raise Cancelled
        lines.append(line.rstrip())
    return "\n".join(lines).strip()
