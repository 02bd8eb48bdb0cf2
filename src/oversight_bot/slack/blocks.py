"""Reply -> Block Kit, inside Slack's limits: 50 blocks a message, 3,000 characters a text block,
10 fields a section, 25 buttons an actions block. Pure functions; every user-visible string is
escaped, so that text a user typed can never become a mention (`<!channel>`) or a link.
"""

from __future__ import annotations

import json
from typing import Any

from oversight_bot.chat.replies import MENTION, Chart, Reply, Section
from oversight_bot.slack import ids

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_HEADER = 150
MAX_OPTION_TEXT = 75  # an option's text and description (Block Kit's option object)
MAX_ALT_TEXT = 2000  # an image block's alt_text
MAX_IMAGE_TITLE = 2000
SEGMENT_EMOJI = {
    1: ":large_green_circle:",
    2: ":large_blue_circle:",
    3: ":large_yellow_circle:",
    4: ":red_circle:",
    5: ":purple_circle:",
}

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's escaping: &, < and > are the only characters that make links and mentions. The
    chat layer's own mentions (which no user text can carry) become real ones afterwards."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MENTION.sub(lambda m: f"<@{m[1]}>", escaped)


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object, cut to Slack's limit for its place. Escaped too: Slack reserves &, < and >
    in every text it is sent, and decodes the entities when it shows them."""
    return {"type": "plain_text", "text": escaped_within(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """Text already escaped (and perhaps formatted) by the caller."""
    return {"type": "mrkdwn", "text": _cut(text, MAX_TEXT)}


def escaped_within(text: str, limit: int) -> str:
    """Escape, then fit within `limit`, never cutting an entity (&amp;) in half."""
    escaped = escape(text)
    while len(escaped) > limit:
        text = text[: max(0, len(text) - (len(escaped) - limit) - 1)]
        escaped = escape(text) + "…"
    return escaped


def escaped_pieces(text: str, limit: int) -> list[str]:
    """All of `text`, escaped, in pieces of at most `limit` characters (one text block each): for
    words that must come back whole, such as a form that could not be stored. Pieces end at a
    line or a space where one is near, and never inside an entity."""
    pieces: list[str] = []
    rest = text
    while rest:
        cut = _fitting(rest, limit)
        nearby = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if cut < len(rest) and nearby > cut // 2:
            cut = nearby + 1
        pieces.append(escape(rest[:cut]))
        rest = rest[cut:]
    return pieces


ESCAPED_SIZE = {"&": len("&amp;"), "<": len("&lt;"), ">": len("&gt;")}


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` once escaped."""
    size = 0
    for index, character in enumerate(text):
        size += ESCAPED_SIZE.get(character, 1)
        if size > limit:
            return index
    return len(text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CHART_FOLLOWS = "A chart of these figures follows in a moment."


def message(
    reply: Reply,
    *,
    command: str | None = None,
    share: bool = False,
    shared_by: str | None = None,
    chart_file: str | None = None,
    chart_note: str | None = None,
) -> dict[str, Any]:
    """A whole message: `text` (the notification and fallback) and `blocks`.

    `command` is what produced the reply; with `share`, a "Share in channel" button re-runs it in
    public. `shared_by` is the Slack user id of whoever shared it. A reply with a chart shows it
    from `chart_file` (an uploaded file's id), or says `chart_note`, or that the chart follows.
    """
    blocks = reply_blocks(reply)
    if reply.chart is not None:
        shown = chart_block(reply.chart, chart_file) if chart_file else _context_text(chart_note or CHART_FOLLOWS)
        blocks.insert(1, shown)
    buttons = _buttons(reply, command if share and reply.shareable else None)
    tail = [*buttons, *_context(reply, shared_by)]
    if len(blocks) + len(tail) > MAX_BLOCKS:
        keep = MAX_BLOCKS - len(tail) - 1
        blocks = [*blocks[:keep], _section_text("(More than one message can hold: shortened.)")]
    return {"text": escaped_within(reply.summary, MAX_TEXT), "blocks": [*blocks, *tail]}


def reply_blocks(reply: Reply) -> list[Block]:
    """The reply's content: header, sections and facts (no buttons, no footnote)."""
    emoji = SEGMENT_EMOJI.get(reply.segment or 0, "")
    header = f"{emoji} {reply.title}".strip() if emoji else reply.title
    blocks: list[Block] = [{"type": "header", "text": plain(header, MAX_HEADER)}]
    for section in reply.sections:
        blocks += _section(section)
    return blocks


def _section(section: Section) -> list[Block]:
    blocks: list[Block] = []
    lines = [escaped_within(line, MAX_TEXT) for line in section.lines]
    if section.heading:
        lines.insert(0, f"*{escape(section.heading)}*")
    for chunk in _chunks(lines):  # lines are escaped and within the limit, so chunks never cut one
        blocks.append(_section_text(chunk))
    fields = [
        mrkdwn(f"*{escaped_within(f.label, 100)}*\n{escaped_within(f.value, MAX_FIELD_TEXT - 110)}")
        for f in section.facts
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS]})
    return blocks


