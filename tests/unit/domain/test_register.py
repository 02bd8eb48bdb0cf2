"""The register over time: ICB memberships by date, and successor chains."""

from __future__ import annotations

from datetime import date

from oversight_bot.domain.register import (
    IcbMembership,
    Succession,
    icb_on,
    moved_memberships,
    predecessors_of,
    successions_reaching,
    successor_chains,
)

APRIL_2026 = date(2026, 4, 1)


def test_a_move_closes_the_old_membership_and_opens_the_new_on_the_day() -> None:
    first = moved_memberships([], "RDR", "QNX", APRIL_2026, "etr 2025")
    assert first == [IcbMembership("RDR", "QNX", None, None, "etr 2025")]  # from before the records
    moved = moved_memberships(first, "RDR", "S9B9J", APRIL_2026, "etr 2026")
    assert icb_on(moved, date(2026, 3, 31)) == "QNX"
    assert icb_on(moved, APRIL_2026) == "S9B9J"
    assert moved_memberships(moved, "RDR", "S9B9J", date(2026, 7, 1), "again") == moved  # no change, no new row


def test_successor_chains_follow_closed_successors_to_open_ones() -> None:
    successions = {
        "A": [Succession("A", "B", date(2017, 11, 1))],
        "B": [Succession("B", "C", date(2025, 1, 1))],
        "W": [Succession("W", "X", date(2021, 10, 1)), Succession("W", "Y", date(2021, 10, 1))],
    }
    is_open = {"A": False, "B": False, "C": True, "W": False, "X": True, "Y": True}
    (chain,) = successor_chains("A", successions, is_open)
    assert [(s.predecessor, s.successor) for s in chain] == [("A", "B"), ("B", "C")]
    assert [[s.successor for s in c] for c in successor_chains("W", successions, is_open)] == [["X"], ["Y"]]
    assert successor_chains("C", successions, is_open) == []  # no successor recorded
    loop = {"P": [Succession("P", "Q", date(2020, 1, 1))], "Q": [Succession("Q", "P", date(2021, 1, 1))]}
    assert len(successor_chains("P", loop, {"P": False, "Q": False})) == 1  # a cycle in the data ends


def test_predecessors_are_found_through_every_step() -> None:
    into = {"C": [Succession("B", "C", date(2025, 1, 1))], "B": [Succession("A", "B", date(2017, 11, 1))]}
    assert [s.predecessor for s in predecessors_of("C", into)] == ["B", "A"]


def test_only_the_successions_an_answer_can_reach_are_kept() -> None:
    on = date(2020, 4, 1)
    chain = [Succession("A", "B", on), Succession("B", "C", on)]  # A (held) closed into B, then C
    into = [Succession("P", "A", on), Succession("Q", "P", on)]  # what passed into A, through P
    elsewhere = [Succession("X", "Y", on), Succession("Y", "Z", on)]  # GP practices nobody asks about
    kept = successions_reaching({"A"}, [elsewhere[0], *chain, *into, elsewhere[1]])
    assert kept == (*chain, *into)  # in the order given
