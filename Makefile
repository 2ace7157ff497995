# `make test` and `make demo` set everything up on a fresh machine: they create .venv and install
# the package with its dev extra before they run anything; `make test` also installs the system
# programs its tests need (scripts/ensure-system-programs.sh) or says how to.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.installed-bench

.PHONY: install system-programs demo test lint typecheck pytest docs bench bench-cachegrind load mutate clean

$(INSTALLED): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

## Chromium and redis-server for the tests: apt-get as root, or sudo -n; otherwise the command to run
system-programs:
	scripts/ensure-system-programs.sh

# the peers the benchmark compares with: optional, never runtime dependencies
$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_INSTALLED)

## the example app against an embedded local Cognito (or the pool FLASK_COGNITO_* names)
demo: install
	$(BIN)/python -m example_app

## every quality gate: lint and format, types, tests with branch coverage, docs without warnings
test: system-programs install lint typecheck pytest docs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy flask_revstack_cognito example_app tests benchmarks

# coverage starts before pytest so that the package's own pytest plugin (loaded through its
# entry point, before pytest-cov would start) is measured too.
pytest: system-programs install
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report --fail-under=99

docs: install
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

## verification speed as ratios to the bare RSA check (L), peers, routes, JWKS fetches, memory
## (about 3 minutes; `make bench BENCH_ARGS=--quick` for a smoke run)
bench: $(BENCH_INSTALLED)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

## each route's instructions and simulated cache misses per request under cachegrind: ratios that
## do not move between runs (about 4 minutes; needs valgrind, which `make test` installs too)
bench-cachegrind: $(BENCH_INSTALLED) system-programs
	$(BIN)/python -m benchmarks.cachegrind $(BENCH_ARGS)

## gunicorn under a mixed load for 60 s while the JWKS server is killed and restored; prints a table
load: install
	$(BIN)/python -m benchmarks.load_outage --seconds 60

## mutation testing of the security core ([mutmut] in setup.cfg): the score per module, then each
## survivor by file and line (tests/mutation-equivalents.md says why each lives); not in `test`.
## MUTANTS='flask_revstack_cognito.signin.*' (mutmut's names; globs) runs only those mutants.
MUTANTS ?=
mutate: install system-programs
	rm -rf mutants
	@start=$$(date +%s); $(BIN)/mutmut run --max-children 2 $(MUTANTS); status=$$?; \
		echo "mutmut run took $$(( $$(date +%s) - start )) s"; exit $$status
	$(BIN)/python scripts/mutation_report.py

clean:
	rm -rf $(VENV) mutants docs/_build .coverage .mypy_cache .ruff_cache *.egg-info
