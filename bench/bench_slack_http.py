"""`/segment` over HTTP on 127.0.0.1, side by side with a bare Bolt app on the same server stack, in
one run: `oversight serve --slack-http --workers 2` and `uvicorn bare_bolt:app --workers 2`
(bench/bare_bolt.py: Bolt's own Starlette adapter, a handler that only acknowledges), each driven
by wrk with concurrent, correctly signed requests, in turns (bare, ours, bare, ours), on the same
2 cores. Goals: ours at least 1,000 requests a second with p99 under 50 ms, and at least 0.75 of
the bare app's throughput.

Every request is distinct (the app refuses a replayed signature), pre-signed before each turn.
Needs wrk (Debian: apt-get install wrk). Run alone: .venv/bin/python bench/bench_slack_http.py
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.slack_requests import SECRET, signed_headers, slash_command

import common

DURATION_S, CONNECTIONS, WORKERS, TURNS = 10, 32, 2, 2
REQUESTS = 200_000  # more than a turn sends (a repeat would be refused as a replay, and counted as non-2xx)
QUERIES = ["RWR", "Leeds Teaching", "UHS", "rr8", "Guys and St Thomas", "RW1", "Oxford Health", "Mersey Care"]


def lua_script(path: Path, count: int, port: int) -> None:
    """wrk script: `count` distinct signed requests, sent in turn; distinct from any earlier script's
    too (a run id in each body), or the app would rightly refuse them as replays. The raw requests
    go in a data file that the script reads (a Lua chunk with 60,000 literals is too big to load)."""
    queries = itertools.cycle(QUERIES)
    run = uuid.uuid4().hex[:8]
    data = path.with_suffix(".requests")
    with data.open("w", encoding="utf-8") as out:
        for n in range(count):
            body = slash_command("/segment", next(queries), response_url=f"http://127.0.0.1:9/{run}/{n}")
            headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
            head = [
                "POST /slack/events HTTP/1.1",
                f"Host: 127.0.0.1:{port}",
                *(f"{k}: {v}" for k, v in headers.items()),
            ]
            head.append(f"Content-Length: {len(body.encode())}")
            out.write("\x01".join([*head, "", body]) + "\n")
    path.write_text(
        "local requests = {}\n"
        f'for line in io.lines("{data}") do requests[#requests + 1] = (string.gsub(line, "\\1", "\\r\\n")) end\n'
        "local i = 0\n"
        "request = function()\n  i = i + 1\n  if i > #requests then i = 1 end\n  return requests[i]\nend\n",
        encoding="utf-8",
    )


def serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    environment = common.slack_server_environment(database_url, SECRET)
    command = [
        str(ROOT / ".venv/bin/oversight"),
        "serve",
        "--slack-http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
    ]
    return common.start_server(command, environment, port)


def serve_bare(port: int) -> subprocess.Popen[bytes]:
    command = [str(ROOT / ".venv/bin/python"), "-m", "uvicorn", "bare_bolt:app", "--app-dir", str(ROOT / "bench"),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS), "--log-level", "warning",
               "--no-access-log", "--no-server-header"]  # fmt: skip
    return common.start_server(command, {"BARE_BOLT_SIGNING_SECRET": SECRET}, port)


def wrk(port: int, folder: Path, duration: int) -> str:
    script = folder / f"segment-{port}.lua"
    lua_script(script, REQUESTS, port)  # fresh signatures each turn: a replay is refused
    return subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}/slack/events"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def main() -> None:
    common.require_wrk()
    database_url = common.seeded_database_url()
    ours_port, bare_port = 3900 + os.getpid() % 90, 3990 + os.getpid() % 90
    servers = [serve(database_url, ours_port), serve_bare(bare_port)]
    folder = Path(tempfile.mkdtemp(prefix="oversight-wrk-"))
    try:
        for port in (bare_port, ours_port):
            wrk(port, folder, 2)  # warm-up
        print(f"/segment over HTTP, {WORKERS} uvicorn workers each, wrk {CONNECTIONS} connections, {DURATION_S} s "
              "per turn, 2 cores shared")  # fmt: skip
        rates: dict[str, list[float]] = {"bare": [], "ours": []}
        for turn in range(1, TURNS + 1):
            for label, port in (("bare", bare_port), ("ours", ours_port)):
                rates[label].append(report(f"turn {turn}, {LABELS[label]}", wrk(port, folder, DURATION_S)))
        ratios = [ours / bare for ours, bare in zip(rates["ours"], rates["bare"], strict=True)]
        print(f"ours / bare Bolt: {', '.join(f'{r:.2f}' for r in ratios)} (goal: at least 0.75)")
        print("goal for ours: at least 1,000 requests/s with p99 under 50 ms")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


LABELS = {
    "bare": "bare Bolt (ack only)       ",
    "ours": "oversight-bot (full answer)",
}


def report(label: str, output: str) -> float:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latencies = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    p50, p90, p99 = (latencies.get(q) for q in ("50", "90", "99"))
    failed = errors.group(1) if errors else 0
    print(f"{label}  {rate:7,.0f} requests/s   p50 {p50:>7}   p90 {p90:>7}   p99 {p99:>7}   "
          f"non-2xx {failed}   socket errors {socket_errors.group(1) if socket_errors else 'none'}")  # fmt: skip
    return rate


if __name__ == "__main__":
    main()
