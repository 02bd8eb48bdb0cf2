"""`make run` from a fresh clone, as a new user runs it: how long until the first answer, and the
longest the terminal stays silent on the way (the virtual environment's install included).

The clone is of this checkout's last commit, in a temporary folder; the console is asked
`segment RR8` and then `quit`. Packages come from wherever pip is configured to find them.
Goal: never silent for minutes (issue 15: 3.5 minutes); the first answer as soon as the install allows.

Run alone: .venv/bin/python bench/bench_first_run.py
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
ANSWER = "Leeds Teaching Hospitals NHS Trust (RR8)"


def first_run(clone: Path, python: str) -> tuple[list[tuple[float, str]], int]:
    """Every line `make run` prints, with the seconds since it started, and its exit status."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OVERSIGHT_", "VIRTUAL_ENV"))}
    environment |= {"COLUMNS": "100", "PYTHONUNBUFFERED": "1"}  # a pipe, shown as a terminal would be
    start = time.perf_counter()
    process = subprocess.Popen(
        ["make", "run", f"PYTHON={python}"],
        cwd=clone,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("segment RR8\nquit\n")
    process.stdin.close()
    lines = [(time.perf_counter() - start, line.rstrip("\n")) for line in process.stdout]
    return lines, process.wait()


def main() -> None:
    python = os.environ.get("PYTHON", "python3")
    with tempfile.TemporaryDirectory(prefix="oversight-first-run-") as folder:
        clone = Path(folder) / "oversight-bot"
        subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
        lines, status = first_run(clone, python)
    if status != 0:
        print("\n".join(line for _, line in lines[-30:]))
        sys.exit(f"make run failed with status {status}")
    moments = [0.0] + [at for at, _ in lines]
    silent, after = max((later - earlier, earlier) for earlier, later in itertools.pairwise(moments))
    answered = next(at for at, line in lines if ANSWER in line)
    set_up = next((at for at, line in lines if line.startswith("Set up;")), None)
    print(f"make run from a fresh clone ({len(lines)} lines printed)")
    print(f"first line printed                       {lines[0][0]:7.1f} s")
    if set_up is not None:
        print(f"virtual environment set up               {set_up:7.1f} s")
    print(f"first answer (segment RR8)               {answered:7.1f} s")
    print(f"longest silence                          {silent:7.1f} s   (from {after:.1f} s)")


if __name__ == "__main__":
    main()
