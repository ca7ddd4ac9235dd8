# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of torch already on this machine; named in every install so
# that nothing pulls the multi-GB CUDA build from the registry.
TORCH  := torch==2.13.0
PIP    := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

# Installing takes minutes the first time: show each step, what pip is fetching and
# installing (one line per package), and how long the step took.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c
SHOW_PIP    := grep --line-buffered -E '^(Collecting|Installing collected|Successfully installed|ERROR)' \
               | sed -u -e 's/^Collecting /    fetching  /' -e 's/^Installing collected packages: /    installing /'
step         = printf '\n==> %s\n' $(1)
took         = echo "    done in $$((SECONDS - started)) s"

.PHONY: run run-scaled test lint bench install install-dev clean help postgresql

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	@$(call step,"Creating the virtualenv $(VENV)")
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	@$(call step,"Installing $(TORCH) (the CPU build; about 1 minute)"); started=$$SECONDS; \
	 $(PIP) $(TORCH) | $(SHOW_PIP) && $(took)
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	@$(call step,"Installing the service and its libraries (about 3-9 minutes the first time)"); \
	 started=$$SECONDS; $(PIP) -e . $(TORCH) | $(SHOW_PIP) && $(took)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.torch
	@$(call step,"Installing the service with its test tools (about 3-9 minutes the first time)"); \
	 started=$$SECONDS; $(PIP) -e '.[dev]' $(TORCH) | $(SHOW_PIP) && $(took)
	@touch $@ $(VENV)/.installed

# The embedding model runs on ONNX Runtime: export it once, here, rather than on the
# first request (embeddings/export.py; it reads only the packaged model).
$(VENV)/.exported: $(VENV)/.installed
	@$(call step,"Exporting the embedding model to ONNX (once; about 10-30 s)"); started=$$SECONDS; \
	 $(BIN)/python -m embeddings.export >/dev/null && $(took)
	@touch $@

install: $(VENV)/.exported  ## Build .venv with the service
install-dev: $(VENV)/.installed-dev $(VENV)/.exported  ## Build .venv with the service and test tools

# The steps of `make run` before serving (migrate, ingest the built-in corpus, load
# the demo), in one process so the libraries load once. They run again only when
# what they read changed (migrations, corpus, demo data, the installation) or the
# database is missing; a database elsewhere (COMPANION_DATABASE_URL) always runs them.
DATA     := $(or $(COMPANION_DATA_DIR),var)
PREPARED := $(DATA)/.prepared-by-make-run
PREPARE  := import sys; from companion.cli import app; \
  sys.exit(next((c for c in (app(s.split(), standalone_mode=False) for s in sys.argv[1:]) if c), 0))

.PHONY: always
always: ;
$(PREPARED): $(VENV)/.exported $(wildcard companion/db/migrations/versions/*.py) \
             $(wildcard knowledge/corpus/*.md) $(wildcard companion/demo_data/*) companion/demo.py \
             $(if $(COMPANION_DATABASE_URL),always,$(if $(wildcard $(DATA)/companion.db),,always))
	@$(call step,"Preparing the data in $(DATA): database; knowledge base; demo program"); \
	 started=$$SECONDS; $(BIN)/python -c "$(PREPARE)" "db upgrade" "kb ingest --builtin" "demo load" && \
	 $(took)
	@touch $@

run: $(PREPARED)  ## Migrate, load the demo and the corpus once, serve on $(HOST):$(PORT) (plain-text logs)
	@$(call step,"Starting the server")
	@COMPANION_LOG_FORMAT=$${COMPANION_LOG_FORMAT:-text} $(BIN)/companion serve --host $(HOST) --port $(PORT) & server=$$!; \
	 trap 'kill $$server 2>/dev/null; wait $$server' INT TERM; \
	 url="http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)"; \
	 ready() { exec 3<>/dev/tcp/$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST))/$(PORT) && \
	   printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && read -r -t 5 status <&3 && exec 3<&-; \
	   [[ $$status == *" 200 "* ]]; }; \
	 until ready 2>/dev/null; do kill -0 $$server 2>/dev/null || exit 1; sleep 0.2; done; \
	 printf '\n==> Mentoring Companion is ready at %s/\n    Sign in as coordinator@demo.example (or admin@, mentor@, mentee@demo.example), password mentoring-demo.\n    Ctrl-C stops it.\n\n' "$$url"; \
	 wait $$server

# The scaled deployment of docs/operations.md on this machine: PostgreSQL, a Chroma
# server, $(APPS) app processes on ports $(PORT)... and one worker (companion/scaled.py).
APPS ?= 2
run-scaled: $(VENV)/.exported postgresql  ## PostgreSQL, a Chroma server, $(APPS) app processes from $(PORT), one worker
	@$(BIN)/python -c "import psycopg" 2>/dev/null || $(PIP) '.[postgres]' $(TORCH) | $(SHOW_PIP)
	$(BIN)/python -m companion.scaled --apps $(APPS) --port $(PORT) --data $(DATA)/scaled --demo

lint: $(VENV)/.installed-dev  ## ruff, the layer contract of ARCHITECTURE.md, no repeated handler bodies
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pylint api

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

# The suite runs twice: on SQLite (the embedded default), then on PostgreSQL (each test
# on its own database cloned from a migrated template, on a server the tests start). The
# second run leaves out what never touches the database, so runs the same either way:
# the browser tests (tests/e2e), the encoder, chunking, loaders, prompt rendering,
# drafting quality and kinds, pure matching (engine, modes, planted cohorts),
# availability, language, the vector index, settings, and the torch-free serving probe
# (its subprocesses use the default SQLite file whatever the run).
NOT_ON_POSTGRESQL := tests/e2e tests/test_embeddings.py tests/knowledge tests/prompts \
  tests/drafting/test_quality.py tests/drafting/test_kinds.py tests/matching/test_engine.py \
  tests/matching/test_modes.py tests/matching/test_planted.py tests/test_availability.py \
  tests/test_language.py tests/test_index.py tests/test_settings.py \
  tests/test_serving_without_torch.py

# Each run spreads the test files over $(WORKERS) processes (pytest-xdist), one file to a
# process at a time, so a file's shared fixtures are built once. WORKERS=0 runs in one.
WORKERS ?= 2
XDIST   := $(if $(filter 0,$(WORKERS)),-p no:xdist,-n $(WORKERS) --dist loadfile)

test: lint $(VENV)/.exported $(CHROMIUM) postgresql  ## Build everything and run the whole test suite on SQLite, then on PostgreSQL
	$(BIN)/pytest $(XDIST)
	COMPANION_TEST_DATABASE=postgresql $(BIN)/pytest $(XDIST) $(addprefix --ignore=,$(NOT_ON_POSTGRESQL))

bench: $(VENV)/.installed-dev  ## Run the benchmarks in bench/
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/kb_search.py
	$(BIN)/python bench/kb_questions.py
	$(BIN)/python bench/match.py
	$(BIN)/python bench/drafting.py

clean:  ## Remove the virtualenv (keeps ./var, your data)
	rm -rf $(VENV)
