"""Alerts to the terminal console: the embedded default's one destination."""

from __future__ import annotations

import threading
from itertools import count

from rich.console import Console

from oversight_bot.chat.replies import Reply
from oversight_bot.console.render import render
from oversight_bot.domain.outcomes import Outcome, Sent
from oversight_bot.domain.subscriptions import Destination


class ConsoleNotifier:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._refs = count(1)
        self._lock = threading.Lock()

    def send(self, destination: Destination, message: Reply, thread: str | None) -> Outcome:
        with self._lock:
            self.console.print()
            self.console.print(render(message))
            return Sent(f"console-{next(self._refs)}")
