"""Resolving what a user typed to one organisation, before any database is involved."""

from __future__ import annotations

from datetime import date

import pytest

from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.services.lookup import LookupStatus, OrganisationIndex, acronyms

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
]
ALIASES = {"UHS": {"RHM"}, "GSTT": {"RJ1"}, "Maudsley": {"RV5"}}


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
    for query in ("xyzzy plugh", "", "   ", "nhs trust", "<!channel>"):
        result = index.lookup(query)
        assert result.status is LookupStatus.NOT_FOUND
        assert result.organisation is None


def test_a_far_typo_is_offered_not_decided(index: OrganisationIndex) -> None:
    result = index.lookup("Homerto Helthcare Trst London")
    assert result.status is LookupStatus.AMBIGUOUS and result.organisation is None
    assert "RQX" in {c.ods_code for c in result.candidates}


def test_a_word_typed_correctly_is_never_read_as_a_misspelling_of_another(index: OrganisationIndex) -> None:
    # "Southampton" is a real word of a name: the answer must not silently be Northampton General.
    result = index.lookup("Southampton General")
    assert result.status is LookupStatus.AMBIGUOUS and result.organisation is None
    assert {"RHM", "RNS"} <= {c.ods_code for c in result.candidates}


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
