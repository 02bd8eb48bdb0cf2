"""Who is asking, and who raised a concern: plain values every layer may hold, from the adapters
that learn them from a platform's request down to the store that keeps a reporter apart."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, on which platform, from which conversation."""

    platform: str
    user_id: str
    conversation_id: str | None = None
    workspace: str = ""
    direct: bool = False  # the conversation is a direct message with the bot


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who raised a concern: kept apart from it, and never for a concern raised anonymously."""

    platform: str
    user_id: str
