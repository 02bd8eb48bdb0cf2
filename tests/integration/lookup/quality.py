"""Lookup quality: real queries, each with the answer a manager should get and why.

`queries.csv` holds the queries (`query,expected,why`); `expected` is one of

    RR8                 resolved to this ODS code (a closed organisation resolves to itself)
    choice:RRK,RXT      a choice, with at least these organisations among its candidates (on any page)
    none                not found, nothing chosen
    none:RR8,RY6        not found, with at least these suggested
    ask                 too short or too common to mean one organisation: the user is asked for more

`judge` scores one lookup against its expectation; `evaluate` runs them all and lists every miss.
The benchmark (`bench/bench_lookup.py`) prints the same figure.

Lines 2-321 were written first, and the lookup was built against them. Lines 322-501 were written
afterwards from the data alone and measured once before anything more was changed (169 of 180 right
on that first run; docs/lookup.md says what the misses taught and what was changed).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oversight_bot.services.lookup import LookupResult, LookupStatus

QUERIES = Path(__file__).with_name("queries.csv")
GOAL = 0.98


@dataclass(frozen=True, slots=True)
class Query:
    line: int
    text: str
    expected: str
    why: str

    @property
    def codes(self) -> set[str]:
        _, _, listed = self.expected.partition(":")
        return {code.strip() for code in listed.split(",") if code.strip()}


@dataclass(frozen=True, slots=True)
class Figure:
    right: int
    total: int
    misses: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.right} of {self.total} queries answered right ({self.share:.1%})"


def load_queries(path: Path = QUERIES) -> list[Query]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Query(line, row["query"], row["expected"].strip(), row["why"])
            for line, row in enumerate(csv.DictReader(file), start=2)
        ]


def judge(query: Query, found: LookupResult) -> str | None:
    """None when the answer is right; otherwise what was wrong, in one line."""
    kind = query.expected.split(":")[0]
    offered = {c.ods_code for c in found.candidates}
    got = _described(found)
    if kind == "choice":
        missing = query.codes - offered
        if found.status is LookupStatus.AMBIGUOUS and not missing:
            return None
        return f"expected a choice with {sorted(query.codes)}, got {got}" + (
            f" (missing {sorted(missing)})" if missing else ""
        )
    if kind == "none":
        missing = query.codes - offered
        if found.status is LookupStatus.NOT_FOUND and found.organisation is None and not missing:
            return None
        return f"expected not found{f' suggesting {sorted(query.codes)}' if query.codes else ''}, got {got}"
    if kind == "ask":
        return None if found.status.value == "too_vague" else f"expected to ask for more, got {got}"
    if found.status is LookupStatus.RESOLVED and found.organisation and found.organisation.ods_code == query.expected:
        return None
    return f"expected {query.expected}, got {got}"


def evaluate(lookup: Callable[[str], LookupResult], queries: list[Query] | None = None) -> Figure:
    misses = []
    queries = load_queries() if queries is None else queries
    for query in queries:
        problem = judge(query, lookup(query.text))
        if problem is not None:
            misses.append(f"line {query.line}: {query.text!r} ({query.why}): {problem}")
    return Figure(len(queries) - len(misses), len(queries), tuple(misses))


def _described(found: LookupResult) -> str:
    if found.organisation is not None:
        return f"{found.status.value} {found.organisation.ods_code}"
    codes = ",".join(c.ods_code for c in found.candidates[:8])
    return f"{found.status.value} [{codes}]" if codes else found.status.value
