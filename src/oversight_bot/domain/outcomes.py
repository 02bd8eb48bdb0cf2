"""What a platform answered when the bot sent it a message: sent, rate limited, or failed (for
now, or for good). Each platform's notifier says which; the delivery worker decides what follows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sent:
    ref: str  # the platform's message id (Slack's ts)


@dataclass(frozen=True, slots=True)
class RateLimited:
    retry_after_s: float


@dataclass(frozen=True, slots=True)
class Failed:
    error: str
    permanent: bool = False
    whole_workspace: bool = False  # the token is gone, not just the channel


Outcome = Sent | RateLimited | Failed
