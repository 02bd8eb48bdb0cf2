"""Resolve what a user typed to one organisation, or say why it names none: ODS codes, register
names, the names people use, acronyms, place names and typos.

The rules, most certain first (docs/lookup.md has them with examples):

1. an ODS code, any case;
2. a name people use, from the alias file ("UHS", "Mid Staffs", "Salford Royal"), with or without
   "NHS", "Trust" or "ICB" after it;
3. a register name, present or former, whole or without "The" and "NHS (Foundation) Trust" (an ICB
   also as "NHS Devon"), or run together ("Merseycare");
4. an acronym of a register name ("LTHT", "NCL ICB", "UHBW");
5. a query with no word of three letters ("hi", "St") or only common words ("the", "NHS trust")
   asks for more: it is never matched to a guess;
6. the words of the query: every one a whole word of the name (or of a name people use for it),
   then every one a whole word or the start of one ("Leeds Teach"), then every one possibly a
   misspelling ("Leeds Teching"), then every one at least loosely alike ("Alder Hay"); at each
   step the names needing the fewest allowances win;
7. otherwise not found, with the names holding the query's telling words (places, not "general")
   suggested. A word no name has, even loosely, is never dropped to make a guess fit.

Where several organisations fit, every one is offered (paged by the chat layer), ranked: open
before closed, names that begin with the query's words first, then by similarity. Where exactly one
of them is open it is the answer. Words that only describe a kind of organisation ("university
hospitals", "royal") and fit more than a few are too common: the user is asked for more. A query
that names a closed organisation gets that organisation, reported as closed, never a replacement.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from oversight_bot.domain.organisations import Organisation, OrgKind, display_name

# Words every organisation here has, or might: they tell none apart. "England": every organisation
# in the register serves England, so "NHS England" names none of them.
STOP_WORDS = frozenset({"nhs", "trust", "trusts", "foundation", "ft", "nhsft", "the", "and", "of", "for", "icb"})
QUERY_STOP_WORDS = STOP_WORDS | {"england"}
NAME_SUFFIX_WORDS = frozenset({"nhs", "foundation", "trust", "ft", "nhsft"})
ACRONYM_SKIP = frozenset({"nhs", "foundation", "trust", "and", "of", "the", "for"})
ICB_SUFFIX = ("integrated", "care", "board")
# Words that say what kind of organisation it is, or which side of somewhere, not which one: a
# query of these alone that fits more than FEW organisations is too common to answer, and they
# never make a suggestion on their own ("Foo General Hospital" suggests no "General" hospital).
DESCRIPTORS = frozenset(
    {
        "hospital", "hospitals", "university", "teaching", "health", "healthcare", "care", "community",
        "partnership", "integrated", "board", "service", "services", "general", "royal", "mental",
        "acute", "district", "county", "city", "combined", "specialist", "childrens", "womens",
        "orthopaedic", "centre", "social", "learning", "disability", "disabilities", "infirmary",
        "north", "south", "east", "west", "central", "mid", "northern", "southern", "eastern",
        "western", "upper", "lower", "great", "greater", "st", "saint", "new",
    }
)  # fmt: skip
# How managers shorten county names ("Mid Staffs", "Herts Partnership"): the traditional county
# abbreviations (general knowledge), read as the full word wherever no name has the short one.
ABBREVIATIONS = {
    "beds": "bedfordshire", "berks": "berkshire", "bucks": "buckinghamshire", "cambs": "cambridgeshire",
    "derbys": "derbyshire", "glos": "gloucestershire", "gloucs": "gloucestershire", "hants": "hampshire",
    "herts": "hertfordshire", "lancs": "lancashire", "leics": "leicestershire", "lincs": "lincolnshire",
    "northants": "northamptonshire", "notts": "nottinghamshire", "oxon": "oxfordshire",
    "shrops": "shropshire", "staffs": "staffordshire", "warks": "warwickshire", "wilts": "wiltshire",
    "worcs": "worcestershire", "yorks": "yorkshire", "saint": "st",
}  # fmt: skip
CODE = re.compile(r"^[A-Za-z0-9]{3,5}$")

SHORTEST_WORD = 3  # a query needs a word this long (or a code, alias or acronym) to mean anything
FEW = 10  # a query of describing words alone may fit this many; more is too common
MAX_LISTED = 50  # more fits than this is too many to choose from: the user is asked for more
MAX_SUGGESTIONS = 5
WORD_SIMILARITY = 80.0  # a query word this close to a name's word (by edit distance) may be a misspelling of it
STOP_WORD_SIMILARITY = 85.0  # "Trst", "Foundaton": a misspelt common word, dropped like the word itself
LOOSE_WORD = 65.0  # loosely alike ("hay" and "hey"): enough only when the whole name is close too
TYPO_RESOLVES = 88.0  # a whole-name score this good, clearly ahead of the next, is taken as meant
TYPO_MARGIN = 8.0
SOLE_FIT_RESOLVES = 80.0  # the only name with a word like each of the query's, this close overall, is meant
CHOICE_SCORE = 72.0  # loose matches this good are offered as choices; weaker ones are suggestions
MAX_SHORTLIST = 2000


class LookupStatus(StrEnum):
    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"
    TOO_VAGUE = "too_vague"  # too short or too common to mean one organisation: ask for more


class Vagueness(StrEnum):
    TOO_SHORT = "too_short"  # "hi", "St", "UH"
    TOO_COMMON = "too_common"  # "NHS trust", "hospital", "university hospitals"
    TOO_MANY = "too_many"  # fits more organisations than anyone would page through


class Level(IntEnum):
    """How closely a query word must match a word of a name, strictest first."""

    WHOLE = 1
    START = 2  # the start of a word: "Teach" for "Teaching"
    MISSPELT = 3  # within WORD_SIMILARITY: "Teching"
    LOOSE = 4  # within LOOSE_WORD: "hay" for "hey"


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
    # AMBIGUOUS: every organisation that fits, ranked; NOT_FOUND: a few suggestions
    candidates: tuple[Candidate, ...] = ()
    matched_by: str | None = None
    vagueness: Vagueness | None = None
    fits: int = 0  # TOO_VAGUE with TOO_MANY or TOO_COMMON: how many organisations the words fit
    unknown_words: tuple[str, ...] = ()  # NOT_FOUND: words of the query no name has, even loosely


def normalise(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def core_name(normal: str, suffixes: frozenset[str] = NAME_SUFFIX_WORDS) -> str:
    """A normalised name without its leading "the" and trailing "nhs foundation trust"."""
    words = normal.split()
    while words and words[-1] in suffixes:
        words.pop()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words) or normal


def icb_forms(normal: str) -> set[str]:
    """The names an ICB goes by: "nhs devon integrated care board" is also "nhs devon"."""
    words = normal.split()
    if tuple(words[-3:]) != ICB_SUFFIX:
        return set()
    return {" ".join(words[:-3])}


@dataclass(slots=True)
class _Tables:
    """The index's lookup tables while it is built, as sets to add to."""

    aliases: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    acronyms: dict[str, set[str]] = field(default_factory=dict)
    run_together: dict[str, set[str]] = field(default_factory=dict)


