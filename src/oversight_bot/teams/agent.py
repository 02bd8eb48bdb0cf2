"""The Teams bot: each activity from Teams, turned into the chat layer's commands and answered
with Adaptive Cards; the concern form and concerns in dialogs.

An Agents SDK `Agent` (anything with `on_turn`), not an `AgentApplication`: it needs no turn-state
storage, sends no typing indicators, and never logs what users write (docs/teams.md).

Teams has no private answers in a channel: anything confidential (a concern listing) is answered
only in a personal chat, and a concern's words only ever in a dialog.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.core import TurnContext

from oversight_bot.charts import cache as charts
from oversight_bot.chat import wording
from oversight_bot.chat.commands import Mute, SetDigest, SetThreading, StartConcern, Subscribe, parse_text
from oversight_bot.chat.concerning import TRIAGE_OUTCOME, TRIAGE_STATE, Concerning, FiledView, FormView
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply, ReplyKind
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.addresses import ConversationAddress
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.errors import StoreUnavailable
from oversight_bot.teams import cards, concern_cards
from oversight_bot.teams.addresses import ConversationAddresses

logger = logging.getLogger(__name__)

PLATFORM = "teams"
BOT_NAME = "Oversight"  # the app's short name in its package (package.py): what Teams shows and @mentions
REMOVED = "the bot was removed from this team or chat"
SUBSCRIPTION_COMMANDS = (Subscribe, Mute, SetDigest, SetThreading)


class NameBook:
    """How to show a person in a card: Teams mentions need a name, and a user id is all a stored
    record keeps, so names are learnt from the activities people send (in this process only)."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def learn(self, user_id: str, name: str | None) -> None:
        if name:
            with self._lock:
                self._names[user_id] = name

    def __call__(self, user_id: str) -> str:
        with self._lock:
            name = self._names.get(user_id)
        return f"**{name}**" if name else f"user {user_id}"


def actor_of(activity: Activity) -> Actor:
    """Who is asking, and from where. The user is their Microsoft Entra object id (what an admin
    lists in OVERSIGHT_ROLES); the conversation is a channel's, never one thread's."""
    sender = activity.from_property
    user = (sender.aad_object_id or sender.id) if sender else "unknown"
    conversation = activity.conversation
    personal = conversation is not None and conversation.conversation_type == "personal"
    return Actor(PLATFORM, str(user), channel_of(activity), tenant_of(activity), direct=personal)


def channel_of(activity: Activity) -> str | None:
    """`19:…@thread.tacv2;messageid=123` (a thread) -> `19:…@thread.tacv2` (its channel)."""
    conversation = activity.conversation
    return conversation.id.split(";", 1)[0] if conversation and conversation.id else None


def tenant_of(activity: Activity) -> str:
    if activity.conversation and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    tenant = (activity.channel_data or {}).get("tenant") if isinstance(activity.channel_data, dict) else None
    return str((tenant or {}).get("id") or "")


def team_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    return (data.get("team") or {}).get("id")


def chart_png(reply: Reply) -> bytes | None:
    """The reply's chart drawn (or the drawing kept for this data version), in a worker thread: the
    answer goes out without it rather than not at all if it cannot be drawn."""
    if reply.chart is None:
        return None
    try:
        return charts.shared.png(reply.chart)
    except Exception as error:
        logger.warning("chart not drawn: %s", type(error).__name__)
        return None


