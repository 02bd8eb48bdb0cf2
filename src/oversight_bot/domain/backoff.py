"""When to try a failed alert again: exponential backoff with a ceiling, and when to give up."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=30)
MAX_ATTEMPTS = 8  # about 40 minutes of retries in all before an alert is declared dead


def next_attempt_at(attempts: int, now: datetime) -> datetime:
    """After `attempts` failed tries: 5 s, 10 s, 20 s ... at most 30 minutes."""
    wait: timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
    return now + min(wait, LONGEST_WAIT)


def gives_up(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> bool:
    return attempts >= max_attempts
