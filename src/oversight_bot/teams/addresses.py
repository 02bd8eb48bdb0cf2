"""The Teams adapter's own record of conversations (the store implements it: store/teams.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from oversight_bot.domain.addresses import ConversationAddress


class ConversationAddresses(Protocol):
    def remember(self, address: ConversationAddress, at: datetime) -> None: ...
    def find(self, conversation_id: str) -> ConversationAddress | None: ...
    def of_team(self, team_id: str) -> list[ConversationAddress]: ...
