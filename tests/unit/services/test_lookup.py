"""Resolving what a user typed to one organisation, before any database is involved."""

from __future__ import annotations

from datetime import date

import pytest

from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.services.lookup import LookupStatus, OrganisationIndex, Vagueness, acronyms

ORGANISATIONS = [
    Organisation("RR8", "LEEDS TEACHING HOSPITALS NHS TRUST"),
    Organisation("RY6", "LEEDS COMMUNITY HEALTHCARE NHS TRUST"),
    Organisation("RGD", "LEEDS AND YORK PARTNERSHIP NHS FOUNDATION TRUST"),
    Organisation("RHM", "UNIVERSITY HOSPITAL SOUTHAMPTON NHS FOUNDATION TRUST"),
    Organisation("RJ1", "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST"),
    Organisation("RW4", "MERSEY CARE NHS FOUNDATION TRUST"),
    Organisation("QYG", "NHS Cheshire and Merseyside Integrated Care Board", OrgKind.ICB),
    Organisation("QWO", "NHS West Yorkshire Integrated Care Board", OrgKind.ICB),
    Organisation("RXG", "SOUTH WEST YORKSHIRE PARTNERSHIP NHS FOUNDATION TRUST"),
    Organisation(
        "RDZ", "THE ROYAL BOURNEMOUTH AND CHRISTCHURCH HOSPITALS NHS FOUNDATION TRUST", closed_on=date(2020, 9, 30)
    ),
    Organisation("R0D", "UNIVERSITY HOSPITALS DORSET NHS FOUNDATION TRUST"),
    Organisation("RD3", "POOLE HOSPITAL NHS FOUNDATION TRUST", closed_on=date(2020, 9, 30)),
    Organisation("RQX", "HOMERTON HEALTHCARE NHS FOUNDATION TRUST"),
    Organisation("RQY", "SOUTH WEST LONDON AND ST GEORGE'S MENTAL HEALTH NHS TRUST"),
    Organisation("RJ7", "ST GEORGE'S UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    Organisation("RXX", "DORSET HOSPITALS NHS TRUST", closed_on=date(2019, 1, 1)),
    Organisation("RNS", "NORTHAMPTON GENERAL HOSPITAL NHS TRUST"),
    Organisation("RNQ", "KETTERING GENERAL HOSPITAL NHS FOUNDATION TRUST"),
    Organisation("RAS", "THE HILLINGDON HOSPITALS NHS FOUNDATION TRUST"),
    Organisation("RR1", "HEART OF ENGLAND NHS FOUNDATION TRUST", closed_on=date(2018, 4, 1)),
    Organisation("RBQ", "LIVERPOOL HEART AND CHEST HOSPITAL NHS FOUNDATION TRUST"),
    Organisation("RYC", "EAST OF ENGLAND AMBULANCE SERVICE NHS TRUST"),
    Organisation("RBS", "ALDER HEY CHILDREN'S NHS FOUNDATION TRUST"),
    Organisation("RM3", "NORTHERN CARE ALLIANCE NHS FOUNDATION TRUST"),
    Organisation("RJD", "MID STAFFORDSHIRE NHS FOUNDATION TRUST", closed_on=date(2017, 10, 31)),
    Organisation("RLY", "NORTH STAFFORDSHIRE COMBINED HEALTHCARE NHS TRUST"),
    Organisation("RAJ", "MID AND SOUTH ESSEX NHS FOUNDATION TRUST"),
    Organisation("QH8", "NHS Mid and South Essex Integrated Care Board", OrgKind.ICB),
    Organisation("QJK", "NHS Devon Integrated Care Board", OrgKind.ICB),
    Organisation("RH8", "ROYAL DEVON UNIVERSITY HEALTHCARE NHS FOUNDATION TRUST"),
    Organisation("QMJ", "NHS North Central London Integrated Care Board", OrgKind.ICB),
    # Every organisation with Birmingham in its name, as in the register: University Hospitals
    # Birmingham must be among the choices, and the closed one last.
    Organisation("RLU", "BIRMINGHAM WOMEN'S NHS FOUNDATION TRUST", closed_on=date(2017, 1, 31)),
    Organisation("RRK", "UNIVERSITY HOSPITALS BIRMINGHAM NHS FOUNDATION TRUST"),
    Organisation("RXT", "BIRMINGHAM AND SOLIHULL MENTAL HEALTH NHS FOUNDATION TRUST"),
    Organisation("RYW", "BIRMINGHAM COMMUNITY HEALTHCARE NHS FOUNDATION TRUST"),
    Organisation("RQ3", "BIRMINGHAM WOMEN'S AND CHILDREN'S NHS FOUNDATION TRUST"),
    Organisation("QHL", "NHS Birmingham and Solihull Integrated Care Board", OrgKind.ICB),
    Organisation("RXK", "SANDWELL AND WEST BIRMINGHAM HOSPITALS NHS TRUST"),
    Organisation("RWE", "UNIVERSITY HOSPITALS OF LEICESTER NHS TRUST"),
    Organisation("RVR", "EPSOM AND ST HELIER UNIVERSITY HOSPITALS NHS TRUST"),
    Organisation("RWA", "HULL UNIVERSITY TEACHING HOSPITALS NHS TRUST"),
    Organisation("RCB", "YORK AND SCARBOROUGH TEACHING HOSPITALS NHS FOUNDATION TRUST"),
]
ALIASES = {
    "UHS": {"RHM"},
    "GSTT": {"RJ1"},
    "Maudsley": {"RV5"},
    "Salford Royal NHS Foundation Trust": {"RM3"},
    "BOB": {"QU9"},
    "Hull and East Yorkshire Hospitals NHS Trust": {"RWA"},
}


@pytest.fixture(scope="module")
def index() -> OrganisationIndex:
    return OrganisationIndex(ORGANISATIONS, ALIASES)


@pytest.mark.parametrize(
    ("query", "code", "how"),
    [
        ("RR8", "RR8", "code"),
        ("rr8", "RR8", "code"),
        ("UHS", "RHM", "alias"),
        ("gstt", "RJ1", "alias"),
        ("Leeds Teaching Hospitals NHS Trust", "RR8", "name"),
        ("LTHT", "RR8", "acronym"),
        ("Leeds Teaching", "RR8", "words"),
        ("Guys and St Thomas", "RJ1", "name"),
        ("guy's & st thomas'", "RJ1", "name"),
        ("St Thomas Guys", "RJ1", "words"),
        ("Leeds Teching", "RR8", "typo"),
        ("Mersy Care", "RW4", "typo"),
        ("Southamptn", "RHM", "typo"),
    ],
)
def test_resolves_codes_aliases_names_acronyms_words_and_typos(
    index: OrganisationIndex, query: str, code: str, how: str
) -> None:
    result = index.lookup(query)
    assert result.status is LookupStatus.RESOLVED
    assert result.organisation is not None and result.organisation.ods_code == code
    assert result.matched_by == how


def test_a_query_that_fits_several_offers_them_ranked(index: OrganisationIndex) -> None:
    result = index.lookup("Leeds")
    assert result.status is LookupStatus.AMBIGUOUS
    assert {c.ods_code for c in result.candidates} == {"RR8", "RY6", "RGD"}
    assert all(c.score > 0 for c in result.candidates)


def test_whole_words_beat_prefixes_and_icb_means_an_icb(index: OrganisationIndex) -> None:
    assert index.lookup("Mersey Care").organisation.ods_code == "RW4"  # type: ignore[union-attr]
    assert index.lookup("West Yorkshire ICB").organisation.ods_code == "QWO"  # type: ignore[union-attr]
    assert index.lookup("West Yorkshire").status is LookupStatus.AMBIGUOUS


def test_open_organisations_are_preferred_when_a_query_fits_open_and_closed(index: OrganisationIndex) -> None:
    result = index.lookup("Dorset Hospitals")
    # "Dorset Hospitals NHS Trust" (closed) is an exact name, so it is answered as itself...
    assert result.organisation is not None and result.organisation.ods_code == "RXX"
    assert not result.organisation.is_open
    # ...but words that fit an open and a closed trust pick the open one.
    assert index.lookup("Dorset University").organisation.ods_code == "R0D"  # type: ignore[union-attr]


def test_a_closed_organisation_is_reported_as_closed_not_replaced(index: OrganisationIndex) -> None:
    result = index.lookup("Poole Hospital")
    assert result.status is LookupStatus.RESOLVED
    assert result.organisation is not None and result.organisation.ods_code == "RD3"
    assert result.organisation.closed_on == date(2020, 9, 30)


def test_nothing_close_is_not_found_without_suggestions(index: OrganisationIndex) -> None:
    for query in ("xyzzy plugh", "", "   ", "<!channel>"):
        result = index.lookup(query)
        assert result.status is LookupStatus.NOT_FOUND
        assert result.organisation is None and result.candidates == ()


def test_a_far_typo_is_offered_not_decided(index: OrganisationIndex) -> None:
    # No name has every word ("London" is not Homerton's): nothing is chosen, Homerton is offered.
    result = index.lookup("Homerto Helthcare Trst London")
    assert result.status is LookupStatus.NOT_FOUND and result.organisation is None
    assert result.candidates[0].ods_code == "RQX"


def test_a_word_typed_correctly_is_never_read_as_a_misspelling_of_another(index: OrganisationIndex) -> None:
    # "Southampton" is a real word of a name: the answer must not be Northampton General, even as a choice.
    result = index.lookup("Southampton General")
    assert result.status is LookupStatus.NOT_FOUND and result.organisation is None
    assert [c.ods_code for c in result.candidates] == ["RHM"]


def test_a_name_that_fits_nothing_suggests_names_with_its_telling_words(index: OrganisationIndex) -> None:
    result = index.lookup("Leeds General Infirmary")
    assert result.status is LookupStatus.NOT_FOUND
    assert {"RR8", "RY6", "RGD"} <= {c.ods_code for c in result.candidates}


def test_one_shared_word_is_not_a_match(index: OrganisationIndex) -> None:
    result = index.lookup("xyz hospital")  # "hospital" alone: suggestions at most, never a choice to make
    assert result.status is LookupStatus.NOT_FOUND and result.organisation is None


def test_aliases_to_unknown_codes_are_ignored(index: OrganisationIndex) -> None:
    assert index.lookup("Maudsley").status is LookupStatus.NOT_FOUND


def test_acronyms_come_from_the_significant_words() -> None:
    assert acronyms("Leeds Teaching Hospitals NHS Trust") == {"lth", "ltht", "lthft"}
    assert acronyms("NHS Trust") == set()


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("hi", Vagueness.TOO_SHORT),  # not Hillingdon
        ("he", Vagueness.TOO_SHORT),  # not the closed Heart of England by its initials
        ("St", Vagueness.TOO_SHORT),
        ("UH", Vagueness.TOO_SHORT),
        ("the", Vagueness.TOO_COMMON),
        ("NHS", Vagueness.TOO_COMMON),
        ("trust", Vagueness.TOO_COMMON),
        ("NHS Trust", Vagueness.TOO_COMMON),
        ("foundation trust", Vagueness.TOO_COMMON),
        ("ICB", Vagueness.TOO_COMMON),
        ("NHS England", Vagueness.TOO_COMMON),  # not East of England Ambulance Service
    ],
)
def test_too_short_or_too_common_asks_for_more_never_guesses(
    index: OrganisationIndex, query: str, why: Vagueness
) -> None:
    result = index.lookup(query)
    assert result.status is LookupStatus.TOO_VAGUE and result.vagueness is why
    assert result.organisation is None and result.candidates == ()


