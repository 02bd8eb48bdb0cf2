"""What a newer organisation register changes in the history kept: names given up, ICBs moved.

ODS's trust file is a picture of one day. Comparing it with what the store holds gives the changes:
a rename keeps the former name (first seen under the new one by the file's date), an ICB move
closes the old membership and opens the new one on the day ODS's successor file says the ICB was
succeeded (1 April 2026 for the mergers that left 36 ICBs), or else on the file's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.domain.register import (
    FormerName,
    IcbMembership,
    Succession,
    moved_memberships,
    predecessors_of,
    successor_chains,
)


@dataclass
class RegisterChanges:
    former_names: list[FormerName] = field(default_factory=list)
    memberships: dict[str, list[IcbMembership]] = field(default_factory=dict)  # the whole new list, per code


def register_changes(
    incoming: Iterable[Organisation],
    existing: Mapping[str, Organisation],
    memberships: Mapping[str, Sequence[IcbMembership]],
    successions: Iterable[Succession],
    as_of: date,
    source: str,
) -> RegisterChanges:
    icb_successions = {(s.predecessor, s.successor): s.effective_on for s in successions}
    changes = RegisterChanges()
    for organisation in incoming:
        if organisation.kind is not OrgKind.TRUST:
            continue
        code, before = organisation.ods_code, existing.get(organisation.ods_code)
        if before is not None and before.name != organisation.name:
            changes.former_names.append(FormerName(code, before.name, as_of, source))
        held = list(memberships.get(code, ()))
        old_icb = next((m.icb_code for m in held if m.until is None), None)
        effective = icb_successions.get((old_icb or "", organisation.icb_code or ""), as_of)
        moved = moved_memberships(held, code, organisation.icb_code, effective, source)
        if moved != held:
            changes.memberships[code] = moved
    return changes


# -- reading the history back, for answers ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handover:
    """One step of a closed organisation's succession: `successor` took over from `predecessor`."""

    predecessor: str
    successor: str
    on: date
    successor_organisation: Organisation | None  # None: ODS names a code the store does not hold


@dataclass(frozen=True, slots=True)
class IcbLabel:
    code: str
    name: str | None  # None: the code is not in the loaded ICB list (the 2026 mergers' new ICBs)


@dataclass(frozen=True, slots=True)
class RegisterView:
    """What the register says of one organisation: its ICB now, its former names, where its services
    went if it closed (every chain to an open organisation), and what passed into it."""

    icb: IcbLabel | None = None
    former_names: tuple[FormerName, ...] = ()
    successors: tuple[tuple[Handover, ...], ...] = ()
    predecessors: tuple[Succession, ...] = ()


def register_view(
    code: str,
    organisations: Mapping[str, Organisation],
    successors: Mapping[str, Sequence[Succession]],
    predecessors: Mapping[str, Sequence[Succession]],
    former_names: Mapping[str, Sequence[FormerName]],
) -> RegisterView:
    organisation = organisations.get(code)
    if organisation is None:
        return RegisterView()
    is_open = _IsOpen(organisations)  # asked only of the codes a walk visits: never all 50,000
    chains: tuple[tuple[Handover, ...], ...] = ()
    if not organisation.is_open:
        chains = tuple(
            tuple(Handover(s.predecessor, s.successor, s.effective_on, organisations.get(s.successor)) for s in chain)
            for chain in successor_chains(code, successors, is_open)
        )
    icb = None
    if organisation.icb_code:
        named = organisations.get(organisation.icb_code)
        icb = IcbLabel(organisation.icb_code, named.name if named is not None else None)
    names = tuple(sorted(former_names.get(code, ()), key=lambda n: n.until, reverse=True))
    return RegisterView(icb, names, chains, tuple(predecessors_of(code, predecessors)))


class _IsOpen(Mapping[str, bool]):
    """Whether each organisation is open, read from `organisations` when asked (a dict of them all
    cost 30 ms a `segment` answer at 50,000 organisations: bench/bench_rebuild.py)."""

    def __init__(self, organisations: Mapping[str, Organisation]) -> None:
        self.organisations = organisations

    def __getitem__(self, code: str) -> bool:
        return self.organisations[code].is_open

    def __iter__(self) -> Iterator[str]:
        return iter(self.organisations)

    def __len__(self) -> int:
        return len(self.organisations)
