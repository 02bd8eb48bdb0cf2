"""Concerns in Slack: the form (from /concern or the global shortcut), filing, and reading and
triaging a concern in modals.

The form's answer and a concern's details travel only in our HTTP answers to Slack's requests
(`response_action: update`), never in a Web API call; what the app posts (the reference by direct
message) names no more than the reference.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from oversight_bot.chat.concern_form import validate
from oversight_bot.chat.concerning import NOT_ALLOWED, concern_help, view_reply
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply, ReplyKind, Section
from oversight_bot.domain.concerns import RaisedAs, Status
from oversight_bot.domain.organisations import display_name
from oversight_bot.errors import StoreUnavailable
from oversight_bot.logs import error_frames
from oversight_bot.services.access import Actor
from oversight_bot.services.concerns import (
    CannotMove,
    ConcernService,
    NoSuchConcern,
    NotAllowed,
)
from oversight_bot.services.lookup import LookupStatus
from oversight_bot.slack import blocks, concern_views, ids

logger = logging.getLogger(__name__)


def register(app: App, conversation: Conversation, concerns: ConcernService) -> None:
    def actor(context: BoltContext, body: dict[str, Any]) -> Actor:
        user = context.user_id or body.get("user_id") or (body.get("user") or {}).get("id") or "unknown"
        return Actor("slack", str(user), context.channel_id, str(context.team_id or ""))

    def acknowledge(ack: Ack) -> None:
        ack()

    def acknowledge_concern(ack: Ack, command: dict[str, Any]) -> None:
        if _asks_for_help(command):
            ack(response_type="ephemeral", **blocks.message(concern_help()))
        else:
            ack()  # the form opens from the lazy listener: views.open must not hold up the answer

    def open_form(body: dict[str, Any], client: WebClient) -> None:
        if _asks_for_help(body):
            return
        client.views_open(trigger_id=body["trigger_id"], view=concern_views.concern_form(_named(body.get("text", ""))))

    def _named(text: str) -> tuple[str, str] | None:
        if not text.strip():
            return None
        found = conversation.segments.reader().lookup(text)
        organisation = found.organisation if found.status is LookupStatus.RESOLVED else None
        return (organisation.ods_code, display_name(organisation.name)) if organisation else None

    app.command(ids.SLASH_CONCERN)(ack=acknowledge_concern, lazy=[open_form])
    app.shortcut(ids.CONCERN_SHORTCUT)(ack=acknowledge, lazy=[open_form])
    app.action(ids.HOME_CONCERN)(ack=acknowledge, lazy=[open_form])

    def submit(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        values = concern_views.form_values(view)
        try:
            reader = conversation.segments.reader()
            checked = validate(values, lambda code: reader.organisation(code) is not None, datetime.now(UTC).date())
            if isinstance(checked, dict):
                ack(response_action="errors", errors=checked)
                return
            filed = concerns.file(actor(context, body), checked, form_id=str(view.get("id") or ""))
        except NotAllowed:
            ack(
                response_action="update",
                view=concern_views.details_view(_refusal("You may not raise concerns here."), "", None),
            )
            return
        except Exception as error:  # whatever went wrong, the reporter's words go back to them
            if not isinstance(error, StoreUnavailable):
                logger.error("filing a concern failed: %s\n%s", type(error).__name__, error_frames(error))
            # Pushed over the form, so that closing it goes back to the form with every answer in place.
            ack(response_action="push", view=concern_views.not_stored_view(values))
            return
        if filed.new and filed.concern.raised_as is RaisedAs.OPENLY:
            to_tell.put(str(view.get("id") or ""), filed.concern.reference)
        ack(response_action="update", view=concern_views.filed_view(filed.concern, filed.new))

    def tell_reporter(view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """The reference by direct message, once, for a concern raised openly. Not for one raised
        confidentially or anonymously: a message in Slack ties the reference to the reporter's
        account in the workspace's exportable history (the form showed them the reference)."""
        reference = to_tell.take(str(view.get("id") or ""))
        user = (body.get("user") or {}).get("id")
        if reference and user:
            text = f"Your concern is filed. Its reference is {reference}; keep it to follow it up."
            client.chat_postMessage(channel=user, text=text)

    to_tell = Handoff()
    app.view(ids.CONCERN_FORM)(ack=submit, lazy=[tell_reporter])

    def open_reveal(body: dict[str, Any], client: WebClient) -> None:
        reference = body["actions"][0].get("value", "")
        client.views_open(trigger_id=body["trigger_id"], view=concern_views.reveal_view(reference))

    app.action(ids.VIEW_CONCERN_PATTERN)(ack=acknowledge, lazy=[open_reveal])

    @app.view(ids.REVEAL_CONCERN)
    def reveal(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        reference = str(json.loads(view.get("private_metadata") or "{}").get("reference", ""))
        ack(response_action="update", view=_details(actor(context, body), reference))

    @app.view(ids.TRIAGE_CONCERN)
    def triage(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        reference = str(json.loads(view.get("private_metadata") or "{}").get("reference", ""))
        values = concern_views.form_values(view)
        state, outcome = values.get(ids.TRIAGE_STATE), (values.get(ids.TRIAGE_OUTCOME) or "").strip() or None
        if not state:
            ack()
            return
        if state == Status.CLOSED.value and not outcome:
            ack(response_action="errors", errors={ids.TRIAGE_OUTCOME: "Say what was found and done, to close it."})
            return
        who = actor(context, body)
        try:
            concerns.move(who, reference, Status(state), outcome)
        except CannotMove as refused:
            ack(
                response_action="errors", errors={ids.TRIAGE_STATE: f"It is {refused.current.value} now; choose again."}
            )
            return
        except StoreUnavailable:
            # Shown against the choice, so the modal keeps the state and the outcome as typed.
            ack(response_action="errors", errors={ids.TRIAGE_STATE: STORE_DOWN_TRIAGE})
            return
        except (NotAllowed, NoSuchConcern):
            pass  # the refreshed view below says what the viewer may now see
        ack(response_action="update", view=_details(who, reference))

    def _details(who: Actor, reference: str) -> dict[str, Any]:
        try:
            seen = concerns.view(who, reference)
        except NotAllowed:
            return concern_views.details_view(
                _refusal(NOT_ALLOWED + " Your attempt has been recorded."), reference, None
            )
        except NoSuchConcern:
            return concern_views.details_view(_refusal(f"No concern has the reference {reference}."), reference, None)
        except StoreUnavailable:
            return concern_views.details_view(
                _refusal("The concern store cannot be reached just now."), reference, None
            )
        reply = view_reply(seen, conversation.segments.reader())
        return concern_views.details_view(reply, reference, seen.concern.status)


class Handoff:
    """References filed by a form's acknowledgement, waiting for its lazy listener to send them.
    With `process_before_response` the acknowledgement always finishes first; a form submitted
    twice is filed, and told, once."""

    LIMIT = 1000

    def __init__(self) -> None:
        self._waiting: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, reference: str) -> None:
        with self._lock:
            self._waiting[key] = reference
            while len(self._waiting) > self.LIMIT:
                self._waiting.popitem(last=False)

    def take(self, key: str) -> str | None:
        with self._lock:
            return self._waiting.pop(key, None)


STORE_DOWN_TRIAGE = "The concern store cannot be reached just now; nothing was changed. Save again in a few minutes."


def _asks_for_help(body: dict[str, Any]) -> bool:
    return str(body.get("text") or "").strip().lower() in ("help", "?")


def _refusal(text: str) -> Reply:
    return Reply(ReplyKind.ERROR, "Concern", text, (Section(lines=(text,)),))
