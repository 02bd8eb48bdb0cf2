"""Where a Teams conversation can be reached unprompted: a plain record the Teams adapter learns
from the activities it receives and the store keeps, so that alerts can be posted there later."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConversationAddress:
    """Where a Teams conversation can be reached unprompted (an alert): Teams gives each
    conversation a service URL, and the bot needs it, the tenant and its own id to post there."""

    conversation_id: str
    service_url: str
    tenant_id: str
    bot_id: str
    conversation_type: str  # "channel", "groupChat" or "personal"
    team_id: str | None = None  # for a channel: its team, so that removing the bot from a team stops them all
