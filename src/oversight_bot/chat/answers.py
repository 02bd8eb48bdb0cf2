"""Read answers kept until their data changes: "an answer is the same for everyone who may see it,
until the data changes" (issue 13). A question about segments, leagues or lists gets the same
`Reply` whoever asks it, while the read model's version, the open concern counts and the day
(answers say how old their data is) stay the same; so it is worked out once, not per request.

Kept only for commands that read published data (never concerns, subscriptions or anything that
changes something) and only while reading is open to everyone in the workspace (no reader list
configured), so that an answer never depends on who asks. Bounded, and emptied when the data changes.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from oversight_bot.chat.commands import (
    Command,
    ExplainSegment,
    GetSegment,
    ListSegment,
    ShowHelp,
    ShowHistory,
    ShowLeague,
)

KEPT = (GetSegment, ExplainSegment, ShowHistory, ShowLeague, ListSegment, ShowHelp)
CAPACITY = 4096

V = TypeVar("V")


def is_kept(command: Command) -> bool:
    return isinstance(command, KEPT)


class KeptAnswers(Generic[V]):
    """Answers (or their renderings) by key, for one data version at a time."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._version: Hashable = None
        self._answers: dict[Hashable, V] = {}
        self._lock = threading.Lock()

    def get(self, version: Hashable, key: Hashable) -> V | None:
        if version != self._version:
            return None
        return self._answers.get(key)

    def put(self, version: Hashable, key: Hashable, answer: V) -> None:
        with self._lock:
            if version != self._version:
                self._version, self._answers = version, {}
            if len(self._answers) >= self.capacity:
                self._answers.pop(next(iter(self._answers)))  # the oldest goes
            self._answers[key] = answer
