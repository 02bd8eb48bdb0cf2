"""How fast the `oversight` command starts, beside the floor of importing Bolt, in one run.

Each command is a fresh process, as a user or a script runs it: `python -c "import slack_bolt"` (the
floor: any bot process pays at least that), `oversight --help`, and `oversight ask "segment RR8"` on
a seeded store. The three are run in turn, round after round, so that the machine's load falls on
each alike. Goals: `--help` within 1.5x the floor, `ask` within 3x.

`ask` answers from the read model's cache beside the SQLite store (store/read_model_cache.py), as
every `ask` does but the first after an import or an upgrade; that first one is measured too (the
cache file removed before each run): it loads the read model through SQLAlchemy and writes the
cache.

Run alone: .venv/bin/python bench/bench_startup.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import seeded_database_url
from oversight_bot.store.read_model_cache import cache_path

BIN = Path(sys.executable).parent
COMMANDS = {
    'python -c "import slack_bolt" (the floor)': [sys.executable, "-c", "import slack_bolt"],
    "oversight --help": [str(BIN / "oversight"), "--help"],
    'oversight ask "segment RR8"': [str(BIN / "oversight"), "ask", "segment RR8"],
    "  the same, first after an import (no cache)": [str(BIN / "oversight"), "ask", "segment RR8"],
}
UNCACHED = "  the same, first after an import (no cache)"
GOALS = {"oversight --help": 1.5, 'oversight ask "segment RR8"': 3.0}


def seconds(command: list[str], environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # As a user's shell has it: compiled bytecode is written once and reused (an environment with
    # PYTHONDONTWRITEBYTECODE set recompiles every module of the bot on every start).
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    url = seeded_database_url()
    cache = cache_path(Path(url.removeprefix("sqlite:///")))
    environment |= {"OVERSIGHT_DATABASE_URL": url, "COLUMNS": "100"}
    for command in COMMANDS.values():  # warm the file cache and the compiled bytecode
        seconds(command, environment)
    samples: dict[str, list[float]] = {label: [] for label in COMMANDS}
    for _ in range(rounds):
        for label, command in COMMANDS.items():
            if label == UNCACHED:
                cache.unlink()  # as an import leaves it: stale (here, gone); written again by this run
            samples[label].append(seconds(command, environment))
    floor = statistics.median(samples[next(iter(COMMANDS))])
    print(f"start-up, each a fresh process, {rounds} rounds interleaved")
    for label, times in samples.items():
        median, best = statistics.median(times), min(times)
        goal = f"   goal {GOALS[label]:.1f}x" if label in GOALS else ""
        print(f"{label:<46} median {median * 1000:6.0f} ms   best {best * 1000:6.0f} ms   {median / floor:4.1f}x{goal}")


if __name__ == "__main__":
    main()
