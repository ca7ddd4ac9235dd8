# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of torch already on this machine; named in every install so
# that nothing pulls the multi-GB CUDA build from the registry.
TORCH  := torch==2.13.0
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test lint bench install install-dev clean help postgresql

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(PIP) $(TORCH)
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PIP) -e . $(TORCH)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.torch
	$(PIP) -e '.[dev]' $(TORCH)
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed  ## Build .venv with the service
install-dev: $(VENV)/.installed-dev  ## Build .venv with the service and test tools

run: $(VENV)/.installed  ## Migrate, load the demo and the corpus once, serve on $(HOST):$(PORT)
	$(BIN)/companion db upgrade
	$(BIN)/companion kb ingest --builtin
	$(BIN)/companion demo load
	$(BIN)/companion serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev  ## ruff and the layer contract of ARCHITECTURE.md
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The browser tests drive Debian's Chromium; Playwright never downloads one.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) for the browser tests."; exit 1; }
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium \
	  || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium; }

# The PostgreSQL tests start a throwaway server of Debian's package on a free port.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null || { echo "Install PostgreSQL for the PostgreSQL tests."; exit 1; }; \
	  $(SUDO) apt-get install -y --no-install-recommends postgresql \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends postgresql; }; }

test: lint $(CHROMIUM) postgresql  ## Build everything and run the whole test suite (browser and PostgreSQL tests included)
	$(BIN)/pytest

bench: $(VENV)/.installed-dev  ## Run the benchmarks in bench/
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/kb_search.py
	$(BIN)/python bench/kb_questions.py
	$(BIN)/python bench/match.py
	$(BIN)/python bench/drafting.py

clean:  ## Remove the virtualenv (keeps ./var, your data)
	rm -rf $(VENV)
