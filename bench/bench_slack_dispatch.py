"""`/segment` through `App.dispatch` with a correctly signed request, beside a trivial handler in the
same mode in the same run (the "bare Bolt" floor). Goal: within 5x the floor.

Run alone: .venv/bin/python bench/bench_slack_dispatch.py
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App, BoltRequest
from tests.slack_requests import SECRET, bolt_request, slash_command

from bare_bolt import bare_app
from common import percentile, seeded_app
from oversight_bot.bootstrap import slack_app
from oversight_bot.config import Settings

QUERIES = ["RWR", "Leeds Teaching", "UHS", "rr8", "Guys and St Thomas", "RW1", "Oxford Health", "Mersey Care"]
ROUNDS = 4000


def measure(app: App, requests: list[BoltRequest]) -> list[float]:
    samples = []
    for request in requests:
        started = time.perf_counter()
        response = app.dispatch(request)
        samples.append(time.perf_counter() - started)
        assert response.status == 200, response.body
    return samples


def signed_requests(count: int) -> list[BoltRequest]:
    """Distinct requests (the app refuses a replay), signed before timing starts."""
    queries = itertools.cycle(QUERIES)
    return [
        bolt_request(slash_command("/segment", next(queries), response_url=f"http://127.0.0.1:9/r{n}"))
        for n in range(count)
    ]


def summary(label: str, samples: list[float]) -> dict[str, Any]:
    median, p99 = statistics.median(samples) * 1e6, percentile(samples, 0.99) * 1e6
    print(f"{label:<44} median {median:8.1f} us   p99 {p99:8.1f} us   (n={len(samples)})")
    return {"median": median, "p99": p99}


def main() -> None:
    app = seeded_app()
    settings = Settings(
        database_url=str(app.engine.url),
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    app.settings = settings
    ours = slack_app(app, socket_mode=False)
    ours.dispatch(bolt_request(slash_command("/segment", "RWR", response_url="http://127.0.0.1:9/warm")))
    floor = bare_app(SECRET)
    print("Bolt App.dispatch, process_before_response=True, signed requests (signature checked every time)")
    measure(floor, signed_requests(200))
    measure(ours, signed_requests(200))
    bare = summary("bare Bolt: /segment -> ack('ok')", measure(floor, signed_requests(ROUNDS)))
    real = summary("oversight-bot: /segment <query> -> answer", measure(ours, signed_requests(ROUNDS)))
    ratio_median, ratio_p99 = real["median"] / bare["median"], real["p99"] / bare["p99"]
    print(f"ratio to the floor: median {ratio_median:.1f}x, p99 {ratio_p99:.1f}x  (goal: within 5x)")
    app.close()


if __name__ == "__main__":
    main()
