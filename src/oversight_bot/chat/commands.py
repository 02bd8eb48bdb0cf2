"""The command grammar, shared by every platform: `segment`, `why`, `history`, `league`, `list`, `help`.

    segment <organisation>          where an organisation stands (also `/segment <organisation>`)
    why <organisation>              the steps behind its segment
    history <organisation>          its segment quarter by quarter
    league <acute|mh|ambulance> [region]
    list segment:N [region:R]
    help

Slash-prefixed forms work too (`/segment Leeds`, `/oversight why RWR`), as does a leading
mention (`@Oversight segment Leeds`), so that Slack, Teams and the console share one parser.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from oversight_bot.domain.organisations import TrustType

MAX_TEXT = 500  # Slack allows 4,000 characters in a command; nothing we answer needs more than this


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)


class GetSegment(Command):
    verb: Literal["segment"] = "segment"
    query: str = Field(min_length=1)


class ExplainSegment(Command):
    verb: Literal["why"] = "why"
    query: str = Field(min_length=1)


class ShowHistory(Command):
    verb: Literal["history"] = "history"
    query: str = Field(min_length=1)


class ShowLeague(Command):
    verb: Literal["league"] = "league"
    table: TrustType
    region: str | None = None
    page: int = Field(default=1, ge=1)


class ListSegment(Command):
    verb: Literal["list"] = "list"
    segment: int = Field(ge=1, le=5)
    region: str | None = None
    page: int = Field(default=1, ge=1)


class ShowHelp(Command):
    verb: Literal["help"] = "help"
    # Why help is shown when it was not asked for: an unknown verb, a missing argument.
    problem: str | None = None
    suggestion: str | None = None


ORGANISATION_VERBS = {"segment": GetSegment, "why": ExplainSegment, "history": ShowHistory}
PLATFORM_PREFIXES = ("oversight", "segment")
_MENTION = re.compile(r"^\s*(<at>[^<]*</at>|@\S+)\s*", re.IGNORECASE)
_OPTION = re.compile(r"\b(page|region|segment):\s*", re.IGNORECASE)


def parse_text(text: str) -> Command:
    """Turn what a user typed into a command; anything not understood becomes help with the reason."""
    words = _strip_prefixes(text[:MAX_TEXT])
    if not words:
        return ShowHelp()
    verb, rest = words[0].lower(), " ".join(words[1:])
    if verb in ORGANISATION_VERBS:
        if not rest:
            return ShowHelp(problem=f"`{verb}` needs an organisation: a name, an ODS code or an alias.")
        return ORGANISATION_VERBS[verb](query=rest)
    if verb == "league":
        return _league(rest)
    if verb == "list":
        return _list(rest)
    if verb == "help":
        return ShowHelp()
    return ShowHelp(problem=f"Unknown command: {words[0][:40]}", suggestion=f"segment {' '.join(words)[:100]}")


def parse_segment_command(text: str) -> Command:
    """`/segment` takes the organisation directly; `/segment why RWR` and `/segment help` work too."""
    words = text.split()
    if not words:
        return ShowHelp(problem="`/segment` needs an organisation: a name, an ODS code or an alias.")
    if words[0].lower() in ORGANISATION_VERBS or words[0].lower() in ("league", "list", "help"):
        return parse_text(text)
    return GetSegment(query=" ".join(words)[:MAX_TEXT])


def _strip_prefixes(text: str) -> list[str]:
    text = _MENTION.sub("", text.strip(), count=1)
    words = text.split()
    if words and words[0].startswith("/"):
        command = words[0][1:].lower()
        words = words[1:] if command == "oversight" else [command, *words[1:]]
    return words


def _options(text: str) -> tuple[dict[str, str], str]:
    """`key:value` options (a value runs to the next option) and the text before the first one."""
    parts = _OPTION.split(text)
    plain = parts[0].strip()
    options = {parts[i].lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return options, plain


def _page(options: dict[str, str]) -> int | None:
    value = options.get("page", "1")
    return int(value) if value.isdigit() and int(value) >= 1 else None


def _league(rest: str) -> Command:
    options, plain = _options(rest)
    words = plain.split()
    table = TrustType.from_short(words[0]) if words else None
    if table is None:
        return ShowHelp(problem="`league` needs a table: acute, mh or ambulance (e.g. `league mh London`).")
    page = _page(options)
    if page is None:
        return ShowHelp(problem="`page:` needs a whole number, like `page:2`.")
    region = options.get("region") or " ".join(words[1:]) or None
    return ShowLeague(table=table, region=region, page=page)


def _list(rest: str) -> Command:
    options, _ = _options(rest)
    segment = options.get("segment", "")
    if not segment.isdigit() or not 1 <= int(segment) <= 5:
        return ShowHelp(problem="`list` needs a segment from 1 to 5, like `list segment:4 region:London`.")
    page = _page(options)
    if page is None:
        return ShowHelp(problem="`page:` needs a whole number, like `page:2`.")
    return ListSegment(segment=int(segment), region=options.get("region") or None, page=page)


def command_text(command: Command) -> str:
    """The text that parses back to `command`: what a button runs, or a shared answer re-runs."""
    match command:
        case GetSegment(query=query) | ExplainSegment(query=query) | ShowHistory(query=query):
            return f"{command.verb} {query}"
        case ShowLeague(table=table, region=region, page=page):
            return " ".join(
                filter(None, ["league", table.short, f"region:{region}" if region else "", _page_text(page)])
            )
        case ListSegment(segment=segment, region=region, page=page):
            return " ".join(
                filter(None, [f"list segment:{segment}", f"region:{region}" if region else "", _page_text(page)])
            )
    return "help"


def _page_text(page: int) -> str:
    return f"page:{page}" if page > 1 else ""
