# SafeGuide: `make run` serves the product; `make test` runs the whole suite.
# Both create the virtual environment and install everything on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install index run test lint eval bench

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Build or update the index (incremental; a failed document keeps the index serving).
index: install
	$(PY) -m indexer build --quiet || test -f instance/index/current.json

## Serve on http://127.0.0.1:8000 (SAFEGUIDE_BIND to change). Migrates the database first;
## on the first run it creates an admin and prints a one-time password.
run: index
	$(PY) -m assistant setup
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:app

lint: install
	$(VENV)/bin/ruff check .

## Debian's Chromium for the browser tests (Playwright drives it; its own download is unused).
.PHONY: browser-deps
browser-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver)

## Test-only language-model packages (requirements-llm.txt). llama-cpp-python compiles once
## (about 5 min on 2 cores); the wheel is kept in WHEEL_CACHE and reused from there.
WHEEL_CACHE ?= $(HOME)/.cache/safeguide-wheels
LLM_STAMP := $(VENV)/.llm-installed-$(shell cat requirements-llm.txt | sha1sum | cut -c1-12)
LLAMA_PIN := $(shell grep -m1 '^llama-cpp-python' requirements-llm.txt | sed 's/\[.*\]//')
.PHONY: llm-deps

$(LLM_STAMP): requirements-llm.txt $(STAMP)
	mkdir -p $(WHEEL_CACHE)
	$(PY) -m pip wheel --quiet --no-deps --find-links $(WHEEL_CACHE) -w $(WHEEL_CACHE) '$(LLAMA_PIN)'
	$(PY) -m pip install --quiet --find-links $(WHEEL_CACHE) -r requirements-llm.txt
	rm -f $(VENV)/.llm-installed-*
	touch $(LLM_STAMP)

llm-deps: $(LLM_STAMP)

## Debian's PostgreSQL and Redis servers for the multi-host tests (each run starts throwaway
## servers on loopback: scripts/servers.py).
.PHONY: server-deps
server-deps:
	(ls /usr/lib/postgresql/*/bin/postgres && command -v redis-server) >/dev/null 2>&1 || \
	  (apt-get update && apt-get install -y --no-install-recommends postgresql redis-server)

## The whole suite on SQLite, then the database tests again on a real PostgreSQL.
test: lint browser-deps server-deps llm-deps
	$(PY) -m pytest
	$(PY) -m pytest --postgres -m database

## Score retrieval and answers on the dev question set (and the naive baseline).
eval: index
	$(PY) -m assistant.eval ../shared/eval/dev.jsonl --out results/dev.jsonl

bench: index
	$(PY) scripts/bench_index.py
	$(PY) scripts/bench_query.py
