"""`metric`, `compare` and `trend` answered through the chat layer on the seeded data, in-process and
without drawing a chart (the Reply carries the chart's figures only); beside them `segment`, the
plain answer they build on. Then chart drawing, each in a fresh process: charts drawn cold (not yet
drawn in that process) without and after the warm-up a server does as it starts, and one served
from the cache of its data version.

Goals (issue 16): metric and compare median under 2 ms; a chart under 300 ms cold, 5 ms cached.
Run alone: .venv/bin/python bench/bench_positions.py
"""

from __future__ import annotations

import itertools
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report, seeded_app, time_calls
from oversight_bot.charts.cache import ChartCache
from oversight_bot.charts.draw import warm_up
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Chart
from oversight_bot.domain.actors import Actor

CODES = ["RWR", "RR8", "RW1", "RDY", "RHM", "RXG", "RJ1", "RGD"]
METRICS = ["RWR sickness", "RR8 cancer 62", "Leeds Teaching A&E 4 hour", "RDY OF1082", "RHM 52 week"]
PAIRS = ["RR8, RHM", "RWR vs RXG", "RR8 RHM RJ1", "RWR vs Leeds Teaching"]
CHARTS = ["trend RWR", "metric RR8", "metric RWR sickness", "trend RR8", "metric RDY", "metric RHM cancer 62"]


def draw_cold(charts: list[Chart], warm: bool) -> tuple[float, list[float]]:
    """In a fresh process: the warm-up a server does as it starts (if `warm`), then each chart drawn
    for the first time."""
    started = time.perf_counter()
    if warm:
        warm_up()
    warm_ms = (time.perf_counter() - started) * 1e3
    cache, cold = ChartCache(), []
    for chart in charts:
        start = time.perf_counter()
        cache.png(chart)
        cold.append(time.perf_counter() - start)
    return warm_ms, cold


def main() -> None:
    app = seeded_app()
    conversation = Conversation(app.segments)
    actor = Actor("bench", "U1")
    codes, metrics, pairs = itertools.cycle(CODES), itertools.cycle(METRICS), itertools.cycle(PAIRS)
    print("metric, compare and trend through the chat layer (parse -> lookup -> read model -> Reply), no drawing")
    rows = [
        ("segment <ODS code> (the plain answer)", lambda: conversation.respond(f"segment {next(codes)}", actor)),
        ("metric <ODS code> (every metric, peers)", lambda: conversation.respond(f"metric {next(codes)}", actor)),
        ("metric <organisation> <metric words or id>", lambda: conversation.respond(f"metric {next(metrics)}", actor)),
        ("compare <2 or 3 organisations>", lambda: conversation.respond(f"compare {next(pairs)}", actor)),
        ("trend <ODS code>", lambda: conversation.respond(f"trend {next(codes)}", actor)),
    ]
    for label, call in rows:
        print(report(label, time_calls(call, 3000)))

    replies = [conversation.respond(text, actor) for text in CHARTS]
    drawn = [reply.chart for reply in replies if reply.chart is not None]
    # Each in a fresh process, so that "first" means the first chart that process draws.
    spawn = multiprocessing.get_context("spawn")
    for warm in (False, True):
        with spawn.Pool(1) as pool:
            warm_ms, cold = pool.apply(draw_cold, (drawn, warm))
        rest = statistics.median(cold[1:]) * 1e3
        if warm:
            label = "warm-up as a server starts (its own thread)"
            print(f"{label:<52} {warm_ms:9.1f} ms")
        label = "chart drawn cold, " + ("after the warm-up" if warm else "no warm-up (first, then each other)")
        print(
            f"{label:<52} first {cold[0] * 1e3:7.1f} ms   median of the rest {rest:7.1f} ms   "
            f"max {max(cold) * 1e3:7.1f} ms"
        )
    cache = ChartCache()
    charts = itertools.cycle([r.chart for r in replies if r.chart is not None])
    print(report("chart served from its data version's cache", time_calls(lambda: cache.png(next(charts)), 5000)))
    app.close()


if __name__ == "__main__":
    main()
