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


def test_an_unknown_verb_suggests_it_was_meant_as_an_organisation() -> None:
    command = parse_text("Leeds Teaching")
    assert isinstance(command, ShowHelp) and command.suggestion == "segment Leeds Teaching"


def test_the_segment_slash_command_takes_the_organisation_directly() -> None:
    assert parse_segment_command("Leeds Teaching") == GetSegment(query="Leeds Teaching")
    assert parse_segment_command("why RWR") == ExplainSegment(query="RWR")
    assert isinstance(parse_segment_command("   "), ShowHelp)


@given(st.text(max_size=3000))
def test_any_text_parses_to_a_command_without_raising(text: str) -> None:
    command = parse_text(text)
    assert isinstance(command, Command)
    if isinstance(command, GetSegment):
        assert 0 < len(command.query) <= 500
