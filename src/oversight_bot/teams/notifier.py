"""Alerts to Teams: one proactive message to a conversation through the Bot Connector, with a plain
verdict on what Teams answered (sent, rate limited, failed, or failed for good), as for Slack.

The delivery worker is synchronous and sends from threads; the Agents SDK's connector client is
asynchronous. Sends run on one event loop of this notifier's own, so that connections to each
service URL are reused. Nothing is retried here: the worker decides when to try again.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import ClientError, ClientResponseError
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, ConversationAccount
from microsoft_agents.hosting.core import AccessTokenProviderBase, ConnectorClient

from oversight_bot.chat.replies import Reply
from oversight_bot.domain.addresses import ConversationAddress
from oversight_bot.domain.outcomes import Failed, Outcome, RateLimited, Sent
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.errors import StoreUnavailable
from oversight_bot.teams import cards
from oversight_bot.teams.addresses import ConversationAddresses

BOT_FRAMEWORK = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPES = ["https://api.botframework.com/.default"]
SEND_TIMEOUT_S = 10.0
# Teams answers these when the bot may no longer post there: removed from the team or chat,
# blocked by the user, or the conversation is gone. Sending again will not help.
GONE = frozenset({403, 404})


class TeamsNotifier:
    def __init__(
        self,
        addresses: ConversationAddresses,
        tokens: AccessTokenProviderBase,
        timeout_s: float = SEND_TIMEOUT_S,
        *,
        require_https: bool = True,
    ) -> None:
        self.addresses = addresses
        self.tokens = tokens
        self.timeout_s = timeout_s
        # The bot's token goes only to https service URLs (Teams' own are); plain http is for a
        # stand-in on this machine, when the bot runs without credentials.
        self.require_https = require_https
        self._clients: dict[tuple[str, str], ConnectorClient] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="teams-notifier", daemon=True)
        self._thread.start()

    def send(self, destination: Destination, message: Reply, thread: str | None) -> Outcome:
        try:
            address = self.addresses.find(destination.channel)
        except StoreUnavailable:
            return Failed("the store is unavailable")
        if address is None:
            return Failed("the bot has never been reached from this Teams conversation", permanent=True)
        if self.require_https and not address.service_url.lower().startswith("https://"):
            return Failed("refusing to send the bot's token to a service URL that is not https", permanent=True)
        future = asyncio.run_coroutine_threadsafe(self._post(address, message, thread), self._loop)
        try:
            return future.result(timeout=self.timeout_s + 1)
        except TimeoutError:
            future.cancel()
            return Failed("timed out calling the Bot Connector")

    async def _post(self, address: ConversationAddress, message: Reply, thread: str | None) -> Outcome:
        # A reply in an alert's thread goes to the thread's own conversation id.
        conversation = f"{address.conversation_id};messageid={thread}" if thread else address.conversation_id
        activity = Activity(
            type=ActivityTypes.message,
            summary=message.summary[:200],
            attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=cards.reply_card(message))],
            conversation=ConversationAccount(id=conversation, tenant_id=address.tenant_id),
        )
        try:
            token = await self.tokens.get_access_token(BOT_FRAMEWORK, BOT_FRAMEWORK_SCOPES)
            client = self._client(address.service_url, token)
            sent = await asyncio.wait_for(
                client.conversations.send_to_conversation(conversation, activity), self.timeout_s
            )
        except ClientResponseError as error:
            return verdict(error)
        except (ClientError, TimeoutError, OSError) as error:  # refused, reset, timed out
            return Failed(f"{type(error).__name__} calling the Bot Connector")
        return Sent(str(sent.id or ""))

    def _client(self, service_url: str, token: str) -> ConnectorClient:
        """One client per service URL and token (tokens last an hour; MSAL renews them)."""
        key = (service_url, token)
        client = self._clients.get(key)
        if client is None:
            for stale in [k for k in self._clients if k[0] == service_url]:
                self._loop.create_task(self._clients.pop(stale).close())
            client = self._clients[key] = ConnectorClient(service_url, token)
        return client

    def close(self) -> None:
        async def close_all() -> None:
            for client in self._clients.values():
                await client.close()

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def verdict(error: ClientResponseError) -> Outcome:
    if error.status == 429:
        retry_after = error.headers.get("Retry-After") if error.headers else None
        return RateLimited(float(retry_after or 1))
    if error.status in GONE:
        return Failed(f"Teams answered {error.status}: the bot may no longer post here", permanent=True)
    return Failed(f"Teams answered {error.status}")  # 5xx, 412, 401: worth trying again later
