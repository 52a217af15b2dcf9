# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates the virtual environment it needs on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NA     := $(BIN)/newsarchive

.PHONY: demo test test-fast lint typecheck unit eval bench clean

$(VENV)/.ok-demo: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[plot]'
	touch $@

$(VENV)/.ok-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.ok-demo

demo: $(VENV)/.ok-demo
	$(NA) ingest examples/ --manifest examples/manifest.csv --corpus corpus --index-dir indexes
	$(NA) search 'strike AND doctors' --corpus corpus --index-dir indexes --limit 5
	$(NA) search '"picket line"' --corpus corpus --index-dir indexes --limit 5

lint: $(VENV)/.ok-test
	$(BIN)/ruff check src tests bench docs/gen_cli_reference.py
	$(BIN)/ruff format --check src tests bench docs/gen_cli_reference.py

typecheck: $(VENV)/.ok-test
	$(BIN)/mypy

unit: $(VENV)/.ok-test
	$(BIN)/python -m pytest -q

test: lint typecheck unit

# the edit-and-check loop: everything but the evaluations over ../shared/data and the slow
# crash/concurrency runs (`make test` runs them all)
test-fast: lint typecheck
	$(BIN)/python -m pytest -q -m "not eval and not slow"

bench: $(VENV)/.ok-test
	$(BIN)/python bench/bench_ingest.py

clean:
	rm -rf corpus/* indexes/* .pytest_cache .mypy_cache .ruff_cache
