"""The one grammar every platform shares."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight_bot.chat.commands import (
    Command,
    ExplainSegment,
    GetSegment,
    ListSegment,
    ShowHelp,
    ShowHistory,
    ShowLeague,
    parse_segment_command,
    parse_text,
)
from oversight_bot.domain.organisations import TrustType


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("segment Leeds Teaching", GetSegment(query="Leeds Teaching")),
        ("/segment Leeds Teaching", GetSegment(query="Leeds Teaching")),
        ("/oversight why RWR", ExplainSegment(query="RWR")),
        ("@Oversight history RWR", ShowHistory(query="RWR")),
        ("<at>Oversight</at> segment RR8", GetSegment(query="RR8")),
        ("WHY rwr", ExplainSegment(query="rwr")),
        ("league mh", ShowLeague(table=TrustType.MENTAL_HEALTH_AND_COMMUNITY)),
        ("league acute London", ShowLeague(table=TrustType.ACUTE, region="London")),
        (
            "league acute region:North East and Yorkshire page:3",
            ShowLeague(table=TrustType.ACUTE, region="North East and Yorkshire", page=3),
        ),
        ("list segment:4", ListSegment(segment=4)),
        ("list segment:2 region:North West page:2", ListSegment(segment=2, region="North West", page=2)),
        ("help", ShowHelp()),
        ("", ShowHelp()),
        ("/oversight", ShowHelp()),
    ],
)
def test_parses_the_shared_grammar(text: str, command: Command) -> None:
    assert parse_text(text) == command


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("segment", "needs an organisation"),
        ("league", "needs a table"),
        ("league dental", "needs a table"),
        ("list", "needs a segment from 1 to 5"),
        ("list segment:7", "needs a segment from 1 to 5"),
        ("list segment:2 page:zero", "whole number"),
        ("frobnicate RWR", "Unknown command"),
    ],
)
def test_what_is_not_understood_becomes_help_with_the_reason(text: str, problem: str) -> None:
    command = parse_text(text)
    assert isinstance(command, ShowHelp)
    assert command.problem is not None and problem in command.problem


def test_words_that_are_not_a_command_are_kept_to_check_as_an_organisation() -> None:
    command = parse_text("Leeds Teaching")
    assert isinstance(command, ShowHelp) and command.organisation == "Leeds Teaching"
    assert command.suggestion is None  # only if they name one (Conversation looks them up)


def test_a_mistyped_command_suggests_the_command_it_resembles() -> None:
    command = parse_text("segmnet RR8")
    assert isinstance(command, ShowHelp) and command.suggestion == "segment RR8"
    assert parse_text("asdfghjkl").suggestion is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help league", ShowHelp(about="league")),
        ("help unsubscribe", ShowHelp(about="unsubscribe")),
        (
            "league",
            ShowHelp(
                problem="`league` needs a table: acute, mh or ambulance (e.g. `league mh London`).", about="league"
            ),
        ),
        (
            "mute forever",
            ShowHelp(
                problem="`mute` needs a duration up to 30 days, like `mute 2h`, `mute 3d`, or `mute off`.", about="mute"
            ),
        ),
    ],
)
def test_help_for_one_command_and_problems_name_the_command_whose_usage_helps(text: str, command: Command) -> None:
    assert parse_text(text) == command


def test_help_for_a_command_that_does_not_exist_suggests_the_nearest() -> None:
    command = parse_text("help leage")
    assert isinstance(command, ShowHelp) and command.problem == "There is no command called leage."
    assert command.suggestion == "help league"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("what segment is Leeds Teaching in?", GetSegment(query="Leeds Teaching")),
        ("segment rr8 please", GetSegment(query="rr8")),
        ("/segment rr8 please", GetSegment(query="rr8")),
        ("What's the segment for RR8?", GetSegment(query="RR8")),
        ("which segment is GOSH in", GetSegment(query="GOSH")),
        ("Can you tell me the segment of Guys and St Thomas, please?", GetSegment(query="Guys and St Thomas")),
        ("hi, what is RR8's segment?", GetSegment(query="RR8")),
        ("where does Leeds Teaching stand?", GetSegment(query="Leeds Teaching")),
        ("@Oversight what segment is RR8 in?", GetSegment(query="RR8")),
        ("why is RWR in segment 3?", ExplainSegment(query="RWR")),
        ("history of the Maudsley please", ShowHistory(query="the Maudsley")),
        ("league mh please", ShowLeague(table=TrustType.MENTAL_HEALTH_AND_COMMUNITY)),
        ("thanks", ShowHelp(problem="Unknown command: thanks", organisation="thanks")),
    ],
)
def test_plain_and_polite_questions_are_understood(text: str, command: Command) -> None:
    assert parse_text(text) == command


def test_a_triage_outcome_is_kept_exactly_as_typed() -> None:
    command = parse_text("triage C-2026-000001 close Board assured. Thanks")
    assert command.outcome == "Board assured. Thanks"  # type: ignore[attr-defined]


def test_the_segment_slash_command_takes_the_organisation_directly() -> None:
    assert parse_segment_command("Leeds Teaching") == GetSegment(query="Leeds Teaching")
    assert parse_segment_command("why RWR") == ExplainSegment(query="RWR")
    assert parse_segment_command("rr8 please") == GetSegment(query="rr8")
    assert parse_segment_command("what segment is RR8 in?") == GetSegment(query="RR8")
    assert isinstance(parse_segment_command("   "), ShowHelp)


@given(st.text(max_size=3000))
def test_any_text_parses_to_a_command_without_raising(text: str) -> None:
    command = parse_text(text)
    assert isinstance(command, Command)
    if isinstance(command, GetSegment):
        assert 0 < len(command.query) <= 500
