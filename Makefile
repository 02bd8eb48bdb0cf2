# Every target sets up what it needs: a fresh clone runs `make run` or `make test` and nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## The main job on the embedded default: SQLite plus the seed data; the console without a chat account.
run: $(STAMP)
	$(BIN)/oversight run

## The whole test suite (PostgreSQL tests run when a PostgreSQL server is installed; CI requires them).
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## Every benchmark in bench/, one after another (each can also be run alone: python bench/<name>.py).
bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache oversight.db oversight.db-wal oversight.db-shm
