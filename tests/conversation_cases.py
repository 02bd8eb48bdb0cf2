"""One table of conversations, on the seeded data, that every platform's tests run.

Each case is what a user types and what the answer must contain: its kind, words in its text,
and the commands its buttons run. Slack, Teams and the console render differently, so the
expectations are about content a user would notice, not about layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from oversight_bot.chat.replies import ReplyKind


@dataclass(frozen=True)
class Case:
    text: str
    kind: ReplyKind
    says: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()  # commands that must be among the reply's buttons
    more: str | None = None  # the next page's command
    never_says: tuple[str, ...] = ()


CASES = [
    Case(
        "segment RWR",
        ReplyKind.ANSWER,
        says=(
            "Hertfordshire Partnership University NHS Foundation Trust (RWR)",
            "Segment 3 (underlying segment 1, held at 3 by the financial override)",
            "Q2 2025/26, NHS Oversight Framework 2025/26",
            "26th of 61 mental health and community trusts",
            "1.97",
            "Relative difference in costs (OF1086): 2.59",
            "Finance and productivity: segment 3",
            "segment 3 since Q1 2025/26",
            "published",
        ),
        buttons=("why RWR", "history RWR"),
    ),
    Case(
        "/segment Leeds Teaching",
        ReplyKind.ANSWER,
        says=("Leeds Teaching Hospitals NHS Trust (RR8)", "Q3 2025/26", "of 134 acute trusts"),
        buttons=("why RR8",),
    ),
    Case("segment uhs", ReplyKind.ANSWER, says=("University Hospital Southampton NHS Foundation Trust (RHM)",)),
    Case(
        "segment RW1",
        ReplyKind.ANSWER,
        says=("Segment 5 (Provider Improvement Programme; underlying segment 3)",),
    ),
    Case(
        "segment Leeds",
        ReplyKind.CHOICE,
        says=("Leeds Community Healthcare NHS Trust (RY6)", "Leeds and York Partnership NHS Foundation Trust (RGD)"),
        buttons=("segment RR8", "segment RY6", "segment RGD"),
    ),
    Case("segment Leeds Teching", ReplyKind.ANSWER, says=("(RR8)",)),
    Case(
        "segment Project Nightingale",
        ReplyKind.ANSWER,
        says=("Project Nightingale NHS Trust (R0C)", "No segment held.", "closed on 26 March 2020"),
    ),
    Case(
        "segment West Yorkshire ICB",
        ReplyKind.ANSWER,
        says=("(QWO)", "ICBs are not segmented under NOF 2025/26"),
    ),
    Case("segment xyzzy plugh", ReplyKind.NOT_FOUND, says=("No organisation matches", "xyzzy plugh")),
    Case(
        "segment <!channel>",
        ReplyKind.NOT_FOUND,
        says=("No organisation matches",),
    ),
    Case(
        "why RWR",
        ReplyKind.ANSWER,
        says=("Why Hertfordshire Partnership", "held at segment 3, not 1", "Ranked 26 of 61"),
        buttons=("history RWR",),
    ),
    Case(
        "history RM3",
        ReplyKind.ANSWER,
        says=(
            # Q3 from a secondary source, which did not publish segment 5; Q1 from NHS England's acute file.
            "Q3 2025/26: segment 4 (segment 5 not published; rank 115/134; secondary source), NHS Oversight",
            "Q1 2025/26: segment 4 (rank 116/134), NHS Oversight Framework 2025/26",
            "Q4 2022/23: segment 3 (decision; secondary source), NHS Oversight Framework 2022/23",
            "Sources: secondary source: larsen-analyst/trustpulse",
        ),
    ),
    Case(
        "league mh",
        ReplyKind.ANSWER,
        says=("League table: mental health and community trusts", "Q2 2025/26", "page 1 of 4", "1. "),
        more="league mh page:2",
    ),
    Case("league mh page:4", ReplyKind.ANSWER, says=("page 4 of 4", "61. ")),
    Case(
        "league acute North East and Yorkshire",
        ReplyKind.ANSWER,
        says=("League table: acute trusts, North East and Yorkshire", "Leeds Teaching Hospitals NHS Trust (RR8)"),
        never_says=("(RHM)",),
        more="league acute region:North East and Yorkshire page:2",
    ),
    Case("league ambulance", ReplyKind.ANSWER, says=("No league table held.",)),
    Case(
        "list segment:5",
        ReplyKind.ANSWER,
        says=("Segment 5: 2 organisation(s)", "(RW1)", "(RHA)"),
    ),
    Case("list segment:4 region:London", ReplyKind.ANSWER, says=("Segment 4 in London",), never_says=("(RHM)",)),
    Case("list segment:4 region:londn", ReplyKind.ANSWER, says=("Segment 4 in London",)),  # a typo, taken as meant
    Case(
        "league acute north east",
        ReplyKind.ANSWER,
        says=("League table: acute trusts, North East and Yorkshire",),
        more="league acute region:North East and Yorkshire page:2",
    ),
    Case(
        "league mh Atlantis",
        ReplyKind.ERROR,
        says=("No region is called Atlantis.", "London", "South West"),
        never_says=("No league table held",),
    ),
    Case("help", ReplyKind.HELP, says=("segment <organisation>", "league <acute|mh|ambulance> [region]")),
    Case("", ReplyKind.HELP, says=("why <organisation>",)),
    Case("help league", ReplyKind.HELP, says=("league <acute|mh|ambulance> [region]", "league mh London")),
    Case(
        "help segment",
        ReplyKind.HELP,
        says=("segment <organisation>", "segment 5 is for trusts in NHS England's Provider Improvement Programme"),
    ),
    # Not understood: the problem and the one usage line that helps, never the whole list again.
    Case("frobnicate", ReplyKind.ERROR, says=("Unknown command: frobnicate",), never_says=("segment frobnicate",)),
    Case("asdfghjkl", ReplyKind.ERROR, says=("Unknown command: asdfghjkl",), never_says=("Did you mean",)),
    Case("segmnet RWR", ReplyKind.ERROR, says=("Did you mean", "segment RWR"), buttons=("segment RWR",)),
    Case("Leeds Teaching", ReplyKind.ERROR, says=("Did you mean", "segment RR8"), buttons=("segment RR8",)),
    Case(
        "list segment:9",
        ReplyKind.ERROR,
        says=("needs a segment from 1 to 5", "Usage:", "list segment:N [region:R]"),
        never_says=("league <acute|mh|ambulance> [region]",),
    ),
    # Plain questions, as people ask them.
    Case("what segment is Leeds Teaching in?", ReplyKind.ANSWER, says=("Leeds Teaching Hospitals NHS Trust (RR8)",)),
    Case("segment rr8 please", ReplyKind.ANSWER, says=("Leeds Teaching Hospitals NHS Trust (RR8)",)),
    Case("why is RWR in segment 3?", ReplyKind.ANSWER, says=("Why Hertfordshire Partnership",)),
]
