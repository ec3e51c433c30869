# jprcc: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-all lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## run the coordination center with the demo theater on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/jprcc serve --demo

## the whole test suite (SQLite and PostgreSQL; PostgreSQL tests skip if no server answers)
test: $(STAMP)
	$(BIN)/pytest --cov=jprcc --cov-report=term:skip-covered

## the suite plus the slow, opt-in tests
test-all: $(STAMP)
	$(BIN)/pytest --run-slow

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## benchmarks: print ratios to their anchors and write bench/results/*.json
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
