"""The command grammar, shared by every platform: `segment`, `why`, `history`, `metric`, `compare`,
`trend`, `league`, `list`, `help`, and the subscription and concern commands.

    segment <organisation> [quarter]     where an organisation stands (also `/segment <organisation>`)
    why <organisation> [quarter]         the steps behind its segment
    history <organisation>               its segment quarter by quarter
    metric <organisation> [metric] [quarter]   its metrics against its peers, or one metric over time
    compare <organisation>, <organisation> [...] [quarter]
    trend <organisation>                 average metric score, segment and rank quarter by quarter
    league <acute|mh|ambulance> [region] [quarter]
    list segment:N [region:R]
    help [command]

A quarter is written as NHS England writes it, "Q1 2025/26", or as "Q1" for the latest Q1 held.

Slash-prefixed forms work too (`/segment Leeds`, `/oversight why RWR`), as does a leading
mention (`@Oversight segment Leeds`), so that Slack, Teams and the console share one parser.
So do plain questions about an organisation ("what segment is Leeds Teaching in?", "segment rr8
please", "why is RWR in segment 3?"): see `QUESTIONS`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from oversight_bot.chat.replies import without_mention_marks
from oversight_bot.domain.organisations import TrustType

MAX_TEXT = 500  # Slack allows 4,000 characters in a command; nothing we answer needs more than this
MAX_MUTE_MINUTES = 30 * 24 * 60
EVENT_WORDS = ("segment", "concerns")
# Private-use characters that mark a mention in reply text (see replies.mention); never accepted from users.


class Command(BaseModel):
    # Each command's validator is built when that command is first made, not when this module is
    # imported: a command-line answer makes one command of twenty (docs/benchmarks.md, "Start-up").
    model_config = ConfigDict(frozen=True, defer_build=True)


# A quarter as typed at the end of a command: "Q1 2025/26", or "Q1" (the latest Q1 held).
QUARTER_PATTERN = r"^Q[1-4]( \d{4}/\d{2})?$"


class GetSegment(Command):
    verb: Literal["segment"] = "segment"
    query: str = Field(min_length=1)
    quarter: str | None = Field(default=None, pattern=QUARTER_PATTERN)
    page: int = Field(default=1, ge=1)  # of the organisations to choose from, when several fit


class ExplainSegment(Command):
    verb: Literal["why"] = "why"
    query: str = Field(min_length=1)
    quarter: str | None = Field(default=None, pattern=QUARTER_PATTERN)
    page: int = Field(default=1, ge=1)  # of the organisations to choose from, when several fit


class ShowMetrics(Command):
    """`metric <organisation> [metric]`: the organisation's words come first and the metric's after;
    where one ends is found when answering (it takes looking the organisation up)."""

    verb: Literal["metric"] = "metric"
    query: str = Field(min_length=1)
    quarter: str | None = Field(default=None, pattern=QUARTER_PATTERN)


class CompareOrganisations(Command):
    """`compare <organisation>, <organisation> [...]`: split into organisations when answering."""

    verb: Literal["compare"] = "compare"
    query: str = Field(min_length=1)
    quarter: str | None = Field(default=None, pattern=QUARTER_PATTERN)


class ShowTrend(Command):
    verb: Literal["trend"] = "trend"
    query: str = Field(min_length=1)
    page: int = Field(default=1, ge=1)  # of the organisations to choose from, when several fit


class ShowHistory(Command):
    verb: Literal["history"] = "history"
    query: str = Field(min_length=1)
    page: int = Field(default=1, ge=1)  # of the organisations to choose from, when several fit


class ShowLeague(Command):
    verb: Literal["league"] = "league"
    table: TrustType
    region: str | None = None
    page: int = Field(default=1, ge=1)
    quarter: str | None = Field(default=None, pattern=QUARTER_PATTERN)


class ListSegment(Command):
    verb: Literal["list"] = "list"
    segment: int = Field(ge=1, le=5)
    region: str | None = None
    page: int = Field(default=1, ge=1)


class Subscribe(Command):
    verb: Literal["subscribe"] = "subscribe"
    target: str = Field(min_length=1)  # all | icb:<code or name> | region:<name> | an organisation
    events: tuple[str, ...] = ()  # "segment", "concerns"; none named means the defaults
    min_segment: int | None = Field(default=None, ge=1, le=5)
    worsened_only: bool = False
    exclude: tuple[str, ...] = ()


class Unsubscribe(Command):
    verb: Literal["unsubscribe"] = "unsubscribe"
    target: str = Field(min_length=1)
    events: tuple[str, ...] = ()


class ListSubscriptions(Command):
    verb: Literal["subscriptions"] = "subscriptions"
    everywhere: bool = False  # `subscriptions all`: every channel's (admins)


class Mute(Command):
    verb: Literal["mute"] = "mute"
    minutes: int = Field(ge=0, le=MAX_MUTE_MINUTES)  # 0 ends a mute


class SetDigest(Command):
    verb: Literal["digest"] = "digest"
    at: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # None turns it off


class SetThreading(Command):
    verb: Literal["threading"] = "threading"
    on: bool


class StartConcern(Command):
    """Open the concern form (a Slack modal, a Teams card, console prompts), perhaps with the
    organisation filled in."""

    verb: Literal["concern"] = "concern"
    query: str = ""


class ConcernHelp(Command):
    """`concern help`: what the form asks and where its words go, without opening it."""

    verb: Literal["concern help"] = "concern help"


class ListConcerns(Command):
    verb: Literal["concerns"] = "concerns"
    query: str = ""  # an organisation, or nothing for all
    status: str | None = None  # a Status value, or "open" (anything not closed)


class ViewConcern(Command):
    verb: Literal["view"] = "view"
    reference: str = Field(pattern=r"^C-\d{4}-\d{6}$")


class TriageConcern(Command):
    verb: Literal["triage"] = "triage"
    reference: str = Field(pattern=r"^C-\d{4}-\d{6}$")
    to: str  # a Status value
    outcome: str | None = Field(default=None, max_length=2000)


class ShowReleases(Command):
    """`releases`: every release source, what was found, imported or refused (admins)."""

    verb: Literal["releases"] = "releases"


class ShowHelp(Command):
    verb: Literal["help"] = "help"
    # Why help is shown when it was not asked for: an unknown verb, a missing argument.
    problem: str | None = None
    suggestion: str | None = None
    about: str | None = None  # the command asked about (`help league`), or whose usage the problem needs
    # Words that were not a command but may name an organisation: `segment <it>` is suggested if so.
    organisation: str | None = None


ORGANISATION_VERBS: dict[str, type[GetSegment | ExplainSegment | ShowHistory | ShowMetrics | ShowTrend]] = {
    "segment": GetSegment,
    "why": ExplainSegment,
    "history": ShowHistory,
    "metric": ShowMetrics,
    "metrics": ShowMetrics,
    "trend": ShowTrend,
}
AT_A_QUARTER = (GetSegment, ExplainSegment, ShowMetrics)  # may end with a quarter
# "Q1", "Q1 2025/26", "Q1 2025-26", "Q1 25/26", "Q1 2025/2026", perhaps after "in" or "for".
_QUARTER = re.compile(
    r"(?:^|\s)(?:(?:in|for|at)\s+)?Q([1-4])(?:\s+(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4}))?\s*$", re.IGNORECASE
)
_MENTION = re.compile(r"^\s*(<at>[^<]*</at>|@\S+)\s*", re.IGNORECASE)
_OPTION = re.compile(r"\b(page|region|segment):\s*", re.IGNORECASE)


def parse_text(text: str) -> Command:
    """Turn what a user typed into a command; anything not understood becomes help with the reason."""
    words = _plainly(_strip_prefixes(text[:MAX_TEXT]))
    if not words:
        return ShowHelp()
    question = _question(words)
    if question is not None:
        return question
    verb, rest = words[0].lower(), " ".join(words[1:])
    if verb in ORGANISATION_VERBS:
        return _about_organisation(verb, rest)
    if verb == "help":
        return _help(rest)
    parse = {
        "league": _league,
        "list": _list,
        "compare": _compare,
        "releases": _releases,
        **SUBSCRIPTION_VERBS,
        **CONCERN_VERBS,
    }.get(verb)
    if parse is None:
        return _unknown(words)
    return _with_usage(parse(rest), verb)


def _about_organisation(verb: str, rest: str) -> Command:
    """`segment RR8`, `why RWR Q2`, `metric Leeds Teaching cancer 62`, `trend RWR`, and `page:N` of the
    organisations to choose from when several fit."""
    kind = ORGANISATION_VERBS[verb]
    name = "metric" if kind is ShowMetrics else verb
    rest, page = _page_at_end(rest)
    if page is None:
        return ShowHelp(problem="`page:` needs a whole number, like `page:2`.", about=name)
    quarter, problem = None, None
    if kind in AT_A_QUARTER:
        rest, quarter, problem = quarter_at_end(rest)
    if problem:
        return ShowHelp(problem=problem, about=name)
    if not rest:
        return ShowHelp(problem=f"`{name}` needs an organisation: a name, an ODS code or an alias.", about=name)
    fields: dict[str, object] = {"query": rest}
    if quarter is not None:
        fields["quarter"] = quarter
    if "page" in kind.model_fields:
        fields["page"] = page
    return kind.model_validate(fields)


def _page_at_end(text: str) -> tuple[str, int | None]:
    """The text without a trailing `page:N`, and N (1 without one; None when N is no whole number)."""
    padded = f" {text}"
    if " page:" not in padded.lower():
        return text.strip(), 1
    cut = padded.lower().rindex(" page:")
    page = padded[cut + len(" page:") :].strip()
    return padded[:cut].strip(), int(page) if page.isdigit() and int(page) >= 1 else None


def quarter_at_end(text: str) -> tuple[str, str | None, str | None]:
    """The text without a quarter at its end, the quarter as NHS England writes it ("Q1 2025/26",
    or "Q1" for the latest Q1 held), and what is wrong with it if it is no quarter."""
    match = _QUARTER.search(text)
    if match is None:
        return text.strip(), None, None
    number, first, second = match.groups()
    rest = text[: match.start()].strip()
    if first is None:
        return rest, f"Q{number}", None
    start = int(first) if len(first) == 4 else 2000 + int(first)
    end = int(second) % 100
    if (start + 1) % 100 != end:
        return rest, None, f"{match.group(0).strip()} is not a quarter: write it as NHS England does, like Q1 2025/26."
    return rest, f"Q{number} {start}/{end:02d}", None


def _compare(rest: str) -> Command:
    rest, quarter, problem = quarter_at_end(rest)
    if problem:
        return ShowHelp(problem=problem)
    if len(rest.split()) < 2:
        return ShowHelp(problem="`compare` needs two to four organisations, like `compare RR8, RHM`.")
    return CompareOrganisations(query=rest, quarter=quarter)


def _with_usage(command: Command, verb: str) -> Command:
    """A command word with arguments not understood: its help shows that command's usage line."""
    if isinstance(command, ShowHelp) and command.problem and command.about is None:
        return command.model_copy(update={"about": verb})
    return command