def _chunks(lines: list[str]) -> list[str]:
    """Join lines into texts of at most MAX_TEXT characters, breaking only between lines."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def chart_block(chart: Chart, file_id: str) -> Block:
    """An image block showing an uploaded file (a `slack_file` object: the bot's own upload)."""
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": escaped_within(chart.alt_text, MAX_ALT_TEXT),
        "title": plain(chart.title, MAX_IMAGE_TITLE),
    }


def _context_text(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(escape(text))]}


def _section_text(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def _buttons(reply: Reply, share_command: str | None) -> list[Block]:
    elements = [_button(choice.label, choice.command, n) for n, choice in enumerate(reply.choices)]
    if reply.more is not None:
        elements.append(_run_button(reply.more.label, reply.more.command, len(elements)))
    if share_command is not None:
        elements.append(
            {
                "type": "button",
                "action_id": ids.SHARE,
                "text": plain("Share in channel", MAX_BUTTON_TEXT),
                "value": share_command[:MAX_BUTTON_VALUE],
            }
        )
    return [{"type": "actions", "elements": elements[start : start + 25]} for start in range(0, len(elements), 25)]


def _button(label: str, command: str, number: int) -> Block:
    """A concern's View opens a step where its reader chooses to see it (the details then travel in
    our answer to that step, never in a message); every other button runs its command."""
    if command.startswith("view C-"):
        reference = command.removeprefix("view ")
        return {
            "type": "button",
            "action_id": f"{ids.VIEW_CONCERN}:{number}",
            "text": plain(label, MAX_BUTTON_TEXT),
            "value": reference,
        }
    return _run_button(label, command, number)


def _run_button(label: str, command: str, number: int) -> Block:
    return {
        "type": "button",
        "action_id": f"{ids.RUN_COMMAND}:{number}",
        "text": plain(label, MAX_BUTTON_TEXT),
        "value": command[:MAX_BUTTON_VALUE],
    }


def _context(reply: Reply, shared_by: str | None) -> list[Block]:
    notes = []
    if shared_by:
        notes.append(f"Shared by <@{shared_by}>")
    if reply.footnote:
        notes.append(escape(reply.footnote))
    return [{"type": "context", "elements": [mrkdwn(" · ".join(notes))]}] if notes else []


def organisation_options(candidates: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Options for an external select: (ODS code, name) pairs, at most 100, text at most 75
    characters with the code always whole (a long name is shortened at a word instead)."""
    return [{"text": plain(labelled(name, code), MAX_OPTION_TEXT), "value": code} for code, name in candidates[:100]]


def labelled(name: str, code: str, limit: int = MAX_OPTION_TEXT) -> str:
    """ "Name (CODE)" within `limit` characters once escaped, the name shortened at a word if need be."""
    suffix = f" ({code})"
    return shortened(name, limit - len(suffix)) + suffix


def shortened(text: str, limit: int) -> str:
    """`text` within `limit` characters once escaped, cut at a word (never mid-word) with "…"."""
    if len(escape(text)) <= limit:
        return text
    words = text.split()
    while words and len(escape(" ".join(words))) + 1 > limit:
        words.pop()
    return (" ".join(words) or text[: max(0, limit - 1)]) + "…"


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (pushed over a form, it leaves the form as it was)."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("Back", 24),
        "blocks": [_section_text(escaped_within(text, MAX_TEXT))],
    }


def lookup_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.LOOKUP_MODAL,
        "title": plain("Look up a trust", 24),
        "submit": plain("Show", 24),
        "close": plain("Close", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.LOOKUP_BLOCK,
                "label": plain("Organisation", 2000),
                "element": {
                    "type": "external_select",
                    "action_id": ids.ORGANISATION_SELECT,
                    "placeholder": plain("Name, ODS code or short name", 150),
                    "min_query_length": 2,
                },
            }
        ],
    }


def answer_modal(reply: Reply) -> dict[str, Any]:
    """A reply shown in a modal (from the Home tab's lookup); a modal holds at most 100 blocks."""
    return {
        "type": "modal",
        "callback_id": "lookup_answer",
        "title": plain("Oversight", 24),
        "close": plain("Close", 24),
        "blocks": [*reply_blocks(reply), *_context(reply, None)][:100],
    }


def home_view(recent: Reply, help_reply: Reply) -> dict[str, Any]:
    """The Home tab: a lookup button, the latest segment changes, help; at most 100 blocks."""
    blocks: list[Block] = [
        {"type": "header", "text": plain("NHS Oversight", MAX_HEADER)},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.HOME_LOOKUP,
                    "text": plain("Look up a trust", 75),
                    "style": "primary",
                },
                {"type": "button", "action_id": ids.HOME_CONCERN, "text": plain("Raise a concern", 75)},
            ],
        },
        {"type": "divider"},
        *reply_blocks(recent),
        {"type": "divider"},
        *reply_blocks(help_reply),
    ]
    return {"type": "home", "blocks": blocks[:100], "private_metadata": json.dumps({"v": 1})}
