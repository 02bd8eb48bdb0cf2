"""What each command is for and how it is typed: the `help` list, `help <command>` with examples, and
the one usage line shown when a command was not understood (rather than the whole list again).
The same words in Slack, Teams and the console."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from oversight_bot.chat.replies import Choice, Reply, ReplyKind, Section

FOOTNOTE = "Segments are NHS England's published results; anything derived here is labelled as derived."
TITLE = "Oversight bot: NHS Oversight Framework segments"


@dataclass(frozen=True, slots=True)
class Usage:
    verbs: tuple[str, ...]  # the command words this entry explains (the first is its name)
    form: str  # how it is typed
    purpose: str
    examples: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


USAGES = (
    Usage(
        ("segment",),
        "segment <organisation> [quarter]",
        "where it stands and why (a name, ODS code, alias or acronym); in a past quarter if one is named",
        ("segment Leeds Teaching", "segment RR8", "what segment is GOSH in?", "segment RR8 Q1 2025/26"),
        (
            "NOF 2025/26: segments 1 to 4 are the quartiles of trusts' average metric scores (1 the best quarter, "
            "4 the worst); a trust in financial deficit is at best segment 3; segment 5 is for trusts in NHS "
            "England's Provider Improvement Programme.",
            "Earlier frameworks judged segments: 1 no specific support needs, 2 the default, 3 mandated support, "
            "4 mandated intensive support (the Recovery Support Programme).",
        ),
    ),
    Usage(
        ("why",),
        "why <organisation> [quarter]",
        "the steps behind its segment, with every metric's score",
        ("why RWR", "why is RR8 in segment 3?", "why RWR Q1"),
    ),
    Usage(("history",), "history <organisation>", "its segment quarter by quarter", ("history Maudsley",)),
    Usage(
        ("metric", "metrics"),
        "metric <organisation> [metric] [quarter]",
        "its metrics against its peers (value, score, peer median and quartiles, rank), worst first, with a "
        "chart; or one metric quarter by quarter, with what it is and how it is scored",
        ("metric RR8", "metric Leeds Teaching cancer 62", "metric RR8 A&E 4 hour", "metric RWR OF1082"),
        (
            "A metric can be named by its ID (OF1011, or its value's OF0011) or by words from its name.",
            "Peer median, quartiles and rank are NHS England's, among trusts of the same type.",
        ),
    ),
    Usage(
        ("compare",),
        "compare <organisation>, <organisation> [...] [quarter]",
        "up to four side by side: segment, average, rank, domain segments and the metrics where they differ most",
        ("compare RR8, RHM", "compare Leeds Teaching vs Sheffield Teaching", "compare RWR RXG Q1"),
    ),
    Usage(
        ("trend",),
        "trend <organisation>",
        "average metric score, segment and rank quarter by quarter, with a chart",
        ("trend RWR", "trend Leeds Teaching"),
        (
            "A change is called significant only where NHS England's league tables give likely ranges for both "
            "quarters and they do not overlap; without them the bot does not judge.",
        ),
    ),
    Usage(
        ("league",),
        "league <acute|mh|ambulance> [region] [quarter]",
        "a league table, 20 to a page",
        ("league acute", "league mh London", "league acute region:North West page:2", "league acute Q1"),
        ("A quarter is written as NHS England writes it (Q1 2025/26), or as Q1 for the latest Q1 held.",),
    ),
    Usage(("list",), "list segment:N [region:R]", "every organisation in a segment", ("list segment:4 region:London",)),
    Usage(
        ("subscribe",),
        "subscribe <organisation | icb:NAME | region:NAME | all> [segment] [concerns] [min-segment:N] "
        "[worsened-only] [exclude:ORG]",
        "alerts in this channel",
        ("subscribe RR8", "subscribe region:London min-segment:3 worsened-only", "subscribe all concerns"),
    ),
    Usage(
        ("unsubscribe", "subscriptions"),
        "unsubscribe <target> [segment] [concerns]; subscriptions [all]",
        "change or list this channel's subscriptions",
        ("subscriptions", "unsubscribe RR8"),
    ),
    Usage(
        ("mute", "digest", "threading"),
        "mute 2h | mute off; digest daily 09:00 | digest off; threading on|off",
        "how alerts arrive in this channel",
        ("mute 3d", "digest daily 09:00", "threading on"),
    ),
    Usage(
        ("concern",),
        "concern [organisation]",
        "raise a concern (a form; openly, confidentially or anonymously)",
        ("concern", "concern RR8"),
    ),
    Usage(
        ("concerns", "view", "triage"),
        "concerns [organisation] [open|new|...]; view <reference>; triage <reference> <state> [outcome]",
        "for triagers: list, read (recorded) and move concerns",
        ("concerns open", "view C-2026-000123", "triage C-2026-000123 close <what was found and done>"),
    ),
    Usage(
        ("releases",),
        "releases",
        "for admins: NHS England's and ODS's publications watched, what was found, imported or refused",
        ("releases",),
        ("The worker checks them every OVERSIGHT_RELEASES_CHECK_HOURS hours; `oversight releases check` checks now.",),
    ),
    Usage(("help",), "help [command]", "this list, or one command with examples", ("help", "help league")),
)
BY_VERB = {verb: usage for usage in USAGES for verb in usage.verbs}
VERBS = tuple(BY_VERB)
HELP_LINES = tuple(f"`{usage.form}`: {usage.purpose}" for usage in USAGES)


def closest_verb(word: str) -> str | None:
    """The command a mistyped word was probably meant to be (`segmnet` -> `segment`)."""
    close = difflib.get_close_matches(word.lower(), VERBS, n=1, cutoff=0.75)
    return close[0] if close else None


def help_reply(problem: str | None = None, suggestion: str | None = None, about: str | None = None) -> Reply:
    """Every command; or, with `problem`, what went wrong and the one usage line that helps (the
    command `about`'s); or, with only `about`, that command in full, with examples."""
    if problem is not None:
        return _problem_reply(problem, suggestion, BY_VERB.get(about or ""))
    usage = BY_VERB.get(about or "")
    if usage is not None:
        return _command_reply(usage)
    return Reply(
        kind=ReplyKind.HELP,
        title=TITLE,
        summary="help",
        sections=(Section("Commands", HELP_LINES),),
        footnote=f"`help <command>` shows one command with examples. {FOOTNOTE}",
    )


def _problem_reply(problem: str, suggestion: str | None, usage: Usage | None) -> Reply:
    lines = [problem]
    if suggestion:
        lines.append(f"Did you mean `{suggestion}`?")
    if usage is not None:
        lines.append(f"Usage: `{usage.form}`")
    more = f"help {usage.verbs[0]}" if usage else "help"
    lines.append(f"Type `{more}` for {'examples' if usage else 'the commands'}.")
    return Reply(
        kind=ReplyKind.ERROR,
        title="Not understood",
        summary=problem,
        sections=(Section(lines=tuple(lines)),),
        choices=(Choice(f"Try: {suggestion}"[:75], suggestion),) if suggestion else (Choice("Help", more),),
    )


def _command_reply(usage: Usage) -> Reply:
    sections = [Section(lines=(f"`{usage.form}`", usage.purpose[:1].upper() + usage.purpose[1:] + ".", *usage.notes))]
    if usage.examples:
        sections.append(Section("Examples", tuple(f"`{example}`" for example in usage.examples)))
    return Reply(
        kind=ReplyKind.HELP,
        title=f"Help: {usage.verbs[0]}",
        summary=f"help {usage.verbs[0]}",
        sections=tuple(sections),
        footnote="`help` lists every command.",
    )
