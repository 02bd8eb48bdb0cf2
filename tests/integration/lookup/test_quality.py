"""Lookup quality on real queries (queries.csv) against the seeded store: the share answered right
stays at or above the goal, and every closed organisation asked for is answered as itself."""

from __future__ import annotations

from oversight_bot.bootstrap import Application
from tests.integration.lookup.quality import GOAL, evaluate, load_queries


def test_real_queries_are_answered_right_at_or_above_the_goal(seeded_app: Application) -> None:
    queries = load_queries()
    assert len(queries) >= 150
    figure = evaluate(seeded_app.segments.reader().lookup, queries)
    assert figure.share >= GOAL, f"{figure}, below the goal of {GOAL:.0%}; every miss:\n" + "\n".join(figure.misses)


def test_every_closed_organisation_asked_for_is_answered_as_itself(seeded_app: Application) -> None:
    reader = seeded_app.segments.reader()
    closed = [q for q in load_queries() if (org := reader.organisation(q.expected)) is not None and not org.is_open]
    assert len(closed) >= 25
    figure = evaluate(reader.lookup, closed)
    assert not figure.misses, "\n".join(figure.misses)
