"""Teams: `@Oversight segment <trust>` over HTTP on 127.0.0.1, as Activity JSON with
`deliveryMode: expectReplies` (the answer card in the HTTP response), against
`oversight serve --teams` (one aiohttp process), driven by wrk. Goal: p99 well under a second
(a manager's answer "within a second"), and 200 requests a second or more on 2 cores.

Anonymous mode (no token): the JWT check is the SDK's and costs the same in every deployment.
Needs wrk (Debian: apt-get install wrk). Run alone: .venv/bin/python bench/bench_teams_http.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.teams_activities import channel_message

import common

DURATION_S = 10
CONNECTIONS = (1, 32)  # one person's wait, then a busy tenant
QUERIES = ["RWR", "Leeds Teaching", "UHS", "rr8", "Guys and St Thomas", "RW1", "Oxford Health", "Mersey Care"]


def lua_script(path: Path) -> None:
    """wrk script: the activities in turn (the connector is never called: answers come back inline)."""
    bodies = [json.dumps(channel_message("http://127.0.0.1:9/", f"segment {q}")) for q in QUERIES]
    literal = ", ".join(json.dumps(body) for body in bodies)
    path.write_text(
        f"local bodies = {{{literal}}}\n"
        "local i = 0\n"
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n",
        encoding="utf-8",
    )


def serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    environment = {
        "OVERSIGHT_DATABASE_URL": database_url,
        "OVERSIGHT_TEAMS_ALLOW_ANONYMOUS": "true",
        "OVERSIGHT_LOG_LEVEL": "ERROR",
    }
    command = [str(ROOT / ".venv/bin/oversight"), "serve", "--teams", "--host", "127.0.0.1", "--port", str(port)]
    return common.start_server(command, environment, port)


def main() -> None:
    common.require_wrk()
    database_url = common.seeded_database_url()
    port = 3800 + os.getpid() % 90
    server = serve(database_url, port)
    try:
        script = Path(tempfile.mkdtemp(prefix="oversight-wrk-")) / "teams.lua"
        lua_script(script)
        wrk(port, script, 32, 2)  # a warm-up
        for connections in CONNECTIONS:
            report(wrk(port, script, connections, DURATION_S), connections)
        print("goal: at least 200 requests/s, p99 well under a second")
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(port: int, script: Path, connections: int, duration: int) -> str:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script)]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/api/messages"], capture_output=True, text=True, check=True
    )
    return result.stdout


def report(output: str, connections: int) -> None:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latencies = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    setup = f"one aiohttp process, wrk {connections} connection(s), {DURATION_S} s"
    print(f"Teams: segment over HTTP (expectReplies), {setup}")
    print(f"throughput {rate:,.0f} requests/s   latency p50 {latencies.get('50')}   p90 {latencies.get('90')}   "
          f"p99 {latencies.get('99')}")  # fmt: skip
    print(f"non-2xx responses: {errors.group(1) if errors else 0}")


if __name__ == "__main__":
    main()
