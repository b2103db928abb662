# headroom: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8787

.PHONY: setup run test lint typecheck unit pyz bench bench-overhead bench-compression bench-livezone bench-taps clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

pyz: setup
	$(BIN)/python build_zipapp.py

run: pyz
	$(BIN)/python dist/headroom.pyz --port $(PORT)

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench-overhead: setup
	$(BIN)/python benchmarks/overhead.py

bench-compression: setup
	$(BIN)/python benchmarks/compression.py

bench-livezone: setup
	$(BIN)/python benchmarks/livezone.py

bench-taps: setup
	$(BIN)/python benchmarks/taps.py

bench: bench-overhead bench-compression bench-livezone bench-taps

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
