# Kahu — every target installs what it needs first (uv, then the locked environment).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON := $(PYTHON)
export UV_LINK_MODE := copy

.PHONY: run test lint proto proto-check bench install clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.synced

run: install
	$(PY) -m devstack

test: install proto-check lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/buf lint protos

proto: install
	$(PY) -m scripts.gen_protos kahu

proto-check: install
	$(PY) -m scripts.gen_protos --check kahu

bench: install
	$(PY) -m bench

clean:
	rm -rf $(TOOLS) $(VENV) .kahu
