"""docs/architecture.md stays true: its table names every package there is and nothing that is
gone, and the import contracts that encode the table's "May import" column (pyproject.toml,
import-linter) are kept. `make lint` runs the same contracts; this test keeps the document and
the contracts from drifting apart."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "oversight_bot"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\| (`[^|]+`) \|", re.MULTILINE)


def table_names() -> set[str]:
    """The packages and modules the table has a row for (`slack/`, `config.py`, ...)."""
    names: set[str] = set()
    for cell in ROW.findall(ARCHITECTURE.read_text()):
        names.update(re.findall(r"`([^`]+)`", cell))
    return names


def packages_and_modules() -> set[str]:
    """What the code holds at its top level: packages as `name/`, modules as `name.py`."""
    found = {f"{path.name}/" for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    skip = {"__init__.py", "__main__.py", "errors.py", "logs.py"}  # named in the rows of those who import them
    found |= {path.name for path in PACKAGE.glob("*.py") if path.name not in skip}
    return found


def test_the_table_names_every_package_and_nothing_that_is_gone() -> None:
    named, held = table_names(), packages_and_modules()
    assert held - named == set(), f"packages missing from docs/architecture.md: {sorted(held - named)}"
    assert named - held == set(), f"rows for packages that do not exist: {sorted(named - held)}"


def test_every_contract_is_described_and_kept() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 9
    document = ARCHITECTURE.read_text()
    for contract in contracts:
        layers = contract.get("layers") or contract.get("modules") or [contract.get("source_modules", [""])[0]]
        first = str(layers[0]).split(".")[-1].split("|")[0].strip()
        assert f"`{first}" in document, f"contract {contract['name']!r} names {first}, which the table does not"
    # In a process of its own: import-linter changes the logging of the process it runs in.
    lint = Path(sys.executable).parent / "lint-imports"
    checked = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert checked.returncode == 0, checked.stdout[-2000:]  # every contract kept
