"""Reply view models: what to say, in plain text, laid out by each platform's renderer.

Text here carries no platform markup. The conventions are a backtick span for a command the user
can type (`segment RWR`), shown as code, and `mention(user_id)` for a person. Every renderer escapes every string,
so text a user typed can never become a mention, a link or a broadcast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# A person, named in reply text by their platform id between two private-use characters, which
# user input can never carry (the parser strips them). Renderers turn it into a real mention.
MENTION = re.compile("\ue000([A-Za-z0-9:_-]{2,64})\ue001")


def mention(user_id: str) -> str:
    return f"\ue000{user_id}\ue001"


def without_mention_marks(text: str) -> str:
    """User text with the marks removed, so that only the chat layer can make a mention."""
    return text.replace("\ue000", "").replace("\ue001", "")


class ReplyKind(StrEnum):
    ANSWER = "answer"
    CHOICE = "choice"  # which organisation did you mean?
    NOT_FOUND = "not_found"
    HELP = "help"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None = None
    lines: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: its label, and the command it runs as if the user had typed it."""

    label: str
    command: str


class ChartKind(StrEnum):
    LINE = "line"  # quarters along the bottom, a line per series
    BARS = "bars"  # one bar per category (metrics), drawn across


class SeriesRole(StrEnum):
    """What a series is, so that every renderer tells them apart by more than colour."""

    SUBJECT = "subject"  # the organisation asked about
    PEERS = "peers"  # its peers' median, with their quartiles as the range
    ALL = "all"  # a mean over every trust held


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    role: SeriesRole
    points: tuple[float | None, ...]  # one per category; None where nothing is held
    # A range around each point (a likely range, the peers' quartiles); None where none is held.
    low: tuple[float | None, ...] = ()
    high: tuple[float | None, ...] = ()
    notes: tuple[str, ...] = ()  # a word beside each point ("segment 3"); none, or one per point


@dataclass(frozen=True, slots=True)
class Chart:
    """A picture of figures the reply's text also gives: the data, not the drawing. Renderers
    draw it (a PNG, a sparkline); `key` names this data version's chart, for their caches."""

    key: str
    kind: ChartKind
    title: str
    categories: tuple[str, ...]  # the x axis (quarters) or the bars (metrics)
    series: tuple[Series, ...]
    value_label: str  # the value axis, with its units
    category_label: str
    alt_text: str  # the figures in a sentence, for screen readers
    source: str  # drawn under the chart
    lower_is_better: bool = False  # scores: 1 is best, so the axis runs from 4 up to 1


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    title: str
    # One line that stands for the whole reply: notifications, fallbacks, logs of what was sent.
    summary: str
    sections: tuple[Section, ...] = ()
    choices: tuple[Choice, ...] = ()
    more: Choice | None = None  # the next page of a long list
    footnote: str | None = None
    segment: int | None = None  # lets renderers colour an answer by segment
    # Worth sharing with a channel (an answer about data), as opposed to help or an error.
    shareable: bool = False
    # Said in the channel for all to see: a confirmation that the channel's settings changed.
    public: bool = False
    # For the asker's eyes only (concerns): never posted where others can read it. Slack answers
    # privately anyway; Teams, which has no private answers in a channel, sends it to a personal chat only.
    confidential: bool = False
    chart: Chart | None = None  # a picture of the figures above, where people would rather look than read