def parse_segment_command(text: str) -> Command:
    """`/segment` takes the organisation directly; `/segment why RWR` and `/segment help` work too."""
    words = _plainly(without_mention_marks(text).split())  # user text never carries the chat layer's mention marks
    if not words:
        return ShowHelp(problem="`/segment` needs an organisation: a name, an ODS code or an alias.", about="segment")
    if words[0].lower() in ORGANISATION_VERBS or words[0].lower() in ("league", "list", "compare", "help"):
        return parse_text(text)
    return _question(words) or _about_organisation("segment", " ".join(words)[:MAX_TEXT])


def _help(rest: str) -> ShowHelp:
    """`help`, or `help <command>`: that command with examples."""
    from oversight_bot.chat.help import BY_VERB, closest_verb

    word = rest.strip().lower().split()[0] if rest.strip() else ""
    if not word or word in BY_VERB:
        return ShowHelp(about=word or None)
    close = closest_verb(word)
    return ShowHelp(problem=f"There is no command called {word[:40]}.", suggestion=f"help {close}" if close else None)


def _unknown(words: list[str]) -> ShowHelp:
    """Not a command: a mistyped one (`segmnet RR8`), or perhaps an organisation named alone."""
    from oversight_bot.chat.help import closest_verb

    close = closest_verb(words[0])
    suggestion = " ".join([close, *words[1:]])[:100] if close else None
    text = " ".join(words)[:100]
    return ShowHelp(problem=f"Unknown command: {words[0][:40]}", suggestion=suggestion, organisation=text)


