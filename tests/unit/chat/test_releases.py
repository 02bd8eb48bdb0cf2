"""`releases` in the shared grammar, and the admins' one-message summary of a release."""

from __future__ import annotations

from datetime import UTC, datetime

from oversight_bot.chat.commands import ShowHelp, ShowReleases, parse_text
from oversight_bot.chat.releases import release_news
from oversight_bot.chat.replies import ReplyKind
from oversight_bot.services.release_records import FileRecord, FileStatus, ReleaseSummary

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def record(name: str, status: FileStatus, **more: object) -> FileRecord:
    return FileRecord(f"https://www.england.nhs.uk/{name}", "0" * 64, "NHS England", "nof-acute", name, 10, AT,
                      status, **more)  # type: ignore[arg-type]  # fmt: skip


def lines(reply: object) -> str:
    return "\n".join(line for section in reply.sections for line in section.lines)  # type: ignore[attr-defined]


def test_releases_is_one_command_everywhere() -> None:
    assert parse_text("/oversight releases") == ShowReleases()
    assert parse_text("@Oversight releases") == ShowReleases()
    wrong = parse_text("releases acute")
    assert isinstance(wrong, ShowHelp) and wrong.about == "releases"


def test_the_admins_hear_of_a_release_in_one_message() -> None:
    imported = record(
        "acute.csv",
        FileStatus.IMPORTED,
        import_id=12,
        summary=ReleaseSummary(("Q3 2025/26", "Q4 2025/26"), 134, moves=40, other_events=3),
    )
    refused = record("ambulance.csv", FileStatus.REFUSED, reason="line 2: a\nline 3: b\nline 4: c\nline 5: d")
    news = release_news([imported, refused])
    assert news.kind is ReplyKind.ANSWER and news.title == "New release: imported and refused"
    assert news.summary == "1 file imported, 1 file refused; 40 segment moves announced"
    said = lines(news)
    assert (
        "acute.csv (NHS England's NOF metric file, acute trusts): Q3 2025/26, Q4 2025/26; 134 organisations; "
        "40 segment moves and 3 other changes announced (import 12)" in said
    )
    assert "ambulance.csv (NHS England's NOF metric file, acute trusts): line 2: a; line 3: b; line 4: c; and 1 more " \
           "problem" in said  # fmt: skip


def test_a_refusal_alone_reads_as_one() -> None:
    news = release_news([record("x.csv", FileStatus.REFUSED, reason="it came as text/html")])
    assert news.kind is ReplyKind.ERROR and news.title == "Release refused" and news.summary == "1 file refused"
