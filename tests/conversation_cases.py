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
        never_says=("is a name people use",),  # the words of its own name need no explaining
    ),
    Case(
        "segment uhs",
        ReplyKind.ANSWER,
        says=("University Hospital Southampton NHS Foundation Trust (RHM)", "“uhs” is a name people use for it"),
    ),
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
    Case(
        "segment Leeds Teching",
        ReplyKind.ANSWER,
        says=("(RR8)", "No organisation's name has the words “Leeds Teching”; this is the one they most nearly spell"),
    ),
    Case(
        "segment Birmingham",  # every organisation named for the place, the closed one last
        ReplyKind.CHOICE,
        says=(
            "University Hospitals Birmingham NHS Foundation Trust (RRK)",
            "Birmingham Women's NHS Foundation Trust (RLU) (closed)",
        ),
        buttons=("segment RRK", "segment RXT", "segment RLU"),
    ),
    Case(
        "segment London",
        ReplyKind.CHOICE,
        says=("21 organisations fit; page 1 of 3", "London Ambulance Service NHS Trust (RRU)"),
        more="segment London page:2",
    ),
    Case("why London page:3", ReplyKind.CHOICE, says=("page 3 of 3", "(closed)"), buttons=("why RYQ",)),
    Case("segment hi", ReplyKind.NOT_FOUND, says=("too short to look up",), never_says=("Hillingdon", "(RAS)")),
    Case("segment NHS trust", ReplyKind.NOT_FOUND, says=("too common to tell organisations apart",)),
    Case(
        "segment Foo General Hospital",
        ReplyKind.NOT_FOUND,
        says=("No organisation's name has the word \u201cfoo\u201d",),
        never_says=("Kettering", "Northampton"),
    ),
    Case("segment Salford Royal", ReplyKind.ANSWER, says=("Northern Care Alliance NHS Foundation Trust (RM3)",)),
    Case("segment Mid Staffs", ReplyKind.ANSWER, says=("Mid Staffordshire NHS Foundation Trust (RJD)", "closed")),
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
    # A trust's metrics against its peers (issue 16): NHS England's own peer figures, acute Q1.
    Case(
        "metric RR8",
        ReplyKind.ANSWER,
        says=(
            "Metrics: Leeds Teaching Hospitals NHS Trust (RR8)",
            "Q1 2025/26: 21 scored metrics, by domain, worst first.",
            "Access to services: domain score 2.80, segment 3",
            "Percentage of patients treated for cancer within 62 days of referral (OF1011): score 3.72; "
            "value 58.86%, Q1 2025/26, peer median 71.12%, quartiles 64.04% to 75.7%, rank 106 of 118",
            "Number of MRSA infections (OF1020): score 3.65, counts one third in the average",
            "Source: NHS England, nof-acute-2025-26-q1.csv, published September 2025; Q1 2025/26.",
        ),
        buttons=("trend RR8", "metric RR8 OF1041"),
    ),
    Case(
        "metric Leeds Teaching cancer 62",
        ReplyKind.ANSWER,
        says=(
            "Percentage of patients treated for cancer within 62 days of referral (OF1011): Leeds Teaching",
            "In NHS England's file, higher values rank better.",
            "It counts once in the average metric score.",
            "Q1 2025/26: score 3.72; value 58.86%",
        ),
        buttons=("metric RR8",),
    ),
    Case("metric RR8 A&E 4 hour", ReplyKind.ANSWER, says=("(OF1013)", "rank 57 of 123")),
    Case(
        "metric RWR sickness",
        ReplyKind.ANSWER,
        says=(
            "Sickness absence rate (OF1082): Hertfordshire Partnership",
            "lower values rank better",
            "Q1 2025/26: score 1.69; value 4.68%, Q4 2024-25, peer median 5.65%, quartiles 5.01% to 6.26%, "
            "rank 8 of 61",
            "Q2 2025/26: score 1.71; value 4.26%, Q1 2025/26, peer median 5.1%, quartiles 4.7% to 5.8%, rank 7 of 61",
        ),
    ),
    Case(
        "metric RR8 staff survey",
        ReplyKind.CHOICE,
        says=("NHS Staff survey - raising concerns sub-score (OF1061)",),
        buttons=("metric RR8 OF1061", "metric RR8 OF1084"),
    ),
    Case("metric RR8 frobnitz", ReplyKind.NOT_FOUND, says=("No metric held matches",), buttons=("metric RR8",)),
    Case(
        "trend RWR",
        ReplyKind.ANSWER,
        says=(
            "Q1 2025/26: average 2.13",
            "Q2 2025/26: average 1.97 (0.16 better than Q1 2025/26: significance not judged",
            "26th of 61 mental health and community trusts",
            "Finance and productivity: Q1 2025/26 2.98 (4), Q2 2025/26 2.29 (3)",
            "Q1 2025/26: 2.34, the mean of the 195 trusts' averages held (134 acute trusts, 61 mental health and "
            "community trusts), not NHS England's national figure",
            "No likely ranges are loaded",
        ),
        buttons=("metric RWR",),
    ),
    Case(
        "trend Leeds Teaching",
        ReplyKind.ANSWER,
        says=("Q1 2025/26: average 2.57", "Q3 2025/26: average 2.56", "secondary source"),
    ),
    Case(
        "compare RR8, RHM",
        ReplyKind.ANSWER,
        says=(
            "Compared: RR8, RHM",
            "ranked 88th of 134 acute trusts",
            "Percentage of patients treated for cancer within 62 days of referral (OF1011): RR8 3.72, RHM 2.07",
            "secondary source: larsen-analyst/trustpulse",  # the Q3 segments
            "NHS England, nof-acute-2025-26-q1.csv, published September 2025",  # the Q1 metric scores
        ),
        never_says=("not in the same league table",),
        buttons=("metric RR8", "metric RHM"),
    ),
    Case("compare RWR vs Leeds Teaching", ReplyKind.ANSWER, says=("not in the same league table",)),
    Case("compare RR8 RHM RJ1 RWR RXG", ReplyKind.ERROR, says=("up to 4 organisations",)),
    # Past quarters everywhere.
    Case(
        "segment RR8 Q1 2025/26",
        ReplyKind.ANSWER,
        says=("Q1 2025/26, NHS Oversight Framework 2025/26", "96th of 134 acute trusts"),
        never_says=("Q3 2025/26",),
    ),
    Case(
        "league acute Q1",
        ReplyKind.ANSWER,
        says=("Q1 2025/26, ranked nationally of 134 acute trusts", "1. Moorfields Eye Hospital"),
        more="league acute page:2 Q1 2025/26",
    ),
    Case("why RWR Q1", ReplyKind.ANSWER, says=("Q1 2025/26, NHS Oversight Framework 2025/26", "Ranked 29 of 61")),
    Case(
        "segment RR8 Q2",
        ReplyKind.ERROR,
        says=("No segment is held for RR8 in Q2.", "Quarters held: Q1 2025/26, Q3 2025/26."),
        buttons=("segment RR8 Q1 2025/26",),
    ),
]
