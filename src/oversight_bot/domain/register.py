"""The organisation register over time: who succeeded whom, what an organisation was called, and
which ICB it belonged to when.

ODS's trust file says only what is true on the day it was made; its successor file says which
organisation took over from which, and from when. The bot keeps both as history, so that a closed
trust points to where its services went, a renamed one answers to its old name, and a channel
subscribed to an ICB hears about the trusts that were in it when the news happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Succession:
    """ODS: `successor` took over from `predecessor` on `effective_on` (a legal date)."""

    predecessor: str
    successor: str
    effective_on: date


@dataclass(frozen=True, slots=True)
class FormerName:
    """A name the organisation no longer has; the register first showed the next one by `until`."""

    ods_code: str
    name: str
    until: date
    source: str = ""


@dataclass(frozen=True, slots=True)
class IcbMembership:
    """`ods_code` belonged to ICB `icb_code` from `since` (None: from before the records held begin)
    until `until` (None: still)."""

    ods_code: str
    icb_code: str
    since: date | None = None
    until: date | None = None
    source: str = ""

    def covers(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class SuccessionStep:
    """One step of a chain: `successor` took over from `predecessor` on `effective_on`."""

    predecessor: str
    successor: str
    effective_on: date


def icb_on(memberships: Iterable[IcbMembership], day: date) -> str | None:
    """The ICB an organisation belonged to on `day`, from its memberships."""
    return next((m.icb_code for m in memberships if m.covers(day)), None)


def moved_memberships(
    current: Sequence[IcbMembership], code: str, new_icb: str | None, effective_on: date | None, source: str
) -> list[IcbMembership]:
    """The memberships after a register that puts `code` in `new_icb` from `effective_on`: the open
    membership is closed on that day and a new one opened; nothing changes if the ICB is the same."""
    open_now = [m for m in current if m.until is None]
    if (open_now[0].icb_code if open_now else None) == new_icb:
        return list(current)
    kept = [m for m in current if m.until is not None]
    if open_now:
        kept.append(IcbMembership(code, open_now[0].icb_code, open_now[0].since, effective_on, open_now[0].source))
    if new_icb is not None:
        since = effective_on if open_now else None  # an organisation first seen: from before the records
        kept.append(IcbMembership(code, new_icb, since, None, source))
    return kept


def successor_chains(
    code: str, successions: Mapping[str, Sequence[Succession]], is_open: Mapping[str, bool], limit: int = 6
) -> list[list[SuccessionStep]]:
    """Every path from `code` through its successors to an organisation that is open (or has no
    recorded successor), oldest step first: RQ6 -> REM; RW6 -> RM3 and RW6 -> R0A; A -> B -> C."""
    chains: list[list[SuccessionStep]] = []

    def walk(at: str, path: list[SuccessionStep]) -> None:
        following = [s for s in successions.get(at, ()) if s.successor not in {p.predecessor for p in path}]
        if not following or (path and is_open.get(at, False)) or len(path) >= limit:
            if path:
                chains.append(path)
            return
        for succession in sorted(following, key=lambda s: s.successor):
            walk(succession.successor, [*path, SuccessionStep(at, succession.successor, succession.effective_on)])

    walk(code, [])
    return chains


def predecessors_of(code: str, successions_to: Mapping[str, Sequence[Succession]], limit: int = 6) -> list[Succession]:
    """Everything that passed into `code`, directly or through others, nearest first."""
    found: list[Succession] = []
    frontier, seen = [code], {code}
    for _ in range(limit):
        following = []
        for at in frontier:
            for succession in successions_to.get(at, ()):
                if succession.predecessor not in seen:
                    seen.add(succession.predecessor)
                    found.append(succession)
                    following.append(succession.predecessor)
        frontier = following
    return found


def successions_reaching(codes: Iterable[str], successions: Iterable[Succession]) -> tuple[Succession, ...]:
    """The successions an answer about any of `codes` can come to: every step forward from them
    (where their services went) and back (what passed into them), through chains of any length.
    ODS's successor file covers every organisation in England, GP practices and all; the rest of it
    is never asked about, and the read model need not hold it."""
    every = list(successions)
    forward: dict[str, list[Succession]] = {}
    backward: dict[str, list[Succession]] = {}
    for succession in every:
        forward.setdefault(succession.predecessor, []).append(succession)
        backward.setdefault(succession.successor, []).append(succession)
    starts = set(codes)
    reached = _reachable(starts, forward, lambda s: s.successor) | _reachable(starts, backward, lambda s: s.predecessor)
    return tuple(s for s in every if s in reached)  # in the order given


def _reachable(
    starts: set[str], steps: Mapping[str, Sequence[Succession]], onward: Callable[[Succession], str]
) -> set[Succession]:
    reached: set[Succession] = set()
    seen, frontier = set(starts), list(starts)
    while frontier:
        for succession in steps.get(frontier.pop(), ()):
            reached.add(succession)
            if onward(succession) not in seen:
                seen.add(onward(succession))
                frontier.append(onward(succession))
    return reached
