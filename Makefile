# Two-command quick start: `make demo` and `make test` (each creates .venv if absent).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench accuracy cascade-validation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make demo` needs the charts (it writes PNG and HTML); `.[dev]` pulls every extra. After the
# install the numba kernels are compiled ahead of time (liqmap._aot), so no run JIT-compiles.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[charts]"
	$(BIN)/python -m liqmap._aot build || echo "liqmap: kernels stay on the numba JIT (no C compiler?)"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m liqmap._aot build || echo "liqmap: kernels stay on the numba JIT (no C compiler?)"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/liqmap demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy --strict src

test: lint
	$(BIN)/pytest

# the web load test drives the server with wrk (a Debian package): installed here when absent
bench: $(VENV)/.installed-dev
	command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } \
		|| echo "wrk could not be installed: the web suite will be skipped"
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
