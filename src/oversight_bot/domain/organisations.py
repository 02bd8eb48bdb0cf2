"""NHS organisations (trusts and ICBs) as the bot knows them, and how their names are shown."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class OrgKind(StrEnum):
    TRUST = "trust"
    ICB = "icb"


class TrustType(StrEnum):
    """NHS England's trust types; each is one league table (peer group)."""

    ACUTE = "Acute trust"
    MENTAL_HEALTH_AND_COMMUNITY = "Mental health and community trust"
    AMBULANCE = "Ambulance trust"

    @property
    def short(self) -> str:
        return _TRUST_TYPE_SHORT[self]

    @property
    def plural(self) -> str:
        """ "mental health and community trusts", as a sentence names them."""
        return self.value.lower() + "s"

    @classmethod
    def from_short(cls, word: str) -> TrustType | None:
        """`acute`, `mh` (or `mental-health`, `community`), `ambulance`."""
        return _TRUST_TYPE_WORDS.get(word.strip().lower())


_TRUST_TYPE_SHORT = {
    TrustType.ACUTE: "acute",
    TrustType.MENTAL_HEALTH_AND_COMMUNITY: "mh",
    TrustType.AMBULANCE: "ambulance",
}
_TRUST_TYPE_WORDS = {
    "acute": TrustType.ACUTE,
    "mh": TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    "mental-health": TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    "mental health": TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    "community": TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    "non-acute": TrustType.MENTAL_HEALTH_AND_COMMUNITY,
    "ambulance": TrustType.AMBULANCE,
}


@dataclass(frozen=True, slots=True)
class Organisation:
    ods_code: str
    name: str
    kind: OrgKind = OrgKind.TRUST
    trust_type: TrustType | None = None
    trust_subtype: str | None = None
    region: str | None = None
    icb_code: str | None = None
    opened_on: date | None = None
    closed_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


_SMALL_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "at", "upon", "with"})
_KEEP_UPPER = frozenset({"NHS", "ICB", "UK", "CIC", "LLP", "PCT", "II", "III"})


@functools.lru_cache(maxsize=4096)
def display_name(official: str) -> str:
    """Turn ODS's upper-case names into the case NHS England prints.

    "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST" -> "Guy's and St Thomas' NHS Foundation Trust".
    Names already in mixed case are left alone: they came from a source that cased them.
    """
    if official != official.upper():
        return official
    words = [_case_word(word, first=index == 0) for index, word in enumerate(official.split())]
    return " ".join(words)


def _case_word(word: str, *, first: bool) -> str:
    if word.strip("()'.,") in _KEEP_UPPER:
        return word
    parts = word.split("-")
    cased = [_case_part(part, first=first and index == 0) for index, part in enumerate(parts)]
    return "-".join(cased)


def _case_part(part: str, *, first: bool) -> str:
    lower = part.lower()
    if lower in _SMALL_WORDS and not first:
        return lower
    # Capitalise the first letter only, so that "GUY'S" becomes "Guy's", not "Guy'S".
    return re.sub(r"[a-z]", lambda m: m.group(0).upper(), lower, count=1)


_TRAILING = frozenset({"NHS", "Foundation", "Trust", "University"})


def short_name(official: str) -> str:
    """The name people say: "Hertfordshire Partnership University NHS Foundation Trust" is
    "Hertfordshire Partnership", "Leeds Teaching Hospitals NHS Trust" "Leeds Teaching Hospitals"."""
    words = display_name(official).split()
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    return " ".join(words)