class TeamsAgent:
    def __init__(
        self,
        conversation: Conversation,
        concerning: Concerning,
        addresses: ConversationAddresses,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.conversation = conversation
        self.concerning = concerning
        self.addresses = addresses
        self.now = now
        self.names = NameBook()
        self._told: dict[str, str] = {}  # a form filed openly from a personal chat -> the message to send

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        sender = activity.from_property
        if sender is not None:
            self.names.learn(str(sender.aad_object_id or sender.id), sender.name)
        if activity.conversation is not None and activity.conversation.conversation_type != "personal":
            # Channels and group chats only: a personal chat's address (one per person, with the time
            # they last wrote) is kept only when alerts are asked for there, so that the store holds
            # no trace beside an anonymous concern of who was writing to the bot just then.
            await asyncio.to_thread(self._remember, activity)
        match activity.type:
            case ActivityTypes.message:
                await self._message(context)
            case ActivityTypes.invoke:
                await self._invoke(context)
            case ActivityTypes.conversation_update | ActivityTypes.installation_update:
                await self._membership(context)

    # Messages: typed commands, and buttons that run a command

    async def _message(self, context: TurnContext) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if value.get("verb") == cards.RUN:
            typed = str(value.get("command") or "")
        else:
            typed = (TurnContext.remove_recipient_mention(activity) or "").replace("&nbsp;", " ")
        actor = actor_of(activity)
        parsed = parse_text(typed)
        if isinstance(parsed, StartConcern):
            await self._send(context, await asyncio.to_thread(self._form_launcher, parsed.query, actor))
            return
        if actor.direct and isinstance(parsed, SUBSCRIPTION_COMMANDS):
            await asyncio.to_thread(self._remember, activity)  # alerts will be sent to this personal chat
        reply = await asyncio.to_thread(self.conversation.handle, parsed, actor)
        chart = await asyncio.to_thread(chart_png, reply)
        await self._send(context, cards.reply_card(reply, self.names, chart))

    def _form_launcher(self, query: str, actor: Actor) -> cards.Card:
        form = self.concerning.open_form(query)
        data: dict[str, Any] = {"verb": cards.CONCERN_FORM}
        if form.chosen is not None:
            data["organisation"] = form.chosen[0]
        help_card = cards.reply_card(self.concerning.help(actor), self.names)
        help_card["body"].append({"type": "ActionSet", "actions": [cards.dialog_button("Raise a concern", data)]})
        return help_card

    # Invokes: dialogs (task modules) and the organisation typeahead

    async def _invoke(self, context: TurnContext) -> None:
        activity = context.activity
        value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
        raw = value.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        actor = actor_of(activity)
        match activity.name:
            case "task/fetch":
                body = await asyncio.to_thread(self._fetch, data, actor)
            case "task/submit":
                body = await asyncio.to_thread(self._submit, data, actor)
            case _:
                await _invoke_response(context, 501, {})
                return
        await _invoke_response(context, 200, body)
        message = self._told.pop(str(data.get("form_id") or ""), None)
        if message is not None:  # the reference, for a concern raised openly, in its personal chat
            await context.send_activity(Activity(type=ActivityTypes.message, text=message))

    def _fetch(self, data: dict[str, Any], actor: Actor) -> dict[str, Any]:
        match data.get("verb"):
            case cards.CONCERN_FORM:
                form = self.concerning.open_form(str(data.get("organisation") or ""))
                return concern_cards.dialog("Raise a concern", concern_cards.concern_form(form))
            case cards.VIEW_CONCERN:
                reference = str(data.get("reference") or "")
                prompt = self.concerning.reveal_prompt(reference)
                return concern_cards.dialog("Concern", concern_cards.reveal_card(reference, prompt))
        return concern_cards.closing("That button is no longer in use.")

    def _submit(self, data: dict[str, Any], actor: Actor) -> dict[str, Any]:
        reference = str(data.get("reference") or "")
        match data.get("verb"):
            case concern_cards.FILE_CONCERN:
                return self._file(data, actor)
            case concern_cards.REVEAL:
                details = self.concerning.details(actor, reference)
            case concern_cards.TRIAGE:
                state = str(data.get(TRIAGE_STATE) or "") or None
                outcome = str(data.get(TRIAGE_OUTCOME) or "")
                details = self.concerning.move(actor, reference, state, outcome)
            case _:
                return concern_cards.closing("That form is no longer in use.")
        return concern_cards.dialog("Concern", concern_cards.details_card(details, self.names))

    def _file(self, data: dict[str, Any], actor: Actor) -> dict[str, Any]:
        form_id = str(data.get("form_id") or "")
        values = concern_cards.form_values(data)
        # The reference by message too, where that is safe: raised openly, in a personal chat.
        today = self.now().date()
        outcome = self.concerning.submit(
            actor, values, form_id, today, may_message=actor.direct, typed_organisation=True
        )
        match outcome:
            case FormView(not_stored=True):
                return concern_cards.dialog("Not filed", concern_cards.concern_form(outcome))
            case FormView():
                return concern_cards.dialog("Raise a concern", concern_cards.concern_form(outcome))
            case FiledView(message=message):
                if message is not None:
                    self._told[form_id] = message
                return concern_cards.dialog("Concern filed", concern_cards.filed_card(outcome))
        return concern_cards.closing(outcome.summary)

    # Membership: the bot added (say hello) or removed (stop that conversation's alerts)

    async def _membership(self, context: TurnContext) -> None:
        activity = context.activity
        bot = activity.recipient.id if activity.recipient else None
        # Teams sends both conversationUpdate (members added) and installationUpdate (add) on an
        # install: the welcome answers the first only, so it is said once.
        added = activity.type == ActivityTypes.conversation_update and any(
            m.id == bot for m in activity.members_added or []
        )
        removed = any(m.id == bot for m in activity.members_removed or []) or activity.action == "remove"
        event = (activity.channel_data or {}).get("eventType") if isinstance(activity.channel_data, dict) else None
        if removed or event == "channelDeleted":
            await asyncio.to_thread(self._stop_alerts, activity, event == "channelDeleted")
        elif added:
            welcome = Reply(ReplyKind.HELP, f"Hello from {BOT_NAME}", "Hello", wording.help_reply().sections)
            await self._send(context, cards.reply_card(welcome, self.names))

    def _stop_alerts(self, activity: Activity, channel_deleted: bool) -> None:
        tenant = tenant_of(activity)
        conversations = [channel_of(activity)]
        team = team_of(activity)
        if channel_deleted:
            data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
            conversations = [(data.get("channel") or {}).get("id")]
        elif team:
            conversations += [a.conversation_id for a in self.addresses.of_team(team)]
        reason = "the channel was deleted" if channel_deleted else REMOVED
        for conversation in {c for c in conversations if c}:
            self.conversation.stop_alerts(Destination(PLATFORM, tenant, conversation), reason)

    def _remember(self, activity: Activity) -> None:
        conversation = channel_of(activity)
        if not conversation or not activity.service_url or activity.recipient is None:
            return
        kind = str(activity.conversation.conversation_type or "personal") if activity.conversation else "personal"
        address = ConversationAddress(
            conversation, activity.service_url, tenant_of(activity), activity.recipient.id, kind, team_of(activity)
        )
        try:
            self.addresses.remember(address, self.now())
        except StoreUnavailable:
            logger.warning("could not remember a Teams conversation's address (store unavailable)")

    async def _send(self, context: TurnContext, content: cards.Card) -> None:
        attachment = Attachment(content_type=cards.CARD_CONTENT_TYPE, content=content)
        await context.send_activity(Activity(type=ActivityTypes.message, attachments=[attachment]))


async def _invoke_response(context: TurnContext, status: int, body: dict[str, Any]) -> None:
    response = InvokeResponse(status=status, body=body)
    await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))
