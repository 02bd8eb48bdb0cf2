"""Reply -> rich renderables. Strings become `Text` objects, never markup, so nothing a user
typed can restyle the terminal. Nothing is cut at any width: a title too long for the panel's top
border becomes the panel's first line, and every cell wraps (a word too long for its line folds)."""

from __future__ import annotations

import re

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from oversight_bot.chat.replies import MENTION, Reply, ReplyKind

SEGMENT_COLOURS = {1: "green", 2: "cyan", 3: "yellow", 4: "red", 5: "magenta"}
KIND_COLOURS = {ReplyKind.NOT_FOUND: "yellow", ReplyKind.ERROR: "red", ReplyKind.CHOICE: "blue"}
_CODE = re.compile(r"`([^`]+)`")


def styled(line: str) -> Text:
    """Plain text with `command` spans shown as code, and mentions as @name."""
    line = MENTION.sub(lambda m: f"@{m[1]}", line)
    text = Text()
    position = 0
    for match in _CODE.finditer(line):
        text.append(line[position : match.start()])
        text.append(match.group(1), style="bold cyan")
        position = match.end()
    text.append(line[position:])
    return text


def render(reply: Reply) -> RenderableType:
    return AnswerPanel(reply)


class AnswerPanel:
    """A reply in a panel coloured by segment (or by kind), its title on the top border if the
    terminal is wide enough for all of it, else inside as the first line."""

    # The border's corners, its leading rule and the spaces around a title.
    TITLE_ROOM = 6

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        reply = self.reply
        title = Text(reply.title, style="bold")
        on_border = title.cell_len <= options.max_width - self.TITLE_ROOM
        parts = _parts(reply) if on_border else [title, Text(""), *_parts(reply)]
        colour = SEGMENT_COLOURS.get(reply.segment or 0) or KIND_COLOURS.get(reply.kind, "white")
        yield Panel(Group(*parts), title=title if on_border else None, title_align="left", border_style=colour)


def _parts(reply: Reply) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for section in reply.sections:
        if section.heading:
            parts.append(Text(section.heading, style="bold"))
        parts += [styled(line) for line in section.lines]
        if section.facts:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", overflow="fold")
            table.add_column(overflow="fold")
            for fact in section.facts:
                table.add_row(Text(fact.label), styled(fact.value))
            parts.append(table)
        parts.append(Text(""))
    parts += _choices(reply)
    if reply.footnote:
        footnote = styled(reply.footnote)
        footnote.stylize("dim")
        parts.append(footnote)
    return parts


def _choices(reply: Reply) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for number, choice in enumerate(reply.choices, start=1):
        lines.append(styled(f"  {number}) {choice.label}  `{choice.command}`"))
    if reply.more is not None:
        lines.append(styled(f"  more) next page  `{reply.more.command}`"))
    if lines:
        lines.append(Text(""))
    return lines


def plain(reply: Reply) -> str:
    """The reply as plain text (for scripts and logs of what was said)."""
    return MENTION.sub(lambda m: f"@{m[1]}", _plain(reply))


def _plain(reply: Reply) -> str:
    lines = [reply.title]
    for section in reply.sections:
        if section.heading:
            lines.append(section.heading)
        lines += list(section.lines)
        lines += [f"{fact.label}: {fact.value}" for fact in section.facts]
    lines += [f"{n}) {c.label}: {c.command}" for n, c in enumerate(reply.choices, start=1)]
    if reply.more:
        lines.append(f"more: {reply.more.command}")
    if reply.footnote:
        lines.append(reply.footnote)
    return "\n".join(lines)
