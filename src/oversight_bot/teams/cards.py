"""Replies as Adaptive Cards for Teams, rendered from the chat layer's Reply, as Slack's blocks are.

Text a user wrote (an organisation's name is NHS data, but a concern's words are not) can carry
Markdown, which Teams renders in a TextBlock: a link disguised as `[the rota](https://evil)` must
not become one. `text()` breaks link syntax with an invisible joiner and never passes HTML or
mention tags through (Teams only mentions someone through an explicit entity, which we never build
from user text).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from oversight_bot.chat.replies import MENTION, Chart, Choice, Reply, Section

Card = dict[str, Any]
Element = dict[str, Any]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"  # what Teams' desktop, web and mobile clients render
MAX_TEXT = 4000  # per TextBlock: a card message must stay under Teams' 28 KB
# Teams refuses a message over about 28 KB: a chart's image goes in only while the card, buttons
# and all, stays under this (the rest of the activity's envelope has the remaining room).
MAX_CARD_BYTES = 26 * 1024
ACTIONS_PER_ROW = 5
# No text colours: Teams' "Good", "Warning" and "Accent" fall below WCAG's 4.5:1 on its light theme
# (docs/teams.md). Titles are in the host's default colour, which Teams keeps readable on every
# theme; a segment is said in words ("Segment 3"), never by colour alone.
ZERO_WIDTH = "\u2060"  # WORD JOINER: invisible, and enough to stop Markdown reading a link
_CODE = re.compile(r"`([^`]+)`")

# Buttons: what the bot receives when one is pressed (Action.Submit's data, merged with any inputs).
RUN = "run"  # run a command, as if typed
CONCERN_FORM = "concern_form"  # open the concern form (a dialog)
VIEW_CONCERN = "view_concern"  # open a concern (a dialog, after a step that says it is recorded)

Names = Callable[[str], str]  # a user id -> how to show them


def text(value: str, names: Names | None = None) -> str:
    """User-safe Markdown for a TextBlock: links and autolinks broken, mention marks resolved."""
    value = MENTION.sub(lambda m: (names or _as_id)(m[1]), value[:MAX_TEXT])  # names are people's own text too
    return value.replace("](", f"]{ZERO_WIDTH}(").replace("<", f"<{ZERO_WIDTH}")


def _as_id(user_id: str) -> str:
    return f"user {user_id}"


def _commands_bold(line: str) -> str:
    """The chat layer marks commands with backticks; a TextBlock has no code style, so bold them."""
    return _CODE.sub(lambda m: f"**{m[1]}**", line)


def attachment(card: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    content: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        content["actions"] = actions
    return content


def reply_card(reply: Reply, names: Names | None = None, chart_png: bytes | None = None) -> Card:
    """A whole reply: title, its chart (the PNG given, as a data URI), sections, facts, buttons
    (5 to a row), the next page, the footnote."""
    body = reply_body(reply, names)
    if reply.chart is not None:
        body.insert(1, chart_element(reply.chart, chart_png, len(json.dumps(body)) + len(reply.footnote or "")))
    buttons = [button(choice) for choice in reply.choices]
    if reply.more is not None:
        buttons.append(button(reply.more))
    for start in range(0, len(buttons), ACTIONS_PER_ROW):
        body.append({"type": "ActionSet", "actions": buttons[start : start + ACTIONS_PER_ROW]})
    if reply.footnote:
        body.append(text_block(reply.footnote, names, size="Small", isSubtle=True))
    return card(body)


def chart_element(chart: Chart, png: bytes | None, used: int) -> Element:
    """The chart as an `Image` (Adaptive Cards 1.0; a data URI from 1.2) with its figures as alt
    text; or, where no PNG was drawn or it would take the card past Teams' limit, a line saying so."""
    if png is not None:
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        if used + len(uri) <= MAX_CARD_BYTES:
            return {"type": "Image", "url": uri, "altText": chart.alt_text[:MAX_TEXT], "size": "Stretch"}
        reason = "it would make this card larger than Teams allows"
    else:
        reason = "it could not be drawn just now"
    return text_block(f"The chart is not shown: {reason}. Its figures are below.", size="Small", isSubtle=True)


def reply_body(reply: Reply, names: Names | None = None) -> list[Element]:
    title = text_block(reply.title, names, weight="Bolder", size="Medium")
    body: list[Element] = [title]
    for section in reply.sections:
        body += _section(section, names)
    return body


def _section(section: Section, names: Names | None) -> list[Element]:
    elements: list[Element] = []
    if section.heading:
        elements.append(text_block(section.heading, names, weight="Bolder", spacing="Medium"))
    elements += [text_block(line, names) for line in section.lines]
    if section.facts:
        facts = [{"title": text(f.label, names), "value": text(f.value, names)} for f in section.facts]
        elements.append({"type": "FactSet", "facts": facts})
    return elements


def text_block(value: str, names: Names | None = None, **style: Any) -> Element:
    return {"type": "TextBlock", "text": _commands_bold(text(value, names)), "wrap": True, **style}


def button(choice: Choice) -> Element:
    """A concern's View opens a dialog (its words never go into the conversation); every other
    button runs its command."""
    if choice.command.startswith("view C-"):
        reference = choice.command.removeprefix("view ")
        return dialog_button(choice.label, {"verb": VIEW_CONCERN, "reference": reference})
    return {"type": "Action.Submit", "title": choice.label[:80], "data": {"verb": RUN, "command": choice.command}}


def dialog_button(title: str, data: dict[str, Any]) -> Element:
    """A button that opens a dialog (Teams' task module): `task/fetch` with this data."""
    return {"type": "Action.Submit", "title": title[:80], "data": {"msteams": {"type": "task/fetch"}, **data}}
