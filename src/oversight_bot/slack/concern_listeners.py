"""Concerns in Slack: the form (from /concern, the global shortcut or the Home tab), filing, and
reading and triaging a concern in modals. The conversation itself is the chat layer's
(`chat/concerning.py`); this module only translates Slack's requests to it and renders its answers.

The form's answer and a concern's details travel only in our HTTP answers to Slack's requests
(`response_action: update`), never in a Web API call; what the app posts (the reference by direct
message) names no more than the reference.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from oversight_bot.chat.commands import ConcernHelp, parse_text
from oversight_bot.chat.concerning import Concerning, FiledView, FormView
from oversight_bot.chat.handle import Conversation
from oversight_bot.slack import blocks, concern_views, ids
from oversight_bot.slack.actors import actor_of


def register(app: App, conversation: Conversation, concerning: Concerning) -> None:
    """The concern form's openers, its submission, and a concern's reveal and triage modals."""
    listeners = ConcernListeners(conversation, concerning)
    app.command(ids.SLASH_CONCERN)(ack=listeners.acknowledge_command, lazy=[listeners.open_form])
    app.shortcut(ids.CONCERN_SHORTCUT)(ack=_acknowledge, lazy=[listeners.open_form])
    app.action(ids.HOME_CONCERN)(ack=_acknowledge, lazy=[listeners.open_form])
    app.view(ids.CONCERN_FORM)(ack=listeners.submit, lazy=[listeners.tell_reporter])
    app.action(ids.VIEW_CONCERN_PATTERN)(ack=_acknowledge, lazy=[listeners.open_reveal])
    app.view(ids.REVEAL_CONCERN)(listeners.reveal)
    app.view(ids.TRIAGE_CONCERN)(listeners.triage)


class ConcernListeners:
    def __init__(self, conversation: Conversation, concerning: Concerning) -> None:
        self.conversation = conversation
        self.concerning = concerning
        self.to_tell = Handoff()

    def acknowledge_command(self, ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        parsed = parse_text(f"concern {command.get('text', '')}")
        if isinstance(parsed, ConcernHelp):
            reply = self.conversation.handle(parsed, actor_of(context, command))
            ack(response_type="ephemeral", **blocks.message(reply))
        else:
            ack()  # the form opens from the lazy listener: views.open must not hold up the answer

    def open_form(self, body: dict[str, Any], client: WebClient) -> None:
        if isinstance(parse_text(f"concern {body.get('text', '')}"), ConcernHelp):
            return
        form = self.concerning.open_form(str(body.get("text") or ""))
        client.views_open(trigger_id=body["trigger_id"], view=concern_views.concern_form(form))

    def submit(self, ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        form_id = str(view.get("id") or "")
        values = concern_views.form_values(view)
        today = datetime.now(UTC).date()
        outcome = self.concerning.submit(actor_of(context, body), values, form_id, today, may_message=True)
        match outcome:
            case FormView(not_stored=True):
                ack(response_action="push", view=concern_views.not_stored_view(outcome))
            case FormView(errors=errors):
                ack(response_action="errors", errors=dict(errors))
            case FiledView(message=message):
                if message is not None:
                    self.to_tell.put(form_id, message)
                ack(response_action="update", view=concern_views.filed_view(outcome))
            case _:
                ack(response_action="update", view=concern_views.refusal_view(outcome))

    def tell_reporter(self, view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """The reference by direct message, once, for a concern raised openly. Not for one raised
        confidentially or anonymously: a message in Slack ties the reference to the reporter's
        account in the workspace's exportable history (the form showed them the reference)."""
        message = self.to_tell.take(str(view.get("id") or ""))
        user = (body.get("user") or {}).get("id")
        if message and user:
            client.chat_postMessage(channel=user, text=blocks.escape(message))

    def open_reveal(self, body: dict[str, Any], client: WebClient) -> None:
        reference = body["actions"][0].get("value", "")
        view = concern_views.reveal_view(reference, self.concerning.reveal_prompt(reference))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def reveal(self, ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        details = self.concerning.details(actor_of(context, body), _reference(view))
        ack(response_action="update", view=concern_views.details_view(details))

    def triage(self, ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        values = concern_views.form_values(view)
        state, outcome = values.get(ids.TRIAGE_STATE), values.get(ids.TRIAGE_OUTCOME)
        if not state:
            ack()
            return
        details = self.concerning.move(actor_of(context, body), _reference(view), state, outcome)
        if details.errors:
            # Shown against the input, so the modal keeps the state and the outcome as typed.
            ack(response_action="errors", errors=dict(details.errors))
        else:
            ack(response_action="update", view=concern_views.details_view(details))


class Handoff:
    """Messages for reporters, left by a form's acknowledgement for its lazy listener to send.
    With `process_before_response` the acknowledgement always finishes first; a form submitted
    twice is filed, and told, once."""

    LIMIT = 1000

    def __init__(self) -> None:
        self._waiting: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, message: str) -> None:
        with self._lock:
            self._waiting[key] = message
            while len(self._waiting) > self.LIMIT:
                self._waiting.popitem(last=False)

    def take(self, key: str) -> str | None:
        with self._lock:
            return self._waiting.pop(key, None)


def _acknowledge(ack: Ack) -> None:
    ack()


def _reference(view: dict[str, Any]) -> str:
    return str(json.loads(view.get("private_metadata") or "{}").get("reference", ""))
