# Two-command quick start: `make demo` and `make test` (each creates .venv if absent).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench accuracy cascade-validation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/liqmap demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy --strict src

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

# regenerates docs/accuracy.md (walk-forward backtest on ../shared/data) and docs/groundtruth.md
# (estimate vs the simulator's true positions) in a few minutes
accuracy: $(VENV)/.installed
	$(BIN)/python scripts/accuracy.py
	$(BIN)/python scripts/groundtruth.py
	$(BIN)/python scripts/cascade_validation.py

# regenerates docs/cascade.md section 3 (the simulator on every real shock) in about 30 s
cascade-validation: $(VENV)/.installed
	$(BIN)/python scripts/cascade_validation.py

clean:
	rm -rf $(VENV) liqmap-out .pytest_cache .mypy_cache .ruff_cache