# Plain questions about an organisation, as people type them to a bot. Each pattern's `org` group is
# the organisation; politeness ("please", "thanks", "can you tell me") is removed first (`_plainly`).
QUESTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), verb)
    for pattern, verb in (
        (
            r"^(?:what|which)(?:'s| is)? (?:the )?segment (?:is|are|for|of|does) (?P<org>.+?)(?: (?:in|sit in|have))?$",
            "segment",
        ),
        (r"^(?:what|which) segment (?:is|are) (?P<org>.+?) in$", "segment"),
        (r"^what(?:'s| is) (?P<org>.+?)['’]s? segment$", "segment"),
        (r"^(?:the )?(?:segment|seg) (?:for|of) (?P<org>.+)$", "segment"),
        (r"^where (?:does|do|is) (?P<org>.+?) (?:stand|sit|rank)$", "segment"),
        (r"^how is (?P<org>.+?) doing$", "segment"),
        (r"^why (?:is|was|are) (?P<org>.+?) (?:in )?segment \d$", "why"),
        (r"^why (?:is|was|are) (?P<org>.+?) (?:in|where it is)$", "why"),
        (r"^why (?:for|of) (?P<org>.+)$", "why"),
        (r"^(?:segment )?history (?:of|for) (?P<org>.+)$", "history"),
        (r"^how has (?P<org>.+?) (?:changed|moved)(?: over time)?$", "history"),
    )
)
_POLITE_ENDS = ("please", "pls", "plz", "thanks", "thank you", "thx", "cheers", "ta")
_POLITE_STARTS = (
    "please", "hi", "hello", "hey", "can you tell me", "could you tell me", "can you show me", "could you show me",
    "can you", "could you", "would you", "tell me", "show me", "give me", "i'd like", "i want", "look up",
)  # fmt: skip


