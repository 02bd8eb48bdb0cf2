from __future__ import annotations

import pytest

from oversight_bot.domain.organisations import TrustType, display_name


@pytest.mark.parametrize(
    ("official", "shown"),
    [
        ("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST", "Guy's and St Thomas' NHS Foundation Trust"),
        (
            "THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST",
            "The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        ),
        (
            "NHS STAFFORDSHIRE AND STOKE-ON-TRENT INTEGRATED CARE BOARD",
            "NHS Staffordshire and Stoke-on-Trent Integrated Care Board",
        ),
        (
            "Herefordshire and Worcestershire Health and Care NHS Trust",
            "Herefordshire and Worcestershire Health and Care NHS Trust",
        ),
    ],
)
def test_names_are_shown_in_the_case_nhs_england_prints(official: str, shown: str) -> None:
    assert display_name(official) == shown


@pytest.mark.parametrize(
    ("word", "table"),
    [("acute", TrustType.ACUTE), ("MH", TrustType.MENTAL_HEALTH_AND_COMMUNITY), ("ambulance", TrustType.AMBULANCE)],
)
def test_league_table_words(word: str, table: TrustType) -> None:
    assert TrustType.from_short(word) is table
    assert TrustType.from_short("dental") is None