def test_too_many_fits_asks_for_more_and_says_how_many() -> None:
    many = [Organisation(f"X{n:03}", f"LEEDS PLACE {n} NHS TRUST") for n in range(60)]
    result = OrganisationIndex(many, {}).lookup("Leeds")
    assert result.status is LookupStatus.TOO_VAGUE and result.vagueness is Vagueness.TOO_MANY
    assert result.fits == 60


def test_describing_words_that_fit_more_than_a_few_are_too_common() -> None:
    places = ("Leeds", "York", "Hull", "Bath", "Derby", "Luton", "Poole", "Truro", "Wigan", "Bury", "Kent")
    index = OrganisationIndex([Organisation(f"X{n:02}", f"{p} HOSPITALS NHS TRUST") for n, p in enumerate(places)], {})
    result = index.lookup("hospitals")
    assert result.status is LookupStatus.TOO_VAGUE and result.vagueness is Vagueness.TOO_COMMON
    assert result.fits == len(places)


def test_describing_words_that_fit_only_a_few_are_a_choice(index: OrganisationIndex) -> None:
    result = index.lookup("general hospital")
    assert result.status is LookupStatus.AMBIGUOUS
    assert {c.ods_code for c in result.candidates} == {"RNQ", "RNS"}


def test_an_unknown_word_is_never_dropped_to_make_a_guess_fit(index: OrganisationIndex) -> None:
    result = index.lookup("Foo General Hospital")
    assert result.status is LookupStatus.NOT_FOUND and result.organisation is None
    assert result.candidates == ()  # "general" and "hospital" alone suggest nothing
    assert result.unknown_words == ("foo",)


