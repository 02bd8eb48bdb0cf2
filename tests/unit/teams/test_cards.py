"""Adaptive Card text: what a user wrote cannot become a link or a mention, and replies render whole."""

from __future__ import annotations

from oversight_bot.chat.replies import Choice, Fact, Reply, ReplyKind, Section, mention
from oversight_bot.teams import cards


def test_markdown_links_and_autolinks_are_broken_but_read_the_same() -> None:
    written = "See [the rota](https://evil.example) or <https://evil.example> <at>Boss</at>"
    shown = cards.text(written)
    assert "](" not in shown and "<h" not in shown and "<at>" not in shown
    assert shown.replace(cards.ZERO_WIDTH, "") == written


def test_mentions_are_names_when_known_and_ids_otherwise() -> None:
    assert cards.text(f"added by {mention('aad-1')}", lambda user: "**Ann**") == "added by **Ann**"
    assert cards.text(f"added by {mention('aad-2')}") == "added by user aad-2"


def test_a_reply_becomes_one_card_with_its_facts_buttons_and_footnote() -> None:
    choices = [Choice(f"Choice {n}", f"segment R{n}") for n in range(7)]
    reply = Reply(
        ReplyKind.ANSWER,
        "Leeds Teaching Hospitals NHS Trust (RR8)",
        "RR8",
        (Section("Domains", ("Use `why RR8` to see why",), (Fact("League", "88th of 134"),)),),
        choices=(*choices, Choice("View", "view C-2026-000001")),
        footnote="Published by NHS England",
        segment=3,
    )
    card = cards.reply_card(reply)
    title, heading, line, facts, first_row, second_row, footnote = card["body"]
    assert "color" not in title and heading["text"] == "Domains"  # no colour that fails contrast on a theme
    assert line["text"] == "Use **why RR8** to see why"
    assert facts["facts"] == [{"title": "League", "value": "88th of 134"}]
    assert len(first_row["actions"]) == 5 and len(second_row["actions"]) == 3
    view = second_row["actions"][-1]
    assert view["data"] == {"msteams": {"type": "task/fetch"}, "verb": "view_concern", "reference": "C-2026-000001"}
    assert footnote["isSubtle"] is True and footnote["text"] == "Published by NHS England"
