"""Reply view models: what to say, in plain text, laid out by each platform's renderer.

Text here carries no platform markup. The one convention is a backtick span for a command the
user can type (`segment RWR`); renderers show it as code. Every renderer escapes every string,
so text a user typed can never become a mention, a link or a broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
