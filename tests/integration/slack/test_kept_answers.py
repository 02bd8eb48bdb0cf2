"""Answers kept until their data changes (chat/answers.py, slack/answers.py): a question asked again
gets the same answer without Bolt, and never a stale one: after an import, after a concern is
opened, or where the answer depends on who asks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from oversight_bot.bootstrap import Application, build, slack_http_app
from oversight_bot.chat.commands import GetSegment, parse_text
from oversight_bot.domain.actors import Actor
from oversight_bot.ingest.nof import read_nof_file
from tests.http_server import serving
from tests.integration.concerns.test_records import SUBMISSION
from tests.integration.slack.conftest import slack_settings
from tests.nof_files import write_cumulative
from tests.slack_requests import settled_slack_app, signed_headers, slash_command
from tests.slack_standin import SlackStandIn

FORM = "application/x-www-form-urlencoded"
hooks = count()


def ask(base_url: str, command: str, text: str, user: str = "U0ASKER") -> dict[str, Any]:
    body = slash_command(command, text, response_url=f"http://127.0.0.1:9/hook/{next(hooks)}", user=user)
    response = httpx.post(f"{base_url}/slack/events", content=body, headers=signed_headers(body, content_type=FORM))
    assert response.status_code == 200
    return dict(response.json())


@pytest.fixture
def served(oversight: Application) -> Iterator[str]:
    oversight.segments.refresh()
    with serving(slack_http_app(oversight, bolt=settled_slack_app(oversight))) as url:
        yield url


def is_kept(app: Application, text: str) -> bool:
    form = {"command": "/segment", "text": text, "user_id": "U0ASKER", "channel_id": "C0CHAN", "team_id": "T0STANDIN"}
    return app.slack_answers.kept_answer(form) is not None


def test_a_question_asked_again_gets_the_same_answer_kept_and_a_new_one_after_an_import(
    oversight: Application, served: str, tmp_path: Path
) -> None:
    first = ask(served, "/segment", "RW1")  # worked out by Bolt's listener (a process's first: counts read)
    assert ask(served, "/segment", "RW1") == first  # worked out again, and kept
    assert is_kept(oversight, "RW1")
    again = ask(served, "/segment", "RW1", user="U0OTHER")  # from the kept answer: the same for everyone
    assert again == first
    assert "Q2 2025/26" in json.dumps(first)
    oversight.importer.nof(read_nof_file(write_cumulative(tmp_path / "q1-q4.csv")))  # Q3 and Q4: RW1 moves
    assert not is_kept(oversight, "RW1")  # the data changed: nothing kept for it
    after = ask(served, "/segment", "RW1")
    assert "Q4 2025/26" in json.dumps(after) and after != first


def test_a_segment_answer_shows_a_concern_opened_since_it_was_kept(oversight: Application, served: str) -> None:
    before = json.dumps(ask(served, "/segment", "RR8"))
    ask(served, "/segment", "RR8")
    assert is_kept(oversight, "RR8")
    oversight.concerns.file(Actor("slack", "U0REPORTER", "D0REPORTER", "T0STANDIN"), SUBMISSION)  # about RR8
    after = json.dumps(ask(served, "/segment", "RR8"))
    assert after != before and "*Open concerns*\\n1" in after and "*Open concerns*\\n0" in before


def test_answers_are_not_kept_where_they_depend_on_who_asks(seeded_db_url: str, standin: SlackStandIn) -> None:
    app = build(slack_settings(seeded_db_url, standin.base_url, roles={"reader": ["U0READER"]}))
    app.segments.refresh()
    try:
        with serving(slack_http_app(app, bolt=settled_slack_app(app))) as url:
            reader = ask(url, "/segment", "RW1", user="U0READER")
            ask(url, "/segment", "RW1", user="U0READER")
            outsider = ask(url, "/segment", "RW1", user="U0OUTSIDER")
        assert "Hampshire and Isle of Wight" in json.dumps(reader)
        assert "shown only to the people" in json.dumps(outsider)
        assert not is_kept(app, "RW1")
    finally:
        app.close()


def test_concerns_and_changes_are_never_kept(oversight: Application) -> None:
    asker = Actor("slack", "U0ASKER", "C0CHAN", "T0STANDIN")
    oversight.segments.refresh()
    oversight.concerns.open_count("RR8")  # the counts in memory, as after a first answer
    assert oversight.conversation.data_version(GetSegment(query="RR8"), asker) is not None
    for text in ("concerns", "view C-2026-000001", "subscribe RR8", "subscriptions", "mute 2h"):
        assert oversight.conversation.data_version(parse_text(text), asker) is None, text