# Commands whose words after the verb are the user's own text, kept exactly as typed.
_OWN_WORDS = ("triage", "concern")


def _plainly(words: list[str]) -> list[str]:
    """The words without what only makes them polite or a question: leading greetings and requests,
    trailing "please" and "thanks", and the closing question mark or full stop (not after a verb
    whose words are the user's own, such as a triage outcome)."""
    text = _without(" ".join(words).strip(), _POLITE_STARTS, at_start=True)
    if text.split()[:1] and text.split()[0].lower() in _OWN_WORDS:
        return text.split()
    return _without(text.rstrip("?!. "), _POLITE_ENDS, at_start=False).rstrip("?!. ,").split()


def _without(text: str, phrases: tuple[str, ...], *, at_start: bool) -> str:
    """`text` with any of `phrases` removed from its start (or end), repeatedly ("hi, can you ...")."""
    changed = True
    while changed and text:
        changed = False
        lowered = text.lower()
        for phrase in phrases:
            if at_start and lowered.startswith((phrase + " ", phrase + ",")):
                text, changed = text[len(phrase) + 1 :].lstrip(" ,"), True
            elif not at_start and lowered.endswith((" " + phrase, "," + phrase)):
                text, changed = text[: -len(phrase) - 1].rstrip(" ,?!."), True
            if changed:
                break
    return text


def _question(words: list[str]) -> Command | None:
    text = " ".join(words)
    for pattern, verb in QUESTIONS:
        match = pattern.match(text)
        if match and match["org"].strip():
            return ORGANISATION_VERBS[verb](query=match["org"].strip()[:MAX_TEXT])
    return None


def _strip_prefixes(text: str) -> list[str]:
    text = without_mention_marks(text)
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
    rest, quarter, problem = quarter_at_end(rest)
    if problem:
        return ShowHelp(problem=problem)
    options, plain = _options(rest)
    words = plain.split()
    table = TrustType.from_short(words[0]) if words else None
    if table is None:
        return ShowHelp(problem="`league` needs a table: acute, mh or ambulance (e.g. `league mh London`).")
    page = _page(options)
    if page is None:
        return ShowHelp(problem="`page:` needs a whole number, like `page:2`.")
    region = options.get("region") or " ".join(words[1:]) or None
    return ShowLeague(table=table, region=region, page=page, quarter=quarter)


def _list(rest: str) -> Command:
    options, _ = _options(rest)
    segment = options.get("segment", "")
    if not segment.isdigit() or not 1 <= int(segment) <= 5:
        return ShowHelp(problem="`list` needs a segment from 1 to 5, like `list segment:4 region:London`.")
    page = _page(options)
    if page is None:
        return ShowHelp(problem="`page:` needs a whole number, like `page:2`.")
    return ListSegment(segment=int(segment), region=options.get("region") or None, page=page)


