# Backstep: `make demo` tries the bot in a browser, `make test` runs every check CI runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
# One pytest worker per core (pytest-xdist); each worker has its own databases and ports.
PYTEST_PARALLEL ?= -n auto --dist worksteal

.PHONY: install test test-fast lint typecheck pytest demo run migrate bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || echo "note: no Chromium, so the browser test skips (CI fails it); install: apt-get install chromium"
	$(BIN)/pytest $(PYTEST_PARALLEL)

test: lint typecheck pytest

# The edit-run loop: everything but the tests marked slow (see pyproject.toml).
test-fast: $(STAMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow"

demo: $(STAMP)
	$(BIN)/backstep sandbox

run: $(STAMP)
	$(BIN)/backstep run

migrate: $(STAMP)
	$(BIN)/backstep migrate

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
