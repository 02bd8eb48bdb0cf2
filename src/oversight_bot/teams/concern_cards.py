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
from oversight_bot.chat.concerning import (
    INTRODUCTION,
    NOT_STORED,
    TRIAGE_OUTCOME,
    TRIAGE_STATE,
    ConcernDetails,
    FiledView,
    FormView,
)
from oversight_bot.domain.concerns import Status
from oversight_bot.teams.cards import Card, Element, Names, attachment, card, reply_body, text_block

FILE_CONCERN = "file_concern"  # the form's submit
REVEAL = "reveal_concern"  # "show me", after being told that viewing is recorded
TRIAGE = "triage_concern"  # a state change from the concern's dialog


def dialog(title: str, content: Card) -> dict[str, Any]:
    """A task module response that shows (or replaces) a dialog."""
    value = {"title": title, "width": "medium", "height": "large", "card": attachment(content)}
    return {"task": {"type": "continue", "value": value}}


def closing(message: str) -> dict[str, Any]:
    """A task module response that closes the dialog with a short message."""
    return {"task": {"type": "message", "value": message}}


def concern_form(form: FormView) -> Card:
    """The form: fresh, or back as submitted with each error under its field, or back whole
    because it could not be stored."""
    values, errors, chosen, form_id = form.values, form.errors, form.chosen, form.form_id
    body: list[Element] = []
    if form.not_stored:
        body.append(text_block(NOT_STORED, weight="Bolder"))
    body.append(text_block(INTRODUCTION))
    for field in FIELDS:
        body.append(_input(field, values.get(field.id), chosen))
        if field.id in errors:
            body.append(text_block(errors[field.id], weight="Bolder", spacing="None", size="Small"))
        if field.id == "raised_as":
            body.append(text_block(ANONYMITY_NOTE, size="Small", isSubtle=True))
    submit = {"type": "Action.Submit", "title": "Submit", "data": {"verb": FILE_CONCERN, "form_id": form_id}}
    return card(body, [submit])  # Adaptive Cards 1.5: what Teams renders in a dialog


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
            style = "expanded" if expanded else "compact"
            element |= {"type": "Input.ChoiceSet", "choices": choices, "style": style, "wrap": True}  # wrap: phones
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
    """No typeahead: Teams documents dialogs as Adaptive Cards 1.5, and a bot-fed typeahead
    (Data.Query, 1.6) is reported not to fire in them. The organisation is typed (a name, an ODS
    code or a short name) and resolved when the form is submitted, as `concern <organisation>`
    does; once resolved, it is shown as the one choice."""
    if chosen is None:
        return {"type": "Input.Text", "placeholder": "A name, ODS code or short name", "maxLength": 200}
    code, name = chosen
    return {"type": "Input.ChoiceSet", "choices": [{"title": f"{name} ({code})", "value": code}], "value": code,
            "style": "compact", "wrap": True}  # fmt: skip


def filed_card(filed: FiledView) -> Card:
    headline, *rest = filed.lines
    return card([text_block(headline, weight="Bolder", size="Medium"), *(text_block(line) for line in rest)])


def reveal_card(reference: str, prompt: str) -> Card:
    show = {"type": "Action.Submit", "title": "Show", "data": {"verb": REVEAL, "reference": reference}}
    return card([text_block(prompt)], [show])


def details_card(details: ConcernDetails, names: Names | None = None) -> Card:
    """A concern (or a refusal), with its triage as inputs when it can still move: an error for
    an input is said above it, and what was just tried (a state, an outcome) is kept in them, so
    a refused save loses nothing."""
    reply = details.reply
    body = [text_block(problem, weight="Bolder") for problem in details.errors.values()]
    body += reply_body(reply, names)
    if reply.footnote:
        body.append(text_block(reply.footnote, names, size="Small", isSubtle=True))
    if not details.next_states:
        return card(body)
    return card(body + _triage_inputs(details.next_states, *details.kept), [_save(details.reference)])


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


def form_values(data: Mapping[str, Any]) -> dict[str, str | None]:
    """The submitted answers by field id (Teams sends every input's value as a string)."""
    values: dict[str, str | None] = {}
    for field in FIELDS:
        value = data.get(field.id)
        values[field.id] = str(value) if value not in (None, "") else None
    return values