def _releases(rest: str) -> Command:
    if rest.strip():
        return ShowHelp(problem="`releases` takes nothing after it: it lists every release source.")
    return ShowReleases()


def command_text(command: Command) -> str:
    """The text that parses back to `command`: what a button runs, or a shared answer re-runs."""
    match command:
        case (
            GetSegment(query=query, quarter=quarter, page=page)
            | ExplainSegment(query=query, quarter=quarter, page=page)
        ):
            return " ".join(filter(None, [command.verb, query, quarter, _page_text(page)]))
        case ShowMetrics(query=query, quarter=quarter) | CompareOrganisations(query=query, quarter=quarter):
            return " ".join(filter(None, [command.verb, query, quarter]))
        case ShowHistory(query=query, page=page):
            return " ".join(filter(None, [command.verb, query, _page_text(page)]))
        case ShowTrend(query=query, page=page):
            return " ".join(filter(None, [command.verb, query, _page_text(page)]))
        case ShowLeague(table=table, region=region, page=page, quarter=quarter):
            words = ["league", table.short, f"region:{region}" if region else "", _page_text(page), quarter or ""]
            return " ".join(filter(None, words))
        case ListSegment(segment=segment, region=region, page=page):
            return " ".join(
                filter(None, [f"list segment:{segment}", f"region:{region}" if region else "", _page_text(page)])
            )
        case ListSubscriptions(everywhere=everywhere):
            return "subscriptions all" if everywhere else "subscriptions"
        case Subscribe(target=target, events=events, min_segment=min_segment, worsened_only=worsened, exclude=exclude):
            options = [
                *events,
                f"min-segment:{min_segment}" if min_segment else "",
                "worsened-only" if worsened else "",
            ]
            return " ".join(filter(None, ["subscribe", target, *options, *(f"exclude:{name}" for name in exclude)]))
        case Unsubscribe(target=target, events=events):
            return " ".join(["unsubscribe", target, *events])
        case ListConcerns(query=query, status=status):
            return " ".join(filter(None, ["concerns", query, status or ""]))
    return "help"


def _page_text(page: int) -> str:
    return f"page:{page}" if page > 1 else ""


_SUBSCRIBE_OPTION = re.compile(r"^(segment|concerns|worsened-only|min-segment:\S*|exclude:.*)$", re.IGNORECASE)


def _subscription_words(rest: str) -> tuple[str, list[str]]:
    """The target (every word before the first option) and the options after it."""
    words = rest.split()
    for index, word in enumerate(words):
        if _SUBSCRIBE_OPTION.match(word) and index > 0:
            return " ".join(words[:index]), words[index:]
    return " ".join(words), []


def _subscribe(rest: str) -> Command:
    target, options = _subscription_words(rest)
    if not target:
        return ShowHelp(problem="`subscribe` needs a target: an organisation, icb:<name>, region:<name> or all.")
    if target.lower().startswith("all "):
        return ShowHelp(problem=f"`subscribe` does not know {target.split()[1][:40]}; see `help`.")
    events: list[str] = []
    min_segment, worsened = None, False
    excluded: list[list[str]] = []
    for word in options:
        lowered = word.lower()
        if not _SUBSCRIBE_OPTION.match(word) and excluded:
            excluded[-1].append(word)  # more words of a multi-word `exclude:` name
        elif lowered in EVENT_WORDS:
            events.append(lowered)
        elif lowered == "worsened-only":
            worsened = True
        elif lowered.startswith("min-segment:"):
            value = lowered.removeprefix("min-segment:")
            if not value.isdigit() or not 1 <= int(value) <= 5:
                return ShowHelp(problem="`min-segment:` needs a segment from 1 to 5, like `min-segment:3`.")
            min_segment = int(value)
        elif lowered.startswith("exclude:"):
            excluded.append([word[len("exclude:") :]])
        else:
            return ShowHelp(problem=f"`subscribe` does not know {word[:40]}; see `help`.")
    names = tuple(" ".join(name).strip() for name in excluded)
    if any(not name for name in names):
        return ShowHelp(problem="`exclude:` needs an organisation, like `exclude:RWR`.")
    return Subscribe(
        target=target,
        events=tuple(dict.fromkeys(events)),
        min_segment=min_segment,
        worsened_only=worsened,
        exclude=names,
    )


