# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Unset: the tests spread over twice as many processes as there are cores (they wait on the
# databases as much as they compute), the browser journeys over one per core.
TEST_WORKERS ?=
CORES := $(shell nproc 2>/dev/null || echo 2)
export LITESTAR_APP := app.main:create_app
# Keep pip's index configuration quiet about absent local mirrors.
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup setup-test catalogues migrate seed serve chromium lint typecheck layers check bench messages clean

run: setup catalogues migrate seed serve

# Two runs: Playwright's sync API keeps an event loop in its process, which the async tests
# of tests/ cannot share. Each run spreads its files over the cores (pytest-xdist).
test: setup-test catalogues chromium
	$(BIN)/pytest -n $(or $(TEST_WORKERS),$(shell echo $$(( $(CORES) * 2 )))) --dist loadfile tests
	$(BIN)/pytest -n $(or $(TEST_WORKERS),auto) --dist loadfile e2e

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

catalogues: setup
	$(BIN)/pybabel compile -d app/i18n

migrate: setup
	$(BIN)/litestar database upgrade --no-prompt

seed: setup
	$(BIN)/python -m app.cli seed

serve:
	@echo "Serving on http://localhost:$(PORT)  (sign in: 110105198503140224 / family-demo-2025, PIN 258369)"
	$(BIN)/uvicorn app.main:create_app --factory --host $(HOST) --port $(PORT)

# Debian's Chromium headless shell for the browser tests (Playwright cannot download its own
# here); the journeys fall back on Debian's full `chromium` where the shell cannot be installed.
chromium:
	@command -v chromium-headless-shell >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium-headless-shell; } || command -v chromium >/dev/null; }

messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 --no-location --sort-output -o app/i18n/messages.pot .
	$(BIN)/pybabel update -i app/i18n/messages.pot -d app/i18n --no-fuzzy-matching

lint: setup-test
	$(BIN)/ruff check .

typecheck: setup-test
	$(BIN)/mypy

layers: setup-test
	$(BIN)/lint-imports

check: lint typecheck layers

# wrk, a C load generator from Debian: a Python client would be slower than the server.
bench: setup-test catalogues
	@command -v wrk >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
