"""Reply -> rich renderables. Strings become `Text` objects, never markup, so nothing a user
typed can restyle the terminal. A chart is shown as a sparkline per series and the path of its
PNG. Nothing is cut at any width: a title too long for the panel's top border becomes the panel's
first line, and every cell wraps (a word too long for its line folds)."""

from __future__ import annotations

import re

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from oversight_bot.chat.replies import MENTION, Chart, Reply, ReplyKind

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
    if reply.chart is not None:
        parts += [*chart_lines(reply.chart), Text("")]
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


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(
    points: tuple[float | None, ...], lower_is_better: bool = False, scale: tuple[float, float] | None = None
) -> str:
    """The points as block characters, higher drawn taller (or, for scores, better drawn taller), on
    `scale` (low, high) or their own; a point not held is a space."""
    held = [p for p in points if p is not None]
    if not held:
        return ""
    low, high = scale or (min(held), max(held))
    steps = len(SPARKS) - 1

    def spark(point: float | None) -> str:
        if point is None:
            return " "
        share = 0.5 if high == low else (point - low) / (high - low)
        return SPARKS[round((1 - share if lower_is_better else share) * steps)]

    return "".join(spark(p) for p in points)


def chart_lines(chart: Chart, *, with_file: bool = True) -> list[Text]:
    """The chart as a sparkline per series, and where its PNG was written (drawn now if need be)."""
    lines = []
    everything = [p for series in chart.series for p in series.points if p is not None]
    scale = (min(everything), max(everything)) if everything else None  # one scale: series compare
    for series in chart.series:
        held = [p for p in series.points if p is not None]
        if not held:
            continue
        direction = " (taller is better)" if chart.lower_is_better else ""
        first, last = _figure(held[0], chart), _figure(held[-1], chart)
        line = Text(f"{series.label.split(' (')[0][:40]}: {first} ")
        line.append(sparkline(series.points, chart.lower_is_better, scale), style="bold")
        line.append(f" {last}{direction}")
        lines.append(line)
    if with_file:
        lines.append(_chart_file(chart))
    return lines


def _figure(point: float, chart: Chart) -> str:
    return f"{point:.2f}" if chart.lower_is_better else f"{point:g}"


def _chart_file(chart: Chart) -> Text:
    from oversight_bot.charts.cache import shared

    try:
        path = shared.file(chart)
    except Exception as error:  # a chart is an extra: the answer stands without it
        return Text(f"Chart not drawn ({type(error).__name__}).", style="dim")
    return Text(f"Chart (PNG): {path}", style="dim")


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
    if reply.chart is not None:
        lines += [str(line) for line in chart_lines(reply.chart, with_file=False)]
    lines += [f"{n}) {c.label}: {c.command}" for n, c in enumerate(reply.choices, start=1)]
    if reply.more:
        lines.append(f"more: {reply.more.command}")
    if reply.footnote:
        lines.append(reply.footnote)
    return "\n".join(lines)
