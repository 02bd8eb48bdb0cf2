"""The concern form: its fields, its words, and its validation, owned here so that Slack's modal,
Teams' card and the console's prompts are the same form and refuse the same mistakes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from oversight_bot.chat.replies import without_mention_marks
from oversight_bot.domain.concerns import Category, RaisedAs, Severity
from oversight_bot.services.concerns import ConcernSubmission

SUMMARY_MAX, DETAILS_MAX, BOARD_MAX = 150, 3000, 100  # Slack's text inputs hold at most 3,000 characters
E = TypeVar("E", bound=StrEnum)


class FieldKind(StrEnum):
    ORGANISATION = "organisation"  # a typeahead over the organisations
    CHOICE = "choice"
    RADIO = "radio"
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class FormField:
    id: str
    label: str
    kind: FieldKind
    required: bool = True
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    hint: str = ""
    # Asked only when the category is this (the board member's details for fit and proper person).
    only_for: Category | None = None


ANONYMITY_NOTE = (
    "Openly: those who look into it know it was you. Confidentially: your name is kept apart, and "
    "only the Freedom to Speak Up guardian can see it. Anonymously: this bot keeps no record of who "
    "you are. What anonymity cannot protect: Slack (or Teams) itself records who sent this form, "
    "and your own words or the details you give may show who you are."
)
RAISED_AS_OPTIONS = (
    Option(RaisedAs.OPENLY.value, "Openly", "Those who look into it will know it was you."),
    Option(RaisedAs.CONFIDENTIALLY.value, "Confidentially", "Only the Freedom to Speak Up guardian sees your name."),
    Option(RaisedAs.ANONYMOUSLY.value, "Anonymously", "No record of who you are is kept by this bot."),
)

FIELDS = (
    FormField("organisation", "Organisation", FieldKind.ORGANISATION, hint="Type a name, ODS code or short name."),
    FormField("category", "Category", FieldKind.CHOICE, options=tuple(Option(c.value, c.label) for c in Category)),
    FormField(
        "severity",
        "Severity",
        FieldKind.RADIO,
        options=tuple(Option(s.value, s.value.capitalize(), s.guidance) for s in Severity),
    ),
    FormField("summary", "Summary", FieldKind.TEXT, max_length=SUMMARY_MAX, hint="One line: what is the concern?"),
    FormField(
        "details",
        "Details",
        FieldKind.LONG_TEXT,
        max_length=DETAILS_MAX,
        hint="What happened, where, who was affected.",
    ),
    FormField("occurred_on", "When did it happen?", FieldKind.DATE, required=False),
    FormField(
        "raised_as", "How do you want to raise it?", FieldKind.RADIO, options=RAISED_AS_OPTIONS, hint=ANONYMITY_NOTE
    ),
    FormField(
        "board_member_role",
        "Board member's role",
        FieldKind.TEXT,
        max_length=BOARD_MAX,
        only_for=Category.FIT_AND_PROPER,
    ),
    FormField(
        "board_member_name",
        "Board member's name",
        FieldKind.TEXT,
        max_length=BOARD_MAX,
        only_for=Category.FIT_AND_PROPER,
    ),
)


def validate(
    values: Mapping[str, str | None], is_organisation: Callable[[str], bool], today: date
) -> ConcernSubmission | dict[str, str]:
    """The submission, or a message per field that is wrong (shown against that field)."""
    errors: dict[str, str] = {}
    text = {name: without_mention_marks(value or "").strip() for name, value in values.items()}
    category = _choice(Category, text.get("category"), "category", errors, "Choose a category.")
    severity = _choice(Severity, text.get("severity"), "severity", errors, "Choose how severe it is.")
    raised_as = _choice(RaisedAs, text.get("raised_as"), "raised_as", errors, "Choose how you want to raise it.")
    for field in FIELDS:
        if field.only_for is not None and field.only_for is not category:
            continue
        value = text.get(field.id, "")
        if field.required and not value and field.id not in errors:
            errors[field.id] = f"{field.label} is needed."
        elif field.max_length and len(value) > field.max_length:
            errors[field.id] = f"{field.label} is {len(value)} characters; at most {field.max_length}, please."
    if text.get("summary") and "\n" in text["summary"]:
        errors["summary"] = "The summary is one line; put the rest in Details."
    ods = text.get("organisation", "").upper()
    if ods and not is_organisation(ods):
        errors["organisation"] = "Choose the organisation from the list."
    occurred = _date(text.get("occurred_on"), today, errors)
    if errors or category is None or severity is None or raised_as is None:
        return errors
    fit_and_proper = category is Category.FIT_AND_PROPER
    return ConcernSubmission(
        ods_code=ods,
        category=category,
        severity=severity,
        summary=text["summary"],
        details=text["details"],
        raised_as=raised_as,
        occurred_on=occurred,
        board_member_role=text.get("board_member_role") or None if fit_and_proper else None,
        board_member_name=text.get("board_member_name") or None if fit_and_proper else None,
    )


def _choice(kind: type[E], value: str | None, name: str, errors: dict[str, str], message: str) -> E | None:
    try:
        return kind(value or "")
    except ValueError:
        errors[name] = message
        return None


def _date(value: str | None, today: date, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        when = date.fromisoformat(value)
    except ValueError:
        errors["occurred_on"] = "Give the date as a date, like 2026-11-20."
        return None
    if when > today:
        errors["occurred_on"] = "That date is in the future."
        return None
    return when


def check_answer(
    field_id: str,
    value: str | None,
    values: Mapping[str, str | None],
    is_organisation: Callable[[str], bool],
    today: date,
) -> str | None:
    """What is wrong with one answer, given the answers before it, or None: the same rules as the
    whole form's, applied as each answer is given."""
    checked = validate({**values, field_id: value}, is_organisation, today)
    return checked.get(field_id) if isinstance(checked, dict) else None