def test_a_place_lists_every_organisation_named_for_it_open_before_closed(index: OrganisationIndex) -> None:
    result = index.lookup("Birmingham")
    assert result.status is LookupStatus.AMBIGUOUS
    codes = [c.ods_code for c in result.candidates]
    assert set(codes) == {"RLU", "RRK", "RXT", "RYW", "RQ3", "QHL", "RXK"}
    assert codes[-1] == "RLU"  # the closed one last
    # Names that begin with the place come before names that only hold it.
    assert codes.index("RXK") > max(codes.index(code) for code in ("RXT", "RYW", "RQ3", "QHL"))


def test_the_one_open_organisation_among_closed_ones_is_the_answer(index: OrganisationIndex) -> None:
    result = index.lookup("Heart")  # Heart of England (closed) and Liverpool Heart and Chest
    assert result.organisation is not None and result.organisation.ods_code == "RBQ"
    assert index.lookup("Heart of England").organisation.ods_code == "RR1"  # type: ignore[union-attr]


def test_names_people_use_match_whole_with_suffixes_and_by_their_words(index: OrganisationIndex) -> None:
    for query in ("Salford Royal NHS Foundation Trust", "Salford Royal NHS FT", "Salford Royal", "Salford"):
        result = index.lookup(query)
        assert result.organisation is not None and result.organisation.ods_code == "RM3", query
    assert index.lookup("BOB ICB").status is LookupStatus.NOT_FOUND  # QU9 is not in this register


