# Every target sets up what it needs: a fresh clone runs `make run` or `make test` and nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench clean

# pip's output as progress: a line per package as it is fetched, so that the first run is never
# silent for minutes; pip's full log is shown only if the install fails (and its status kept).
PIP_PROGRESS = awk '\
  /^(Collecting|Processing) / { n++; name = $$2; sub(/.*\//, "", name); sub(/(-[0-9]|[<>=!~;[]).*/, "", name); \
    printf "  %3d  %s\n", n, name; fflush(); next } \
  /^Installing collected packages/ { printf "  installing %d packages...\n", n; fflush(); next } \
  /^pip-exit / { status = $$2; next } \
  { kept = kept $$0 "\n" } \
  END { if (status) printf "%s", kept; exit status }'

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (once): the Python packages for the bot and its tests, a minute or two..."
	$(PYTHON) -m venv $(VENV)
	@{ PYTHONUNBUFFERED=1 $(BIN)/pip install --disable-pip-version-check --progress-bar off -e '.[dev]' 2>&1; \
	   echo "pip-exit $$?"; } | $(PIP_PROGRESS)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)
	@echo "Set up; later runs start at once."

## The main job on the embedded default: SQLite plus the seed data; the console without a chat account.
run: $(STAMP)
	$(BIN)/oversight run

## The whole test suite (PostgreSQL tests run when a PostgreSQL server is installed; CI requires them).
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## Every benchmark in bench/, one after another (each can also be run alone: python bench/<name>.py).
bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache oversight.db oversight.db-wal oversight.db-shm \
		oversight.db.worker-lock oversight.db.prepare-lock oversight.db.read-model