def _untracked(table: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """A built table, kept as tuples: tuples of strings are not scanned by the cyclic garbage
    collector, whose pauses would otherwise grow with every name indexed."""
    return {key: tuple(sorted(codes)) for key, codes in table.items()}


def acronyms(name: str, *, normalised: bool = False) -> set[str]:
    """Initials of the significant words: "Leeds Teaching Hospitals NHS Trust" gives lth, ltht, lthft;
    an ICB's are those of its place, with or without "icb" ("NHS North Central London Integrated Care
    Board" gives ncl, nclicb)."""
    words = (name if normalised else normalise(name)).split()
    if tuple(words[-3:]) == ICB_SUFFIX:
        core = "".join(w[0] for w in words[:-3] if w not in ACRONYM_SKIP)
        return {core, core + "icb"} if len(core) >= 2 else set()
    core = "".join(w[0] for w in words if w not in ACRONYM_SKIP)
    return {core, core + "t", core + "ft"} if len(core) >= 2 else set()


class OrganisationIndex:
    """Built once per data version; answers lookups without touching the database."""

    def __init__(
        self,
        organisations: Iterable[Organisation],
        aliases: Mapping[str, Iterable[str]],
        former_names: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`aliases`: the names people use, each to the codes it names; `former_names`: by code, the
        names the register gave an organisation before its present one (matched as its names are)."""
        self.by_code = {org.ods_code: org for org in organisations}
        self.choices = {code: normalise(org.name) for code, org in self.by_code.items()}  # for rapidfuzz
        self.by_word: dict[str, set[str]] = {}
        self.name_words: set[str] = set()
        tables = _Tables()
        for org in self.by_code.values():
            self._index_name(org.ods_code, org.name, tables)
        for code, names in (former_names or {}).items():
            for name in names if code in self.by_code else ():
                self._index_name(code, name, tables)
        initials = self._index_aliases(aliases, tables)
        self.by_alias = _untracked(tables.aliases)
        self.by_name = _untracked(tables.names)
        self.by_acronym = _untracked(tables.acronyms)
        self.by_name_run_together = _untracked(tables.run_together)  # "merseycare"
        self.vocabulary = sorted(self.by_word)
        # What a misspelt word may be a misspelling of: words of names, not initials ("UHSx" is not "UHS").
        self.spellings = [word for word in self.vocabulary if word not in initials or word in self.name_words]

    def _index_name(self, code: str, official: str, tables: _Tables) -> None:
        name = normalise(official)
        for form in {name, core_name(name), *icb_forms(name)}:
            tables.names.setdefault(form, set()).add(code)
        tables.run_together.setdefault(core_name(name).replace(" ", ""), set()).add(code)
        for acronym in acronyms(name, normalised=True):
            tables.acronyms.setdefault(acronym, set()).add(code)
        for word in name.split():
            if word not in STOP_WORDS:
                self.by_word.setdefault(word, set()).add(code)
                self.name_words.add(word)

    def _index_aliases(self, aliases: Mapping[str, Iterable[str]], tables: _Tables) -> set[str]:
        """Index the names people use, whole and by their words; return the words written as
        initials ("UHS", "SLaM"), which are never taken as misspellings of anything."""
        initials: set[str] = set()
        for alias, codes in aliases.items():
            known = {code for code in codes if code in self.by_code}
            normal = normalise(alias)
            tables.aliases.setdefault(normal, set()).update(known)
            tables.run_together.setdefault(normal.replace(" ", ""), set()).update(known)
            initials |= {normalise(word) for word in alias.split() if sum(c.isupper() for c in word) >= 2}
            for word in normal.split():
                if word not in STOP_WORDS:
                    self.by_word.setdefault(ABBREVIATIONS.get(word, word), set()).update(known)
        return initials

    # The lookup

    def lookup(self, query: str) -> LookupResult:
        text = " ".join(query.split())[:200]
        normal = normalise(text)
        if not normal:
            return LookupResult(LookupStatus.NOT_FOUND, text)
        if CODE.match(text) and text.upper() in self.by_code:
            return self._resolved(text, self.by_code[text.upper()], "code")
        for matched_by, table, form in (
            ("alias", self.by_alias, normal),
            ("alias", self.by_alias, core_name(normal, STOP_WORDS)),  # "BOB ICB", "Salford Royal NHS FT"
            ("name", self.by_name, normal),
            ("name", self.by_name, core_name(normal)),
        ):
            if table.get(form):
                return self._choose(text, normal, table[form], matched_by)
        compact = "".join(w for w in normal.split() if w not in ACRONYM_SKIP or len(normal.split()) == 1)
        if len(compact) >= SHORTEST_WORD and compact in self.by_acronym and compact not in self.by_word:
            return self._choose(text, normal, self.by_acronym[compact], "acronym")  # "LTHT", "C&M ICB"
        run_together = self.by_name_run_together.get(normal.replace(" ", ""))
        if run_together and " " not in normal:
            return self._choose(text, normal, run_together, "name")  # "Merseycare", "Alderhey"
        terms = self._terms(normal)
        if not terms:
            return LookupResult(LookupStatus.TOO_VAGUE, text, vagueness=Vagueness.TOO_COMMON)
        if all(len(term) < SHORTEST_WORD for term in terms):
            return LookupResult(LookupStatus.TOO_VAGUE, text, vagueness=Vagueness.TOO_SHORT)
        for level, matched_by in ((Level.WHOLE, "words"), (Level.START, "words"), (Level.MISSPELT, "typo")):
            codes = self._fitting(terms, level)
            if codes:
                return self._choose(text, normal, codes, matched_by, terms)
        return self._loosely(text, normal, terms)

    def _terms(self, normal: str) -> list[str]:
        """The query's telling words: common ones (and misspellings of them) dropped, county
        abbreviations read in full."""
        terms = []
        for word in normal.split():
            word = ABBREVIATIONS.get(word, word)
            if word in QUERY_STOP_WORDS or self._misspelt_stop_word(word):
                continue
            terms.append(word)
        return terms

    def _misspelt_stop_word(self, word: str) -> bool:
        if len(word) < 4 or word in self.by_word or self._codes_starting_word(word):
            return False
        return process.extractOne(word, STOP_WORDS, scorer=fuzz.ratio, score_cutoff=STOP_WORD_SIMILARITY) is not None

    def _fitting(self, terms: list[str], level: Level) -> set[str]:
        """Organisations whose names (or names people use for them) hold every term at `level` or
        closer, keeping those that need the fewest allowances: "York Teaching Hospital" is York and
        Scarborough Teaching Hospitals (only "hospital" begun), not Hull's (whose "Yorkshire" only
        begins with "York")."""
        matches = [self._matches(term, level) for term in terms]
        found: set[str] | None = None
        for by_level in matches:
            codes = set().union(*by_level.values())
            found = codes if found is None else found & codes
            if not found:
                return set()
        if not found or level is Level.WHOLE:
            return found or set()
        allowances = dict.fromkeys(found, 0)
        for by_level in matches:
            left = found
            for closeness, codes in by_level.items():  # closest first: each code counted once per term
                hit = left & codes
                for code in hit:
                    allowances[code] += closeness
                left = left - hit
        fewest = min(allowances.values())
        return {code for code, count in allowances.items() if count == fewest}

    def _codes_for(self, term: str, level: Level) -> set[str]:
        return set().union(*self._matches(term, level).values())

    def _matches(self, term: str, level: Level) -> dict[Level, set[str]]:
        """The organisations with a word like `term`, by how close the likeness is (up to `level`)."""
        found = {Level.WHOLE: self.by_word.get(term, set())}
        if level >= Level.START and len(term) >= SHORTEST_WORD:
            found[Level.START] = self._codes_starting_word(term)
        if term in self.by_word:
            # A word some name really has is meant as typed, never as a misspelling of another:
            # "Southampton General" must not become "Northampton General".
            return found
        if level >= Level.MISSPELT and len(term) >= 4:
            found[Level.MISSPELT] = self._codes_misspelt(term)
        if level >= Level.LOOSE and len(term) >= SHORTEST_WORD:
            found[Level.LOOSE] = self._codes_with_similar_word(term, LOOSE_WORD)
        return found

    def _is_like_a_word(self, term: str, level: Level) -> bool:
        """Whether some name has a word like `term` at `level` (without gathering who has it)."""
        if term in self.by_word:
            return True
        start = bisect.bisect_left(self.vocabulary, term)
        if len(term) >= SHORTEST_WORD and start < len(self.vocabulary) and self.vocabulary[start].startswith(term):
            return True
        if level is Level.MISSPELT:
            return len(term) >= 4 and bool(self._codes_misspelt(term))
        return (
            len(term) >= SHORTEST_WORD
            and process.extractOne(term, self.spellings, scorer=fuzz.ratio, score_cutoff=LOOSE_WORD) is not None
        )

    def _codes_starting_word(self, prefix: str) -> set[str]:
        start = bisect.bisect_left(self.vocabulary, prefix)
        codes: set[str] = set()
        for word in itertools.takewhile(lambda w: w.startswith(prefix), self.vocabulary[start:]):
            codes |= self.by_word[word]
        return codes

    def _codes_misspelt(self, term: str) -> set[str]:
        """Names with a word `term` may be a misspelling of: alike (WORD_SIMILARITY) and a slip or two
        of the keys away (one edit, a swap counting as one; two in a long word). "Lister" is not a
        misspelling of "Leicester", though they are 80% alike."""
        edits = 1 if len(term) <= 6 else 2
        codes: set[str] = set()
        for word, _, _ in process.extract(
            term, self.spellings, scorer=fuzz.ratio, limit=10, score_cutoff=WORD_SIMILARITY
        ):
            if OSA.distance(term, word, score_cutoff=edits) <= edits:
                codes |= self.by_word[word]
        return codes

    def _codes_with_similar_word(self, term: str, cutoff: float) -> set[str]:
        similar = process.extract(term, self.spellings, scorer=fuzz.ratio, limit=10, score_cutoff=cutoff)
        codes: set[str] = set()
        for word, _, _ in similar:
            codes |= self.by_word[word]
        return codes

    def _choose(
        self, query: str, normal: str, codes: Collection[str], matched_by: str, terms: list[str] | None = None
    ) -> LookupResult:
        """One organisation, the only open one among several, or every one to choose from."""
        wants_icb = "icb" in normal.split()  # "West Yorkshire ICB" means the ICB
        if len(codes) > MAX_LISTED and not wants_icb:  # too many to look at one by one
            return LookupResult(LookupStatus.TOO_VAGUE, query, vagueness=Vagueness.TOO_MANY, fits=len(codes))
        organisations = [self.by_code[code] for code in codes]
        if wants_icb:
            organisations = [org for org in organisations if org.kind is OrgKind.ICB] or organisations
        fits = len(organisations)
        if fits == 1:
            return self._resolved(query, organisations[0], matched_by)
        if fits > MAX_LISTED:
            return LookupResult(LookupStatus.TOO_VAGUE, query, vagueness=Vagueness.TOO_MANY, fits=fits)
        open_ones = [org for org in organisations if org.is_open]
        if len(open_ones) == 1:
            return self._resolved(query, open_ones[0], matched_by)
        if terms is not None and fits > FEW and all(term in DESCRIPTORS for term in terms):
            return LookupResult(LookupStatus.TOO_VAGUE, query, vagueness=Vagueness.TOO_COMMON, fits=fits)
        ranked = self._rank(normal, (org.ods_code for org in organisations))
        return LookupResult(LookupStatus.AMBIGUOUS, query, candidates=tuple(ranked), matched_by=matched_by)

    def _loosely(self, query: str, normal: str, terms: list[str]) -> LookupResult:
        """The last try: names with a word at least loosely like each of the query's, judged on the
        whole name. Needs one word matched more surely than loosely, so that a lone unknown word
        ("Preston") is never matched to a name that only looks like it ("Weston")."""
        unknown = tuple(term for term in terms if not self._is_like_a_word(term, Level.LOOSE))
        # A telling word must be matched surely: "St Helens" is only loosely "St Helier".
        anchored = any(self._is_like_a_word(term, Level.MISSPELT) for term in terms if term not in DESCRIPTORS)
        loose = self._fitting(terms, Level.LOOSE) if anchored and not unknown else set()
        scored = self._scored(normal, loose)
        choices = [c for c in scored if c.score >= CHOICE_SCORE]
        if choices:
            best, runner_up = choices[0].score, choices[1].score if len(choices) > 1 else 0.0
            sole = len(scored) == 1 and best >= SOLE_FIT_RESOLVES
            if sole or (best >= TYPO_RESOLVES and best - runner_up >= TYPO_MARGIN):
                return self._resolved(query, self.by_code[choices[0].ods_code], "typo")
        if len(choices) > 1:
            ranked = self._rank(normal, (c.ods_code for c in choices))
            return LookupResult(LookupStatus.AMBIGUOUS, query, candidates=tuple(ranked), matched_by="typo")
        suggestions = tuple(scored[:MAX_SUGGESTIONS]) or self._suggestions(normal, terms)
        return LookupResult(LookupStatus.NOT_FOUND, query, candidates=suggestions, unknown_words=unknown)

    def _suggestions(self, normal: str, terms: list[str]) -> tuple[Candidate, ...]:
        """The names holding most of the query's telling words (places and names, not words like
        "general" or "hospital"), spelt right or nearly."""
        holding = [
            codes for term in terms if term not in DESCRIPTORS and (codes := self._codes_for(term, Level.MISSPELT))
        ]
        if len(holding) == 1:
            best = holding[0]
        else:
            held = Counter(code for codes in holding for code in codes)
            most = max(held.values(), default=0)
            best = {code for code, count in held.items() if count == most}
        if not best or len(best) > MAX_LISTED:
            return ()  # nothing, or too many to be a suggestion
        return tuple(self._rank(normal, best)[:MAX_SUGGESTIONS])

    # Ranking

    def _scored(self, normal: str, codes: Iterable[str], limit: int = MAX_SHORTLIST) -> list[Candidate]:
        """Candidates by whole-name similarity (rapidfuzz WRatio, in one pass), the `limit` best first."""
        choices = {code: self.choices[code] for code in codes}
        if not choices:
            return []
        limit = min(len(choices), limit)
        return [
            self._candidate(code, score)
            for _, score, code in process.extract(normal, choices, scorer=fuzz.WRatio, limit=limit)
        ]

    def _rank(self, normal: str, codes: Iterable[str], limit: int = MAX_LISTED) -> list[Candidate]:
        """The order every list of organisations is shown in: open before closed, names that begin
        with the query's words first, then the most alike (the `limit` most alike are kept)."""
        scored = self._scored(normal, codes, limit)
        lead = tuple(self._terms(normal))
        return sorted(
            scored,
            key=lambda c: (not c.is_open, self._leading(c.ods_code, len(lead)) != lead, -c.score, c.name),
        )

    def _leading(self, code: str, count: int) -> tuple[str, ...]:
        """The first `count` significant words of a name ("nhs" and "integrated care board" aside)."""
        words = self.choices[code].split()
        if tuple(words[-3:]) == ICB_SUFFIX:
            words = words[:-3]
        return tuple(w for w in words if w not in STOP_WORDS)[:count]

    def _candidate(self, code: str, score: float) -> Candidate:
        organisation = self.by_code[code]
        return Candidate(code, organisation.name, round(score, 1), organisation.is_open)

    def _resolved(self, query: str, organisation: Organisation, matched_by: str) -> LookupResult:
        return LookupResult(LookupStatus.RESOLVED, query, organisation=organisation, matched_by=matched_by)

    # Typeahead

    def suggest(self, query: str, limit: int = 20) -> list[Candidate]:
        """Options for a typeahead, as the register spells the names (display_name): the
        organisation the text names, ODS codes that begin with it ("RR", "R0"), then names whose
        words begin with what has been typed, ranked as a lookup ranks them."""
        normal = normalise(query)
        if not normal:
            return []
        result = self.lookup(query)
        found: dict[str, Candidate] = {}
        if result.organisation is not None:
            found[result.organisation.ods_code] = self._candidate(result.organisation.ods_code, 100.0)
        for code in self._codes_starting(query):
            found.setdefault(code, self._candidate(code, 100.0))
        if len(found) < limit:
            for candidate in self._rank(normal, self._typed_so_far(normal), limit):
                found.setdefault(candidate.ods_code, candidate)
        return [
            Candidate(c.ods_code, display_name(c.name), c.score, c.is_open)
            for c in itertools.islice(found.values(), limit)
        ]

    def _typed_so_far(self, normal: str) -> set[str]:
        """Organisations whose names hold every word typed, the last perhaps only begun; words that
        name too many to index ("NHS", "the") are matched against the whole names."""
        terms = self._terms(normal)
        if not terms:
            words = set(normal.split())
            return {code for code, name in self._name_words.items() if words <= name}
        *whole, last = terms
        codes = (self._fitting(whole, Level.WHOLE) or self._fitting(whole, Level.START)) if whole else None
        begun = self.by_word.get(last, set()) | self._codes_starting_word(last)
        codes = begun if codes is None else codes & begun
        return codes or self._fitting(terms, Level.MISSPELT)

    def _codes_starting(self, query: str) -> list[str]:
        """ODS codes that begin with what was typed, when it could be the start of one."""
        prefix = query.strip().upper()
        if not prefix.isalnum() or len(prefix) > 5:
            return []
        codes = self._sorted_codes
        start = bisect.bisect_left(codes, prefix)
        return list(itertools.takewhile(lambda code: code.startswith(prefix), codes[start : start + 200]))

    def warm(self) -> None:
        """Build now the indexes otherwise built by the first question that needs them: a server
        builds a new read model in the background, and the first request after the swap should
        not pay for them (at 50,000 organisations, tens of milliseconds)."""
        _ = self._sorted_codes, self._name_words

    @functools.cached_property
    def _sorted_codes(self) -> list[str]:
        return sorted(self.by_code)

    @functools.cached_property
    def _name_words(self) -> dict[str, frozenset[str]]:
        return {code: frozenset(name.split()) for code, name in self.choices.items()}