def _unsubscribe(rest: str) -> Command:
    target, options = _subscription_words(rest)
    if not target:
        return ShowHelp(problem="`unsubscribe` needs the target it was subscribed with, as `subscriptions` lists it.")
    unknown = [word for word in options if word.lower() not in EVENT_WORDS]
    if unknown:
        return ShowHelp(
            problem=f"`unsubscribe` takes a target and, optionally, segment or concerns; not {unknown[0][:40]}."
        )
    return Unsubscribe(target=target, events=tuple(dict.fromkeys(w.lower() for w in options)))


def _list_subscriptions(rest: str) -> Command:
    word = rest.strip().lower()
    if word not in ("", "all"):
        return ShowHelp(problem="`subscriptions` lists this channel's; `subscriptions all` lists every channel's.")
    return ListSubscriptions(everywhere=word == "all")


_DURATION = re.compile(r"^(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


def _mute(rest: str) -> Command:
    text = rest.strip().lower()
    if text in ("off", "0", "end", "stop"):
        return Mute(minutes=0)
    match = _DURATION.match(text)
    minutes = int(match[1]) * _UNIT_MINUTES[match[2][0].lower()] if match else 0
    if not match or not 0 < minutes <= MAX_MUTE_MINUTES:
        return ShowHelp(problem="`mute` needs a duration up to 30 days, like `mute 2h`, `mute 3d`, or `mute off`.")
    return Mute(minutes=minutes)


def _digest(rest: str) -> Command:
    words = rest.lower().split()
    if words == ["off"]:
        return SetDigest(at=None)
    if len(words) == 2 and words[0] == "daily" and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", words[1]):
        return SetDigest(at=words[1])
    return ShowHelp(problem="`digest` takes `daily HH:MM` (UK time, like `digest daily 09:00`) or `off`.")


def _threading(rest: str) -> Command:
    word = rest.strip().lower()
    if word not in ("on", "off"):
        return ShowHelp(problem="`threading` takes `on` or `off`.")
    return SetThreading(on=word == "on")


SUBSCRIPTION_VERBS = {
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "subscriptions": _list_subscriptions,
    "mute": _mute,
    "digest": _digest,
    "threading": _threading,
}


_REFERENCE = re.compile(r"^C-\d{4}-\d{6}$", re.IGNORECASE)
_STATUS_WORDS = {
    "new": "new",
    "open": "open",
    "acknowledge": "acknowledged",
    "acknowledged": "acknowledged",
    "investigate": "investigating",
    "investigating": "investigating",
    "escalate": "escalated",
    "escalated": "escalated",
    "close": "closed",
    "closed": "closed",
}


def _start_concern(rest: str) -> Command:
    if rest.strip().lower() in ("help", "?"):
        return ConcernHelp()
    return StartConcern(query=rest.strip()[:200])


def _list_concerns(rest: str) -> Command:
    words = rest.split()
    status = None
    if words and (words[-1].lower().removeprefix("status:") in _STATUS_WORDS):
        status = _STATUS_WORDS[words.pop().lower().removeprefix("status:")]
    return ListConcerns(query=" ".join(words), status=status)


def _view_concern(rest: str) -> Command:
    reference = rest.strip().upper()
    if not _REFERENCE.match(reference):
        return ShowHelp(problem="`view` needs a concern's reference: `view <reference>`, as `concerns` lists them.")
    return ViewConcern(reference=reference)


def _triage(rest: str) -> Command:
    words = rest.split()
    if len(words) < 2 or not _REFERENCE.match(words[0]) or words[1].lower() not in _STATUS_WORDS:
        return ShowHelp(
            problem="`triage` takes a reference and a state: acknowledge, investigate, escalate or close <outcome>."
        )
    to = _STATUS_WORDS[words[1].lower()]
    outcome = " ".join(words[2:]).strip() or None
    if to in ("new", "open"):
        return ShowHelp(
            problem="A concern cannot be made new again; its states are acknowledged, investigating, escalated, closed."
        )
    return TriageConcern(reference=words[0].upper(), to=to, outcome=(outcome or "")[:2000] or None)


CONCERN_VERBS = {"concern": _start_concern, "concerns": _list_concerns, "view": _view_concern, "triage": _triage}
