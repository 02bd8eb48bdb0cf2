"""The interactive terminal chat: type what you would type in Slack or Teams."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from oversight_bot.chat.commands import StartConcern, parse_text
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply
from oversight_bot.console.concern_prompts import ConcernPrompts
from oversight_bot.console.render import render
from oversight_bot.domain.actors import Actor

PROMPT = "oversight> "
QUIT = {"quit", "exit", "q", ":q"}


class Repl:
    """Reads lines, answers each; a number picks a button from the last answer, `more` pages on,
    and `concern` asks the concern form's questions one by one."""

    def __init__(self, conversation: Conversation, console: Console, actor: Actor) -> None:
        self.conversation = conversation
        self.console = console
        self.actor = actor
        self.last: Reply | None = None
        self.read: Callable[[str], str] = input

    def run(self, read: Callable[[str], str] = input) -> None:
        self.read = read
        while True:
            try:
                line = read(PROMPT).strip()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return
            if line.lower() in QUIT:
                return
            if line:
                self.answer(line)

    def answer(self, line: str) -> None:
        text = self._expand(line)
        if text is None:
            self.console.print(Text("No such choice in the last answer.", style="yellow"))
            return
        parsed = parse_text(text)
        if isinstance(parsed, StartConcern) and self.conversation.concerning is not None:
            ConcernPrompts(self.conversation.concerning, self.console).run(self.actor, parsed.query, self.read)
            return
        self.last = self.conversation.respond(text, self.actor)
        self.console.print(render(self.last))

    def _expand(self, line: str) -> str | None:
        """Turn `2` into the second button's command and `more` into the next page's."""
        if line.isdigit():
            choices = self.last.choices if self.last else ()
            index = int(line) - 1
            return choices[index].command if 0 <= index < len(choices) else None
        if line.lower() == "more":
            return self.last.more.command if self.last and self.last.more else None
        return line
