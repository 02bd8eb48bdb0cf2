"""The concern form's validation, which Slack's modal, Teams' card and the console share."""

from __future__ import annotations

from datetime import date

from oversight_bot.chat.concern_form import validate
from oversight_bot.chat.replies import mention
from oversight_bot.domain.concerns import Category, RaisedAs, Severity
from oversight_bot.services.concerns import ConcernSubmission

TODAY = date(2026, 11, 22)
KNOWN = {"RR8", "RWR"}


def check(**overrides: str | None) -> ConcernSubmission | dict[str, str]:
    values: dict[str, str | None] = {
        "organisation": "RR8",
        "category": "finance",
        "severity": "medium",
        "summary": "Agency spend not reported to the board",
        "details": "Three months of agency invoices were held back.",
        "raised_as": "confidentially",
    }
    return validate(values | overrides, KNOWN.__contains__, TODAY)


def test_a_complete_form_becomes_a_submission() -> None:
    assert check(occurred_on="2026-11-22", organisation=" rr8 ") == ConcernSubmission(
        ods_code="RR8",
        category=Category.FINANCE,
        severity=Severity.MEDIUM,
        summary="Agency spend not reported to the board",
        details="Three months of agency invoices were held back.",
        raised_as=RaisedAs.CONFIDENTIALLY,
        occurred_on=date(2026, 11, 22),
    )


def test_every_mistake_is_reported_at_once_against_its_field() -> None:
    errors = check(organisation="XYZ", category=None, summary="", details="d" * 3001, occurred_on="2026-11-23")
    assert isinstance(errors, dict)
    assert set(errors) == {"organisation", "category", "summary", "details", "occurred_on"}


def test_board_member_details_are_kept_only_for_fit_and_proper_person_concerns() -> None:
    finance = check(board_member_role="Chair", board_member_name="B")
    assert isinstance(finance, ConcernSubmission) and finance.board_member_role is None
    board = check(category="fit_and_proper_person", board_member_role="Chair", board_member_name="B")
    assert isinstance(board, ConcernSubmission) and (board.board_member_role, board.board_member_name) == ("Chair", "B")
    too_long = check(category="fit_and_proper_person", board_member_role="C" * 101, board_member_name="B")
    assert too_long == {"board_member_role": "Board member's role is 101 characters; at most 100, please."}


def test_text_cannot_carry_the_chat_layers_own_mention_marks() -> None:
    submitted = check(details=f"ask {mention('U0BOSS')}")
    assert isinstance(submitted, ConcernSubmission) and submitted.details == "ask U0BOSS"
