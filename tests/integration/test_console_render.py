"""The terminal console never cuts what an answer says, even at 80 columns: titles, alert references
and flags that do not fit on a panel's border move inside it; long lines wrap."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from rich.console import Console

from oversight_bot.bootstrap import Application
from oversight_bot.chat.alerts import compose_alert
from oversight_bot.chat.replies import Reply
from oversight_bot.console.render import plain, render
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.subscriptions import ChannelSettings, Destination
from oversight_bot.services.alerts import ClaimedGroup, EventRecord
from tests.conversation_cases import CASES

WORD = re.compile(r"[\w'’()./:<>|\[\]-]+")


def shown_at(reply: Reply, width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    with console.capture() as captured:
        console.print(render(reply))
    text = captured.get()
    assert all(len(line) <= width for line in text.splitlines())
    return text


def words(text: str) -> set[str]:
    return {w.strip("().:") for w in WORD.findall(text)} - {""}


def concern_alert(app: Application) -> Reply:
    event = EventRecord(
        1, "concern_logged", "RR8",
        {"reference": "C-2026-000123", "category": "governance_leadership", "severity": "critical", "flagged": True},
        "concern:C-2026-000123", datetime.now(UTC),
    )  # fmt: skip
    group = ClaimedGroup(
        Destination("console", "local", "console"), "org:RR8", (4321,), (event,), 1, ChannelSettings(), None
    )
    return compose_alert(group, app.segments.reader())


@pytest.mark.parametrize("width", [80, 120])
def test_nothing_an_answer_says_is_cut_at_80_or_120_columns(seeded_app: Application, width: int) -> None:
    actor = Actor("console", "console", "console", "local")
    replies = [seeded_app.conversation.respond(case.text, actor) for case in CASES]
    replies.append(concern_alert(seeded_app))
    for reply in replies:
        shown = words(shown_at(reply, width))
        missing = {w for w in words(plain(reply)) if len(w) < width - 10} - shown
        assert not missing, f"{reply.title!r} at {width} columns lost {sorted(missing)}"


def test_an_alert_keeps_its_reference_and_flag_at_80_columns(seeded_app: Application) -> None:
    shown = " ".join(shown_at(concern_alert(seeded_app), 80).split())
    assert "flagged for segment review" in shown and "C-2026-000123" in shown and "Alert ref A4321" in shown
