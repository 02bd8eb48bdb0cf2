"""Resolve what a user typed to one organisation: ODS codes, names, aliases, acronyms and typos.

Order of trust, most certain first: an ODS code, an alias from the alias file, a full name, an
acronym derived from a name, the words of a name, and last a fuzzy match (rapidfuzz) for typos.
Open organisations are preferred where a query fits several; a query that names a closed
organisation exactly gets that organisation, reported as closed, never a silent replacement.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from oversight_bot.domain.organisations import Organisation, OrgKind

# Words too common in NHS names to tell organisations apart.
STOP_WORDS = frozenset({"nhs", "trust", "foundation", "ft", "the", "and", "of", "for", "icb"})
NAME_SUFFIX_WORDS = frozenset({"nhs", "foundation", "trust"})
ACRONYM_SKIP = frozenset({"nhs", "foundation", "trust", "and", "of", "the", "for"})
CODE = re.compile(r"^[A-Za-z0-9]{3,5}$")

WORD_SIMILARITY = 80.0  # a query word this close to a name's word (by edit distance) counts as that word
LOOSE_WORD = 65.0  # looser: words this close put a name on the shortlist for whole-name matching
MAX_SHORTLIST = 2000
TYPO_RESOLVES = 88.0  # a fuzzy match this good, and clearly ahead of the next, is taken as meant
TYPO_MARGIN = 8.0
CHOICE_SCORE = 72.0  # fuzzy matches this good are offered as choices
SUGGESTION_SCORE = 65.0  # weaker ones are only suggested
MAX_CANDIDATES = 5


class LookupStatus(StrEnum):
    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Candidate:
    ods_code: str
    name: str
    score: float
    is_open: bool


@dataclass(frozen=True, slots=True)
class LookupResult:
    status: LookupStatus
    query: str
    organisation: Organisation | None = None
    candidates: tuple[Candidate, ...] = ()
    matched_by: str | None = None


def normalise(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def core_name(normal: str) -> str:
    """A normalised name without its leading "the" and trailing "nhs foundation trust"."""
    words = normal.split()
    while words and words[-1] in NAME_SUFFIX_WORDS:
        words.pop()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words) or normal


def acronyms(name: str, *, normalised: bool = False) -> set[str]:
    """Initials of the significant words: "Leeds Teaching Hospitals NHS Trust" gives lth, ltht, lthft."""
    words = [w for w in (name if normalised else normalise(name)).split() if w not in ACRONYM_SKIP]
    core = "".join(w[0] for w in words)
    return {core, core + "t", core + "ft"} if len(core) >= 2 else set()


class OrganisationIndex:
    """Built once per data version; answers lookups without touching the database."""

    def __init__(self, organisations: Iterable[Organisation], aliases: Mapping[str, Iterable[str]]) -> None:
        self.by_code = {org.ods_code: org for org in organisations}
        self.by_alias: dict[str, set[str]] = {}
        for alias, codes in aliases.items():
            self.by_alias.setdefault(normalise(alias), set()).update(c for c in codes if c in self.by_code)
        self.by_name: dict[str, set[str]] = {}
        self.by_acronym: dict[str, set[str]] = {}
        self.by_word: dict[str, set[str]] = {}
        self.choices: dict[str, str] = {}
        for org in self.by_code.values():
            self._index_name(org)
        self.vocabulary = sorted(self.by_word)
        self.alias_choices = {alias: codes for alias, codes in self.by_alias.items() if len(alias) > 3}

    def _index_name(self, org: Organisation) -> None:
        name = normalise(org.name)
        self.choices[org.ods_code] = name
        for form in {name, core_name(name)}:
            self.by_name.setdefault(form, set()).add(org.ods_code)
        for acronym in acronyms(name, normalised=True):
            self.by_acronym.setdefault(acronym, set()).add(org.ods_code)
        for word in name.split():
            if word not in STOP_WORDS:
                self.by_word.setdefault(word, set()).add(org.ods_code)

    def lookup(self, query: str) -> LookupResult:
        text = " ".join(query.split())[:200]
        normal = normalise(text)
        if not normal:
            return LookupResult(LookupStatus.NOT_FOUND, text)
        if CODE.match(text) and text.upper() in self.by_code:
            return self._resolved(text, self.by_code[text.upper()], "code")
        for matched_by, table in (("alias", self.by_alias), ("name", self.by_name)):
            if table.get(normal):
                return self._choose(text, table[normal], matched_by)
        compact = normal.replace(" ", "")
        if compact in self.by_acronym:
            return self._choose(text, self.by_acronym[compact], "acronym")
        words = self._word_matches(normal)
        if words:
            return self._choose(text, words, "words")
        if not self._significant(normal):
            return LookupResult(LookupStatus.NOT_FOUND, text)
        corrected = self._corrected_word_matches(normal)
        if corrected:
            return self._choose(text, corrected, "typo")
        return self._fuzzy(text, normal)

    def suggest(self, query: str, limit: int = 20) -> list[Candidate]:
        """Candidates for a typeahead: a resolved match first, then names with the typed words."""
        result = self.lookup(query)
        found = [self._candidate(result.organisation, 100.0)] if result.organisation else list(result.candidates)
        normal = normalise(query)
        if len(found) < limit and normal:
            codes = (
                self._word_matches(normal)
                or self._corrected_word_matches(normal)
                or self._codes_starting(query)  # "RR", "R0": a code half typed
                or self._names_with_words(normal)  # only common words: "NHS", "Trust", "the"
            )
            seen = {c.ods_code for c in found}
            found += [c for c in self._rank(query, (self.by_code[code] for code in codes)) if c.ods_code not in seen]
        return found[:limit]

    def _codes_starting(self, query: str) -> set[str]:
        """ODS codes that begin with what was typed, when it could be the start of one."""
        prefix = query.strip().upper()
        if not prefix.isalnum() or len(prefix) > 5:
            return set()
        codes = self._sorted_codes
        start = bisect.bisect_left(codes, prefix)
        return set(itertools.takewhile(lambda code: code.startswith(prefix), codes[start : start + 200]))

    @functools.cached_property
    def _sorted_codes(self) -> list[str]:
        return sorted(self.by_code)

    def _names_with_words(self, normal: str) -> set[str]:
        """Organisations whose names hold every typed word, common ones included (one pass over the
        few hundred organisations; only for a query of words that name too many to index)."""
        words = set(normal.split())
        return {code for code, name in self._normal_names.items() if words <= name}

    @functools.cached_property
    def _normal_names(self) -> dict[str, frozenset[str]]:
        return {code: frozenset(normalise(org.name).split()) for code, org in self.by_code.items()}

    def _candidate(self, organisation: Organisation, score: float) -> Candidate:
        return Candidate(organisation.ods_code, organisation.name, score, organisation.is_open)

    def _word_matches(self, normal: str) -> set[str]:
        """Organisations whose names hold every significant word of the query.

        Whole words win over prefixes ("Mersey Care" is Mersey Care, not Cheshire and
        Merseyside ICB), and a query that says "ICB" means an ICB.
        """
        tokens = self._significant(normal)
        if not tokens:
            return set()
        found = self._all_words(tokens, lambda word: self.by_word.get(word, set()))
        found = found or self._all_words(tokens, self._codes_with_word_prefix)
        if "icb" in normal.split():
            icbs = {code for code in found if self.by_code[code].kind is OrgKind.ICB}
            found = icbs or found
        return found

    @staticmethod
    def _significant(normal: str) -> list[str]:
        return [t for t in normal.split() if t not in STOP_WORDS]

    def _corrected_word_matches(self, normal: str) -> set[str]:
        """Word matching again, each query word allowed to be a misspelling of a name's word."""
        tokens = self._significant(normal)
        return self._all_words(tokens, self._codes_with_similar_word)

    def _codes_with_similar_word(self, token: str) -> set[str]:
        if len(token) < 4 or token in self.by_word:
            # A word some name really has is meant as typed, not as a misspelling of another:
            # "Southampton General" must not become "Northampton General".
            return self.by_word.get(token, set())
        similar = process.extract(token, self.vocabulary, scorer=fuzz.ratio, limit=5, score_cutoff=WORD_SIMILARITY)
        codes: set[str] = set()
        for word, _, _ in similar:
            codes |= self.by_word[word]
        return codes

    @staticmethod
    def _all_words(tokens: list[str], codes_for: Callable[[str], set[str]]) -> set[str]:
        if not tokens:
            return set()  # the query was only common words ("NHS", "Trust", "the")
        found = codes_for(tokens[0])
        for token in tokens[1:]:
            found = found & codes_for(token)
        return set(found)

    def _codes_with_word_prefix(self, prefix: str) -> set[str]:
        start = bisect.bisect_left(self.vocabulary, prefix)
        codes: set[str] = set()
        for word in self.vocabulary[start:]:
            if not word.startswith(prefix):
                break
            codes |= self.by_word[word]
        return codes

    def _choose(self, query: str, codes: set[str], matched_by: str) -> LookupResult:
        organisations = [self.by_code[c] for c in codes]
        open_ones = [org for org in organisations if org.is_open]
        if len(organisations) == 1:
            return self._resolved(query, organisations[0], matched_by)
        if len(open_ones) == 1:
            return self._resolved(query, open_ones[0], matched_by)
        ranked = self._rank(query, organisations)
        return LookupResult(
            LookupStatus.AMBIGUOUS, query, candidates=tuple(ranked[:MAX_CANDIDATES]), matched_by=matched_by
        )

    def _rank(self, query: str, organisations: Iterable[Organisation]) -> list[Candidate]:
        """The closest names first (open before closed); scored in one rapidfuzz pass, which stays
        fast when a common word matches thousands of names."""
        choices = {org.ods_code: self.choices[org.ods_code] for org in organisations}
        scored = process.extract(normalise(query), choices, scorer=fuzz.WRatio, limit=max(MAX_CANDIDATES * 4, 100))
        candidates = [
            Candidate(code, self.by_code[code].name, round(score, 1), self.by_code[code].is_open)
            for _, score, code in scored
        ]
        return sorted(candidates, key=lambda c: (not c.is_open, -c.score, c.name))

    def _fuzzy(self, query: str, normal: str) -> LookupResult:
        best = self._fuzzy_scores(normal)
        ranked = sorted(
            (
                Candidate(code, self.by_code[code].name, score, self.by_code[code].is_open)
                for code, score in best.items()
            ),
            key=lambda c: (-c.score, not c.is_open, c.name),
        )
        if not ranked:
            # Nothing like the whole query: suggest the names with its most telling real word.
            nearby = self._rank(query, (self.by_code[code] for code in self._with_rarest(normal)))
            return LookupResult(LookupStatus.NOT_FOUND, query, candidates=tuple(nearby[:MAX_CANDIDATES]))
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        anchored = self._with_known_words(normal)
        fits = anchored is None or top.ods_code in anchored
        if top.score >= TYPO_RESOLVES and top.score - runner_up >= TYPO_MARGIN and fits:
            return self._resolved(query, self.by_code[top.ods_code], "typo")
        choices = tuple(c for c in ranked if c.score >= CHOICE_SCORE)[:MAX_CANDIDATES]
        if not fits:
            # The best guess lacks a word the user typed correctly: offer it beside the names
            # that have that word, and let the user say which was meant.
            offered = {c.ods_code for c in choices}
            having_words = anchored or self._with_rarest(normal)
            ranked_having = self._rank(query, (self.by_code[code] for code in having_words))
            having = [c for c in ranked_having if c.ods_code not in offered]
            choices = (*choices[: MAX_CANDIDATES - 2], *having[:2]) if having else choices
            if choices:
                return LookupResult(LookupStatus.AMBIGUOUS, query, candidates=choices, matched_by="typo")
        if len(choices) > 1 or (choices and choices[0].score >= TYPO_RESOLVES):
            return LookupResult(LookupStatus.AMBIGUOUS, query, candidates=choices, matched_by="typo")
        suggestions = tuple(c for c in ranked if c.score >= SUGGESTION_SCORE)[:3]
        return LookupResult(LookupStatus.NOT_FOUND, query, candidates=suggestions)

    def _with_known_words(self, normal: str) -> set[str] | None:
        """Organisations whose names hold every query word that some name really has; None (any
        organisation) when the query has no such word."""
        known = [t for t in self._significant(normal) if t in self.by_word]
        return self._all_words(known, lambda word: self.by_word[word]) if known else None

    def _with_rarest(self, normal: str) -> set[str]:
        """Organisations with any of the query's telling real words: words few names share
        ("southampton", "leeds"), not ones many do ("hospital")."""
        common = max(5, len(self.by_code) // 50)
        telling = [self.by_word.get(t, set()) for t in self._significant(normal)]
        return set().union(*(codes for codes in telling if len(codes) <= common))

    def _fuzzy_scores(self, normal: str) -> dict[str, float]:
        """Whole-name similarity, computed only for names sharing a loosely similar word with the
        query: comparing every name would cost tens of milliseconds at 50,000 names."""
        shortlist = {code: self.choices[code] for code in self._loose_candidates(normal)}
        best: dict[str, float] = {}
        for _, score, code in process.extract(
            normal, shortlist, scorer=fuzz.WRatio, limit=10, score_cutoff=SUGGESTION_SCORE
        ):
            best[code] = max(best.get(code, 0.0), round(score, 1))
        for alias, score, _ in process.extract(
            normal, list(self.alias_choices), scorer=fuzz.ratio, limit=5, score_cutoff=SUGGESTION_SCORE
        ):
            for code in self.alias_choices[alias]:
                best[code] = max(best.get(code, 0.0), round(score, 1))
        return best

    def _loose_candidates(self, normal: str) -> list[str]:
        """Organisations with words like the query's, most shared words first. A name must be like
        most of the words (both of two) to count: one common word ("hospital") is not a match."""
        shared: Counter[str] = Counter()
        tokens = [token for token in self._significant(normal) if len(token) >= 3]
        needed = len(tokens) if len(tokens) <= 2 else (len(tokens) + 1) // 2
        for token in tokens:
            similar = process.extract(token, self.vocabulary, scorer=fuzz.ratio, limit=10, score_cutoff=LOOSE_WORD)
            codes: set[str] = set()
            for word, _, _ in similar:
                codes |= self.by_word[word]
            shared.update(codes)
        return [code for code, count in shared.most_common(MAX_SHORTLIST) if count >= needed]

    def _resolved(self, query: str, organisation: Organisation, matched_by: str) -> LookupResult:
        return LookupResult(LookupStatus.RESOLVED, query, organisation=organisation, matched_by=matched_by)
