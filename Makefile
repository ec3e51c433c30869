# jprcc: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

WEB    := src/jprcc/web/static/index.html
NODE_STAMP := frontend/node_modules/.installed
FRONTEND_SOURCES := $(shell find frontend/src frontend/scripts -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json frontend/package.json

.PHONY: install web types run test test-long lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# the web page: built with npm from frontend/ (lock file committed) into the package
$(NODE_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(WEB): $(NODE_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run build

web: $(WEB)

## the page's API types, generated from the OpenAPI (a test checks they are current)
types: $(STAMP)
	$(BIN)/python -m jprcc.api.typescript > frontend/src/schema.ts

## run the coordination center with the demo theater on http://127.0.0.1:8000
run: $(STAMP) $(WEB)
	$(BIN)/jprcc serve --demo

## the whole test suite (SQLite and PostgreSQL; PostgreSQL tests skip if no server answers), on every core
test: $(STAMP) $(WEB)
	$(BIN)/pytest -n auto --dist loadfile --cov=jprcc --cov-report=term:skip-covered

## the long checks (deep fuzzing, crash cycles, soaks): CI runs them after the suite
test-long: $(STAMP) $(WEB)
	$(BIN)/pytest -n auto --dist loadfile -m long

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	cd frontend && npm run check

## benchmarks: print ratios to their anchors and write bench/results/*.json
bench: $(STAMP) $(WEB)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts frontend/node_modules src/jprcc/web/static
