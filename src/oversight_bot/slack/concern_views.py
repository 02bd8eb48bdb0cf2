"""The concern form and the concern modals in Block Kit, built from the chat layer's form.

Block and action ids are the form's field ids, so that an error for a field is shown against it
(`response_action: errors`). Text a reporter wrote is only ever put back into a modal for the
person who wrote it or for someone allowed to read it, and always escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from oversight_bot.chat.concern_form import ANONYMITY_NOTE, FIELDS, FieldKind, FormField
from oversight_bot.chat.concerning import INTRODUCTION, NOT_STORED, ConcernDetails, FiledView, FormView, given_back
from oversight_bot.chat.replies import Reply
from oversight_bot.slack import ids
from oversight_bot.slack.blocks import (
    MAX_OPTION_TEXT,
    MAX_TEXT,
    Block,
    escaped_pieces,
    escaped_within,
    labelled,
    mrkdwn,
    plain,
    reply_blocks,
    shortened,
)

MODAL_BLOCKS = 100


def concern_form(form: FormView) -> dict[str, Any]:
    """The form; the organisation is filled in when it was named."""
    organisation = form.chosen
    blocks: list[Block] = [{"type": "section", "text": mrkdwn(escaped_within(INTRODUCTION, MAX_TEXT))}]
    for field in FIELDS:
        blocks.append(_input(field, organisation))
        if field.id == "raised_as":
            blocks.append({"type": "context", "elements": [mrkdwn(escaped_within(ANONYMITY_NOTE, 2900))]})
    return {
        "type": "modal",
        "callback_id": ids.CONCERN_FORM,
        "title": plain("Raise a concern", 24),
        "submit": plain("Submit", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def _input(field: FormField, organisation: tuple[str, str] | None) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.id,
        "label": plain(field.label, 2000),
        "optional": not field.required or field.only_for is not None,
        "element": _element(field, organisation),
    }
    hint = field.hint if field.kind is not FieldKind.RADIO or field.id != "raised_as" else ""
    if field.only_for is not None:
        hint = f"Only for {field.only_for.label.lower()} concerns."
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _element(field: FormField, organisation: tuple[str, str] | None) -> dict[str, Any]:
    match field.kind:
        case FieldKind.ORGANISATION:
            element: dict[str, Any] = {
                "type": "external_select",
                "action_id": ids.ORGANISATION_SELECT,
                "min_query_length": 2,
            }
            element["placeholder"] = plain("Name, ODS code or short name", 150)
            if organisation is not None:
                code, name = organisation
                element["initial_option"] = {"text": plain(labelled(name, code), MAX_OPTION_TEXT), "value": code}
            return element
        case FieldKind.CHOICE:
            options = [{"text": plain(o.label, 75), "value": o.value} for o in field.options]
            return {"type": "static_select", "action_id": field.id, "options": options}
        case FieldKind.RADIO:
            options = [
                {
                    "text": plain(o.label, MAX_OPTION_TEXT),
                    "value": o.value,
                    "description": plain(shortened(o.description, MAX_OPTION_TEXT), MAX_OPTION_TEXT),
                }
                for o in field.options
            ]
            return {"type": "radio_buttons", "action_id": field.id, "options": options}
        case FieldKind.DATE:
            return {"type": "datepicker", "action_id": field.id}
    multiline = field.kind is FieldKind.LONG_TEXT
    return {
        "type": "plain_text_input",
        "action_id": field.id,
        "multiline": multiline,
        "max_length": field.max_length or 3000,
    }


def form_values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """The submitted values by field id, whatever kind of element carried each."""
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            values[block_id] = _value_of(element)
    return values


def _value_of(element: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    if kind in ("external_select", "static_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return str(option["value"]) if option.get("value") is not None else None
    if kind == "datepicker":
        return element.get("selected_date")
    value = element.get("value")
    return str(value) if value is not None else None


def filed_view(filed: FiledView) -> dict[str, Any]:
    headline, *rest = (escaped_within(line, MAX_TEXT) for line in filed.lines)
    text = "\n".join([f"*{headline}*", *rest])
    return _modal("Concern filed", [{"type": "section", "text": mrkdwn(text)}])


def not_stored_view(form: FormView) -> dict[str, Any]:
    """The store could not be reached: say so, and give the reporter back every word they wrote.
    Pushed over the form, so that closing it goes back to the form with every answer in place."""
    blocks: list[Block] = [{"type": "section", "text": mrkdwn(f"*{escaped_within(NOT_STORED, MAX_TEXT - 2)}*")}]
    for label, value in given_back(form.values):
        # Every word back, over as many blocks as it takes: a 3,000-character answer can
        # grow past one block's 3,000 once escaped.
        first, *more = escaped_pieces(value, MAX_TEXT - len(label) - 3)
        blocks.append({"type": "section", "text": mrkdwn(f"*{label}*\n{first}")})
        blocks.extend({"type": "section", "text": mrkdwn(piece)} for piece in more)
    return _modal("Not filed", blocks, close="Back to the form")


def reveal_view(reference: str, prompt: str) -> dict[str, Any]:
    """A step before a concern's words are shown: the viewer chooses to see them, knowing it is recorded."""
    text = escaped_within(prompt, MAX_TEXT)
    return {
        "type": "modal",
        "callback_id": ids.REVEAL_CONCERN,
        "title": plain("Concern", 24),
        "submit": plain("Show", 24),
        "close": plain("Close", 24),
        "private_metadata": json.dumps({"reference": reference}),
        "blocks": [{"type": "section", "text": mrkdwn(text)}],
    }


def details_view(details: ConcernDetails) -> dict[str, Any]:
    """A concern's details (or a refusal), with its triage as inputs: saving it comes back as a
    form submission, so the details travel only in our answer to Slack, never in a Web API call."""
    reply, reference, next_states = details.reply, details.reference, details.next_states
    blocks: list[Block] = [*reply_blocks(reply)]
    if reply.footnote:
        blocks.append({"type": "context", "elements": [mrkdwn(escaped_within(reply.footnote, 2900))]})
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": ids.TRIAGE_CONCERN,
        "title": plain("Concern", 24),
        "close": plain("Close", 24),
        "private_metadata": json.dumps({"reference": reference}),
        "blocks": blocks[: MODAL_BLOCKS - 2],
    }
    if next_states:
        options = [{"text": plain(s.value.capitalize(), 75), "value": s.value} for s in next_states]
        state = {"type": "static_select", "action_id": ids.TRIAGE_STATE, "options": options}
        outcome = {"type": "plain_text_input", "action_id": ids.TRIAGE_OUTCOME, "multiline": True, "max_length": 2000}
        view["blocks"] += [
            _optional_input(ids.TRIAGE_STATE, "Move to", state),
            _optional_input(ids.TRIAGE_OUTCOME, "Outcome (needed to close)", outcome),
        ]
        view["submit"] = plain("Save", 24)
    return view


def _optional_input(block_id: str, label: str, element: dict[str, Any]) -> Block:
    return {"type": "input", "block_id": block_id, "optional": True, "label": plain(label, 200), "element": element}


def refusal_view(reply: Reply) -> dict[str, Any]:
    return _modal(reply.title, reply_blocks(reply))


def _modal(title: str, blocks: list[Block], close: str = "Close") -> dict[str, Any]:
    return {"type": "modal", "title": plain(title, 24), "close": plain(close, 24), "blocks": blocks}
