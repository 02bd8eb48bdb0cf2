"""NHS England's releases as they really arrive: cumulative files after missed releases, fields that
stop being published, and what an import may truthfully announce."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from oversight_bot.bootstrap import Application, build
from oversight_bot.chat.replies import Reply
from oversight_bot.domain.actors import Actor
from oversight_bot.ingest.nof import read_nof_file
from tests.integration.alerts.conftest import ALL, CHANNEL, alert_settings, drain, subscribe, worker_for
from tests.integration.slack.conftest import text_of
from tests.nof_files import Q3, Q4, expected_moves, write_cumulative
from tests.slack_standin import SlackStandIn

CONSOLE = Actor("console", "tester")


def ask(app: Application, text: str) -> str:
    reply = app.conversation.respond(text, CONSOLE)
    return shown(reply)


def shown(reply: Reply) -> str:
    parts = [reply.title, *(reply.footnote or "",)]
    for section in reply.sections:
        parts += [section.heading or "", *section.lines, *(f"{f.label}: {f.value}" for f in section.facts)]
    return "\n".join(parts)


def announced(events: tuple[object, ...]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for event in events:
        found.setdefault((event.ods_code, str(event.quarter)), set()).add(event.kind)  # type: ignore[attr-defined]
    return found


def test_the_cumulative_file_after_q2_announces_the_q3_and_q4_moves_once(
    seeded_app: Application, tmp_path: Path
) -> None:
    path = write_cumulative(tmp_path / "nhs-oversight-framework-mental-health-and-community-trust-data.csv")
    report = seeded_app.importer.nof(read_nof_file(path))
    expected = {key: kinds for key, kinds in expected_moves(path).items() if key[1] in (Q3, Q4)}
    assert announced(report.events) == expected
    assert len(report.events) == sum(len(kinds) for kinds in expected.values())  # none twice
    assert [e.quarter for e in report.events] == sorted(e.quarter for e in report.events)  # Q3's before Q4's
    moves = {(e.ods_code, str(e.quarter)): (e.previous_segment, e.segment) for e in report.events}
    assert moves[("RW1", Q3)] == (3, 2)  # its published move; it was in segment 5 in Q2
    assert moves[("RDY", Q4)] == (2, 3)
    assert ("RHA", Q3) not in moves  # segment 5 not published is not a move out of it
    kinds = Counter(e.kind for e in report.events)
    assert not kinds["entered_segment_5"] and not kinds["left_segment_5"]
    assert ("RY2", Q3) not in moves and ("RP7", Q4) not in moves  # still flagged: nothing was removed
    assert announced(report.events)[("R1A", Q4)] == {"deficit_flag_set"}
    again = seeded_app.importer.nof(read_nof_file(path))
    assert not again.changed and again.events == ()


def test_a_file_of_the_later_quarters_alone_announces_the_same(seeded_app: Application, tmp_path: Path) -> None:
    full = write_cumulative(tmp_path / "q1-q4.csv")
    later = write_cumulative(tmp_path / "q3-q4.csv", quarters=(Q3, Q4))
    report = seeded_app.importer.nof(read_nof_file(later))
    assert announced(report.events) == {k: v for k, v in expected_moves(full).items() if k[1] in (Q3, Q4)}


def test_a_revised_older_quarter_is_stored_and_not_announced(seeded_app: Application, tmp_path: Path) -> None:
    seeded_app.importer.nof(read_nof_file(write_cumulative(tmp_path / "q1-q4.csv")))
    revised = write_cumulative(tmp_path / "revised.csv")
    text = revised.read_bytes().decode("utf-8-sig")
    # RDY's Q2 adjusted segment revised from 2 to 4: stored, but Q2 is no longer news.
    lines = text.split("\r\n")
    for index, line in enumerate(lines):
        if line.startswith("Q2 2025/26,") and ",RDY," in line and (",OF5000," in line or ",OF5005," in line):
            lines[index] = line.replace(",2.0,", ",4.0,", 1)
    revised.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    report = seeded_app.importer.nof(read_nof_file(revised))
    assert report.changed and report.events == ()
    assert "Q2 2025/26: segment 4" in ask(seeded_app, "history RDY")


def test_segment_five_no_longer_published_is_said_to_be_unknown(seeded_app: Application, tmp_path: Path) -> None:
    seeded_app.importer.nof(read_nof_file(write_cumulative(tmp_path / "q1-q4.csv")))
    rha = ask(seeded_app, "segment RHA")
    assert "Segment 4" in rha
    assert "not published by NHS England since Q3 2025/26 (last published: in segment 5, Q2 2025/26)" in rha
    assert "segment 4 since Q3" not in rha and "segment 5 in Q2 2025/26; segment 4" not in rha
    rw1 = ask(seeded_app, "segment RW1")
    assert "Before: segment 5 (underlying 3) in Q2 2025/26; segment 2 since Q3 2025/26" in rw1
    why = ask(seeded_app, "why RHA")
    assert "Segment 5 (Provider Improvement Programme): not published by NHS England for this quarter." in why
    history = ask(seeded_app, "history RHA")
    assert "Q4 2025/26: segment 4 (segment 5 not published" in history
    assert "Q2 2025/26: segment 5 (underlying 4" in history
    listed = ask(seeded_app, "list segment:5")
    assert "None held" not in listed
    assert "since Q3 2025/26" in listed
    assert "(RHA): segment 5" in listed and "(RW1): segment 5" in listed  # as last published, with its quarter


def test_every_answer_names_its_source_and_warns_when_old(seeded_app: Application) -> None:
    leeds = ask(seeded_app, "segment Leeds Teaching")
    assert "secondary source: larsen-analyst/trustpulse" in leeds and "not NHS England's own file" in leeds
    assert "Q3 2025/26 data (the quarter ended 31 December 2025" in leeds
    rdy = ask(seeded_app, "segment RDY")
    assert "Source: NHS England, nof-mental-health-and-community-2025-26-q1-q2.csv" in rdy
    why = ask(seeded_app, "why Leeds Teaching")
    assert "The Q3 2025/26 source gives no metric scores" in why
    assert "source: NHS England, nof-acute-2025-26-q1.csv, published September 2025" in why
    assert "Number of MRSA infections (OF1020): score 3.65, counts one third in the average" in why
    assert "Relative difference in costs (OF1086): score" in ask(seeded_app, "why RDY")


def test_a_channel_hears_each_quarter_of_a_cumulative_file_once_through_slack(
    seeded_db_url: str, standin: SlackStandIn, tmp_path: Path
) -> None:
    app = build(alert_settings(seeded_db_url, standin.base_url))
    try:
        subscribe(app, ALL)
        report = app.importer.nof(read_nof_file(write_cumulative(tmp_path / "q1-q4.csv")))
        worker = worker_for(app)
        drain([worker], lambda: len(standin.posts(CHANNEL)) == 2 and not worker.run_once())
        q3, q4 = (text_of(post.body) for post in standin.posts(CHANNEL))  # one message per quarter, in order
        assert "Q3 2025/26" in q3.splitlines()[0] and "Q4 2025/26" in q4.splitlines()[0]
        assert "RW1 Hampshire and Isle of Wight Healthcare moved from segment 3 to 2" in q3
        assert "(segment 5 not published for Q3 2025/26)" in q3
        assert "R1A Herefordshire and Worcestershire Health and Care: now flagged as in deficit" in q4
        assert "RDY Dorset Healthcare moved from segment 2 to 3" in q4
        for text in (q3, q4):
            assert "RHA" not in text and "Provider Improvement Programme" not in text and "override" not in text
        assert {e.ods_code for e in report.events} >= {"RW1", "RDY", "R1A"}
        again = app.importer.nof(read_nof_file(write_cumulative(tmp_path / "again.csv")))
        assert again.events == ()
        worker.run_once()
        assert len(standin.posts(CHANNEL)) == 2  # nothing told twice
        worker.close()
    finally:
        app.close()
