"""The concern form and the concern dialogs for Teams, built from the chat layer's form.

Everything here is shown in a dialog (a task module), Teams' counterpart of a Slack modal: private
to the person who opened it and never posted into the conversation. A field's error is shown
under it, and the form comes back with every answer in place, whether it was refused or could not
be stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oversight_bot.chat.concern_form import ANONYMITY_NOTE, FIELDS, FieldKind, FormField
from oversight_bot.chat.concerning import filed_lines
from oversight_bot.chat.replies import Reply
from oversight_bot.domain.concerns import MOVES, Concern, Status
from oversight_bot.teams.cards import Card, Element, Names, attachment, card, reply_body, text, text_block

FILE_CONCERN = "file_concern"  # the form's submit
REVEAL = "reveal_concern"  # "show me", after being told that viewing is recorded
TRIAGE = "triage_concern"  # a state change from the concern's dialog
TRIAGE_STATE, TRIAGE_OUTCOME = "triage_state", "triage_outcome"
ORGANISATIONS = "organisations"  # the typeahead's dataset (an `application/search` invoke)
TYPEAHEAD_VERSION = "1.6"  # Teams searches through the bot (Data.Query) in cards of this version

INTRODUCTION = (
    "Raise a concern about an NHS organisation. What you write is kept in the concern store; "
    "nothing you write here is posted to a channel or chat."
)
NOT_STORED = (
    "Your concern could not be stored just now, so it has not been filed. Nothing was kept. Every "
    "answer is still in the form below: submit it again in a few minutes."
)


def dialog(title: str, content: Card) -> dict[str, Any]:
    """A task module response that shows (or replaces) a dialog."""
    value = {"title": title, "width": "medium", "height": "large", "card": attachment(content)}
    return {"task": {"type": "continue", "value": value}}


def closing(message: str) -> dict[str, Any]:
    """A task module response that closes the dialog with a short message."""
    return {"task": {"type": "message", "value": message}}


def concern_form(
    form_id: str,
    chosen: tuple[str, str] | None = None,
    values: Mapping[str, str | None] | None = None,
    errors: Mapping[str, str] | None = None,
    banner: str | None = None,
) -> Card:
    """The form; `values` and `errors` bring it back as submitted, each error under its field.
    `chosen` (ODS code, name) is the organisation already chosen, if any."""
    values, errors = values or {}, errors or {}
    body: list[Element] = []
    if banner:
        body.append(text_block(banner, color="Attention", weight="Bolder"))
    body.append(text_block(INTRODUCTION))
    for field in FIELDS:
        body.append(_input(field, values.get(field.id), chosen))
        if field.id in errors:
            body.append(text_block(errors[field.id], color="Attention", spacing="None", size="Small"))
        if field.id == "raised_as":
            body.append(text_block(ANONYMITY_NOTE, size="Small", isSubtle=True))
    submit = {"type": "Action.Submit", "title": "Submit", "data": {"verb": FILE_CONCERN, "form_id": form_id}}
    form = card(body, [submit])
    form["version"] = TYPEAHEAD_VERSION
    return form


def _input(field: FormField, value: str | None, chosen: tuple[str, str] | None) -> Element:
    label = field.label if field.only_for is None else f"{field.label} (only for {field.only_for.label.lower()})"
    element: Element = {"id": field.id, "label": label}
    match field.kind:
        case FieldKind.ORGANISATION:
            element |= _organisation_picker(chosen)
        case FieldKind.CHOICE | FieldKind.RADIO:
            expanded = field.kind is FieldKind.RADIO
            choices = [
                {"title": f"{o.label}: {o.description}" if o.description else o.label, "value": o.value}
                for o in field.options
            ]
            element |= {"type": "Input.ChoiceSet", "choices": choices, "style": "expanded" if expanded else "compact"}
        case FieldKind.DATE:
            element |= {"type": "Input.Date"}
        case _:
            multiline = field.kind is FieldKind.LONG_TEXT
            element |= {"type": "Input.Text", "isMultiline": multiline, "maxLength": field.max_length or 3000}
    if field.hint and field.kind is not FieldKind.RADIO:
        element["placeholder"] = field.hint
    if value:
        element["value"] = value
    return element


def _organisation_picker(chosen: tuple[str, str] | None) -> Element:
    """A typeahead: Teams asks the bot for matches as the user types (Data.Query). The list holds
    only what is already chosen: all 250-odd organisations would make the dialog most of Teams'
    28 KB card limit, before a word of the details."""
    picker: Element = {
        "type": "Input.ChoiceSet",
        "style": "filtered",
        "choices": [],
        "choices.data": {"type": "Data.Query", "dataset": ORGANISATIONS},
        "placeholder": "Type a name, ODS code or short name",
    }
    if chosen is not None:
        code, name = chosen
        picker |= {"choices": [{"title": f"{name} ({code})", "value": code}], "value": code}
    return picker


def filed_card(concern: Concern, new: bool, told: bool) -> Card:
    headline, *rest = filed_lines(concern, new, told=told, platform="Teams")
    return card([text_block(headline, weight="Bolder", size="Medium"), *(text_block(line) for line in rest)])


def reveal_card(reference: str) -> Card:
    words = (
        f"Show concern **{text(reference)}**? Its details are shown only if your role allows, and viewing is "
        "recorded in the audit trail."
    )
    show = {"type": "Action.Submit", "title": "Show", "data": {"verb": REVEAL, "reference": reference}}
    return card([{"type": "TextBlock", "text": words, "wrap": True}], [show])


def details_card(
    reply: Reply,
    reference: str,
    status: Status | None,
    names: Names | None = None,
    kept: tuple[str | None, str | None] = (None, None),
) -> Card:
    """A concern (or a refusal), with its triage as inputs when it can still move; `kept` fills
    them with what was just tried (a state, an outcome), so a refused save loses nothing."""
    body = reply_body(reply, names)
    if reply.footnote:
        body.append(text_block(reply.footnote, names, size="Small", isSubtle=True))
    next_states = sorted(MOVES.get(status, frozenset()), key=list(Status).index) if status else []
    if not next_states:
        return card(body)
    return card(body + _triage_inputs(next_states, *kept), [_save(reference)])


def triage_retry_card(reference: str, state: str, outcome: str | None) -> Card:
    """The store could not be reached while saving: nothing changed, and the choice is kept to save again."""
    message = (
        f"The concern store cannot be reached just now, so {reference} was not changed. "
        "Your choice is kept below: save it again in a few minutes."
    )
    states = [s for s in Status if s is not Status.NEW]
    body = [text_block(message, color="Attention"), *_triage_inputs(states, state, outcome)]
    return card(body, [_save(reference)])


def _triage_inputs(states: Sequence[Status], state: str | None, outcome: str | None) -> list[Element]:
    choices = [{"title": s.value.capitalize(), "value": s.value} for s in states]
    chooser: Element = {"type": "Input.ChoiceSet", "id": TRIAGE_STATE, "label": "Move to", "choices": choices,
                        "style": "compact"}  # fmt: skip
    written: Element = {"type": "Input.Text", "id": TRIAGE_OUTCOME, "label": "Outcome (needed to close)",
                        "isMultiline": True, "maxLength": 2000}  # fmt: skip
    if state:
        chooser["value"] = state
    if outcome:
        written["value"] = outcome
    return [chooser, written]


def _save(reference: str) -> Element:
    return {"type": "Action.Submit", "title": "Save", "data": {"verb": TRIAGE, "reference": reference}}


def refusal_card(message: str) -> Card:
    return card([text_block(message, color="Attention")])


def form_values(data: Mapping[str, Any]) -> dict[str, str | None]:
    """The submitted answers by field id (Teams sends every input's value as a string)."""
    values: dict[str, str | None] = {}
    for field in FIELDS:
        value = data.get(field.id)
        values[field.id] = str(value) if value not in (None, "") else None
    return values
