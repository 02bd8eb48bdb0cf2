"""The conversation layer on the seeded data: the shared table of cases, and what paging and buttons do."""

from __future__ import annotations

import pytest

from oversight_bot.bootstrap import Application
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply, ReplyKind
from oversight_bot.console.render import plain
from oversight_bot.domain.actors import Actor
from tests.conversation_cases import CASES, Case

ACTOR = Actor("test", "U1")


@pytest.fixture(scope="module")
def conversation(seeded_sqlite_template: object) -> Conversation:
    from oversight_bot.bootstrap import build
    from oversight_bot.config import Settings

    app = build(Settings(database_url=f"sqlite:///{seeded_sqlite_template}"), prepare_store=False)
    return Conversation(app.segments)


def check(case: Case, reply: Reply, shown: str) -> None:
    assert reply.kind is case.kind, shown
    for words in case.says:
        assert words in shown, f"{words!r} missing from:\n{shown}"
    for words in case.never_says:
        assert words not in shown, f"{words!r} should not be in:\n{shown}"
    commands = [choice.command for choice in reply.choices]
    for command in case.buttons:
        assert command in commands
    assert (reply.more.command if reply.more else None) == case.more


@pytest.mark.parametrize("case", CASES, ids=[c.text or "(empty)" for c in CASES])
def test_conversation_cases(conversation: Conversation, case: Case) -> None:
    reply = conversation.respond(case.text, ACTOR)
    check(case, reply, plain(reply))


def test_every_button_runs_a_command_that_answers(conversation: Conversation) -> None:
    for case in CASES:
        reply = conversation.respond(case.text, ACTOR)
        for choice in reply.choices:
            followed = conversation.respond(choice.command, ACTOR)
            assert followed.kind is not ReplyKind.ERROR, (case.text, choice.command)


def test_paging_walks_the_whole_table_once(conversation: Conversation) -> None:
    seen: list[str] = []
    reply = conversation.respond("league mh", ACTOR)
    while True:
        seen += [line for section in reply.sections for line in section.lines]
        if reply.more is None:
            break
        reply = conversation.respond(reply.more.command, ACTOR)
    assert len(seen) == 61 and len(set(seen)) == 61


def test_paging_a_choice_offers_every_organisation_once_open_ones_first(conversation: Conversation) -> None:
    offered: list[str] = []
    reply = conversation.respond("segment London", ACTOR)
    while True:
        offered += [choice.command for choice in reply.choices]
        if reply.more is None:
            break
        reply = conversation.respond(reply.more.command, ACTOR)
    found = conversation.segments.reader().lookup("London")
    assert offered == [f"segment {c.ods_code}" for c in found.candidates] and len(set(offered)) == len(offered)
    open_flags = [c.is_open for c in found.candidates]
    assert open_flags == sorted(open_flags, reverse=True) and not open_flags[-1]


def test_a_new_import_is_seen_by_the_next_question(seeded_app: Application, tmp_path: object) -> None:
    conversation = Conversation(seeded_app.segments)
    assert "Segment 2" in plain(conversation.respond("segment RDY", ACTOR))
    from pathlib import Path

    from oversight_bot.ingest.nof import read_nof_file
    from tests.nof_files import write_nof

    def worsen(row: dict[str, str]) -> dict[str, str]:
        if row["Trust_code"] == "RDY" and row["Quarter"] == "Q2 2025/26" and row["Metric_ID"] in ("OF5000", "OF5005"):
            row["Value"] = "4.0"
        return row

    seeded_app.importer.nof(read_nof_file(write_nof(Path(str(tmp_path)) / "revised.csv", change=worsen)))
    assert "Segment 4" in plain(conversation.respond("segment RDY", ACTOR))
