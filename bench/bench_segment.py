"""`segment <org>` answered through the chat layer on the seeded data, in-process.

Goal: under 1 ms median. Run alone: .venv/bin/python bench/bench_segment.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report, seeded_app, time_calls
from oversight_bot.chat.handle import Conversation
from oversight_bot.domain.actors import Actor

QUERIES = ["RWR", "Leeds Teaching", "UHS", "rr8", "Guys and St Thomas", "Mersy Care", "RW1", "Oxford Health"]


def main() -> None:
    app = seeded_app()
    conversation = Conversation(app.segments)
    actor = Actor("bench", "U1")
    by_code = itertools.cycle(["RWR", "RR8", "RW1", "RDY", "RHM"])
    mixed = itertools.cycle(QUERIES)
    print("segment through the chat layer (parse -> lookup -> read model -> Reply), seeded SQLite store")
    print(
        report("segment <ODS code>", time_calls(lambda: conversation.respond(f"segment {next(by_code)}", actor), 5000))
    )
    print(
        report(
            "segment <name, alias, acronym or typo> (mixed)",
            time_calls(lambda: conversation.respond(f"segment {next(mixed)}", actor), 5000),
        )
    )
    print(report("why <ODS code>", time_calls(lambda: conversation.respond(f"why {next(by_code)}", actor), 2000)))
    print(report("league mh (page 1)", time_calls(lambda: conversation.respond("league mh", actor), 1000)))
    print(report("data-version check when due (at most once a second)", time_calls(app.segments.source.version, 5000)))
    app.close()


if __name__ == "__main__":
    main()