def test_county_abbreviations_read_as_the_county(index: OrganisationIndex) -> None:
    assert index.lookup("Mid Staffs").organisation.ods_code == "RJD"  # type: ignore[union-attr]
    assert index.lookup("North Staffs").organisation.ods_code == "RLY"  # type: ignore[union-attr]


def test_icbs_by_the_names_they_use_and_their_initials(index: OrganisationIndex) -> None:
    assert index.lookup("NHS Devon").organisation.ods_code == "QJK"  # type: ignore[union-attr]
    assert index.lookup("NCL ICB").organisation.ods_code == "QMJ"  # type: ignore[union-attr]
    assert index.lookup("Mid and South Essex").organisation.ods_code == "RAJ"  # type: ignore[union-attr]
    assert index.lookup("Mid and South Essex ICB").organisation.ods_code == "QH8"  # type: ignore[union-attr]
    assert index.lookup("Devon").status is LookupStatus.AMBIGUOUS


def test_a_loose_likeness_resolves_only_where_one_name_fits_every_word(index: OrganisationIndex) -> None:
    assert index.lookup("Alder Hay").organisation.ods_code == "RBS"  # type: ignore[union-attr]
    assert index.lookup("Preston").status is LookupStatus.NOT_FOUND  # one word, only loosely like "Weston"


def test_typeahead_ranks_as_lookup_does_in_the_registers_case(index: OrganisationIndex) -> None:
    options = index.suggest("Birmingham")
    assert [o.ods_code for o in options] == [c.ods_code for c in index.lookup("Birmingham").candidates]
    assert options[0].name == "Birmingham and Solihull Mental Health NHS Foundation Trust"
    assert index.suggest("Leeds Te")[0].ods_code == "RR8"  # the last word only begun
    assert index.suggest("uhs")[0].name == "University Hospital Southampton NHS Foundation Trust"


def test_typeahead_matches_the_start_of_a_code() -> None:
    index = OrganisationIndex([Organisation(code, f"TRUST {code}") for code in ("RR1", "RR8", "RRK", "R0A")], {})
    assert [o.ods_code for o in index.suggest("RR")][:3] == ["RR1", "RR8", "RRK"]
    assert [o.ods_code for o in index.suggest("r0")] == ["R0A"]


@pytest.mark.parametrize(
    ("query", "not_this"),
    [
        ("Lister Hospital", "RWE"),  # 80% like "Leicester", but three slips of the keys away
        ("UHSx", "RHM"),  # initials are never misspelt initials: not Southampton's UHS
        ("St Helens", "RVR"),  # only loosely like St Helier
    ],
)
def test_a_word_that_is_only_somewhat_alike_is_never_the_answer(
    index: OrganisationIndex, query: str, not_this: str
) -> None:
    result = index.lookup(query)
    assert result.status is LookupStatus.NOT_FOUND and result.organisation is None
    assert not_this not in {c.ods_code for c in result.candidates}


def test_of_several_fits_the_one_needing_fewest_allowances_is_meant(index: OrganisationIndex) -> None:
    # Hull's "Yorkshire" (a name people use) only begins with "York"; York and Scarborough has it whole.
    assert index.lookup("York Teaching Hospital").organisation.ods_code == "RCB"  # type: ignore[union-attr]


def test_a_name_run_together_and_initials_with_an_ampersand(index: OrganisationIndex) -> None:
    assert index.lookup("Merseycare").organisation.ods_code == "RW4"  # type: ignore[union-attr]
    assert index.lookup("C&M ICB").organisation.ods_code == "QYG"  # type: ignore[union-attr]


def test_a_former_name_in_the_register_finds_the_organisation_that_carried_it() -> None:
    bristol = Organisation("RA7", "BRISTOL NHS FOUNDATION TRUST")
    index = OrganisationIndex([bristol], {}, {"RA7": ["UNIVERSITY HOSPITALS BRISTOL AND WESTON NHS FOUNDATION TRUST"]})
    for query in ("University Hospitals Bristol and Weston", "UHBW", "Bristol and Weston", "Weston"):
        assert index.lookup(query).organisation == bristol, query
    assert index.suggest("UHBW")[0].name == "Bristol NHS Foundation Trust"  # shown by its name now
