"""The charts of `metric` and `trend`: each drawn as a valid PNG of a size Teams and Slack show, its
figures (read back from what matplotlib drew, carried in the PNG's text chunks) equal to the
figures the text answer gives, and drawn once per data version. And NHS England's significant
change, judged only where a league table's likely ranges are loaded."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from oversight_bot.bootstrap import Application
from oversight_bot.charts.cache import ChartCache, file_stem
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply
from oversight_bot.domain.actors import Actor
from oversight_bot.ingest.league import read_league_file
from tests.integration.test_league_file import league_from_metric_file

ACTOR = Actor("test", "U1")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def conversation(seeded_sqlite_template: object) -> Conversation:
    from oversight_bot.bootstrap import build
    from oversight_bot.config import Settings

    app = build(Settings(database_url=f"sqlite:///{seeded_sqlite_template}"), prepare_store=False)
    return Conversation(app.segments)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk of a PNG, each one's CRC checked, as the PNG specification lays them out."""
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    return chunks


def size_of(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png_chunks(data)[0][1][:8])
    return width, height


def texts_of(data: bytes) -> dict[str, str]:
    """The PNG's international text chunks (iTXt: keyword, flags, language, translated keyword, text)."""
    found = {}
    for kind, body in png_chunks(data):
        if kind == b"iTXt":
            keyword, rest = body.split(b"\0", 1)
            compressed, rest = rest[0], rest[2:]
            _, _, text = rest.split(b"\0", 2)
            found[keyword.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode("utf-8")
    return found


def drawn(reply: Reply, cache: ChartCache) -> tuple[bytes, dict[str, Any]]:
    assert reply.chart is not None
    data = cache.png(reply.chart)
    width, height = size_of(data)
    assert width == 800 and 300 <= height <= 1024  # Teams shows card images up to 1024 x 1024
    assert len(data) < 20_000  # paletted: with the card's text, inside Teams' 28 KB
    return data, json.loads(texts_of(data)["Data"])


def lines_of(reply: Reply) -> list[str]:
    return [line for section in reply.sections for line in section.lines]


def numbers(pattern: str, lines: list[str]) -> list[float]:
    return [float(m[1]) for line in lines if (m := re.search(pattern, line))]


def test_the_trend_chart_shows_the_averages_and_means_the_text_gives(conversation: Conversation) -> None:
    cache = ChartCache()
    reply = conversation.respond("trend RWR", ACTOR)
    data, plotted = drawn(reply, cache)
    lines = lines_of(reply)
    subject, means = plotted["series"]
    assert subject["points"] == numbers(r"^Q\d \d{4}/\d\d: average (\d\.\d\d)", lines) == [2.13, 1.97]
    assert means["points"] == numbers(r"^Q\d \d{4}/\d\d: (\d\.\d\d), the mean of", lines) == [2.34, 2.35]
    assert plotted["categories"] == ["Q1 2025/26", "Q2 2025/26"]
    texts = texts_of(data)
    assert "2.13" in texts["Description"] and "segment 3" in texts["Description"]  # alt text, for screen readers
    assert texts["Source"].startswith("Sources: NHS England, nof-mental-health")
    assert reply.chart is not None and cache.png(reply.chart) is data  # drawn once for this data version


def test_the_metric_chart_shows_every_score_in_the_order_listed(conversation: Conversation) -> None:
    reply = conversation.respond("metric RR8", ACTOR)
    _, plotted = drawn(reply, ChartCache())
    (scores,) = plotted["series"]
    listed = [line for line in lines_of(reply) if re.search(r"\(OF1\d{3}\): score", line)]
    assert scores["points"] == numbers(r"\(OF1\d{3}\): score (\d\.\d\d)", listed)
    assert plotted["categories"] == re.findall(r"\((OF1\d{3})\): score", "\n".join(listed))
    assert len(listed) == 21


def test_one_metrics_chart_shows_its_values_medians_and_quartiles(conversation: Conversation) -> None:
    reply = conversation.respond("metric RWR sickness", ACTOR)
    _, plotted = drawn(reply, ChartCache())
    value, median = plotted["series"]
    quarters = [line for line in lines_of(reply) if re.match(r"Q\d \d{4}/\d\d: score", line)]
    assert value["points"] == numbers(r"value (\d+\.\d+)%", quarters) == [4.68, 4.26]
    assert median["points"] == numbers(r"peer median (\d+\.?\d*)%", quarters) == [5.65, 5.1]
    assert reply.chart is not None
    peers = reply.chart.series[1]
    assert (peers.low, peers.high) == ((5.01, 4.7), (6.26, 5.8))  # the quartiles the text gives


def test_a_metric_with_no_value_is_charted_by_its_score(conversation: Conversation) -> None:
    reply = conversation.respond("metric RR8 OF1080", ACTOR)
    _, plotted = drawn(reply, ChartCache())
    assert plotted["series"][0]["points"] == [2.0]
    assert "Q1 2025/26: score 2.00; no value published" in lines_of(reply)


def test_the_console_writes_the_png_once_and_names_it(conversation: Conversation, chart_files: Path) -> None:
    from rich.console import Console

    from oversight_bot.console.render import plain, render

    reply = conversation.respond("trend RR8", ACTOR)
    console = Console(width=100, record=True)
    console.print(render(reply))
    shown = console.export_text()
    assert reply.chart is not None
    path = chart_files / f"{file_stem(reply.chart)}.png"
    assert str(path) in "".join(shown.replace("│", "").split())  # named in full, however it wraps
    assert size_of(path.read_bytes())[0] == 800
    assert "RR8: 2.57 " in shown and "2.56 (taller is better)" in shown  # the sparkline and its ends
    assert "Chart (PNG)" not in plain(reply)  # plain text for scripts draws nothing


def test_a_change_is_significant_only_where_both_likely_ranges_are_loaded(
    seeded_app: Application, tmp_path: Path
) -> None:
    before = seeded_app.conversation.respond("trend RWR", ACTOR)
    assert "significance not judged" in " ".join(lines_of(before))
    for quarter in ("Q1 2025/26", "Q2 2025/26"):
        table = league_from_metric_file(tmp_path / f"league-{quarter[:2]}.csv", quarter)
        seeded_app.importer.segments(read_league_file(table))
    # The test tables' likely ranges are the average +/- 0.05: RWR's 2.13 and 1.97 are 0.16 apart.
    rwr = " ".join(lines_of(seeded_app.conversation.respond("trend RWR", ACTOR)))
    assert "0.16 better than Q1 2025/26: a significant change, the likely ranges do not overlap" in rwr
    assert "likely range 1.92 to 2.02" in rwr
    small = " ".join(lines_of(seeded_app.conversation.respond("trend RV5", ACTOR)))  # 2.38, then 2.40
    assert "0.02 worse than Q1 2025/26: not a significant change, the likely ranges overlap" in small
    assert reply_chart_ranges(seeded_app.conversation.respond("trend RWR", ACTOR)) == [(2.08, 2.18), (1.92, 2.02)]


def reply_chart_ranges(reply: Reply) -> list[tuple[float | None, float | None]]:
    assert reply.chart is not None
    subject = reply.chart.series[0]
    return list(zip(subject.low, subject.high, strict=True))
