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

.PHONY: run test test-faults lint proto proto-check bench seed-network install bytecode clean deploy-check deploy-policy deploy-tools-lock chromium console-screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.synced

# Bytecode for Kahu's own code, written as the image's build writes it (deploy/Dockerfile),
# even where PYTHONDONTWRITEBYTECODE is set: the workflow sandbox imports the workflow
# modules again for every workflow run, and without bytecode compiles them from source each
# time (a short history replayed: 69 ms without, 49 ms with; `bench cases`: the worker's CPU
# 34.4 s without, 31.1 s with). Only files changed since are compiled again.
bytecode: install
	$(PY) -m compileall -q kahu services workflows

run: install bytecode
	$(PY) -m devstack

# The time-sensitive tests (deadlines, working days, statutory clocks, policy, CLI times, the
# crash test's timer) again under a zone ahead of UTC and one behind it: no test may depend
# on the machine's time zone.
TZ_TESTS := tests/policy tests/crash tests/cli/test_params.py tests/conference/test_slots.py \
  tests/conference/test_workflow.py::test_statutory_days_count_from_the_day_after_the_trigger \
  tests/assessment/test_workflow.py::test_working_day_deadlines_skip_weekends_and_public_holidays \
  tests/case/test_workflow.py::test_triage_deadline_escalates_once_per_tier_then_stops_on_decision \
  tests/case/test_workflow.py::test_supervisor_extends_the_triage_deadline \
  tests/supervision/test_supervisor_actions.py tests/conference/test_care_and_protection.py \
  tests/case/test_care_and_protection.py::test_no_agreement_reopens_the_assessment_for_the_social_worker_and_a_conference_may_reconvene

# The console's browser tests (tests/console) drive Debian's chromium: Playwright's own
# browser download cannot work here. Installed when missing (as root, or with sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

test: install bytecode chromium proto-check lint deploy-check
	$(PY) -m pytest
	TZ=Pacific/Auckland $(PY) -m pytest -q -p no:cacheprovider $(TZ_TESTS)
	TZ=America/Los_Angeles $(PY) -m pytest -q -p no:cacheprovider $(TZ_TESTS)

# Fault tests at scale: reports submitted while each part of `make run`'s stack is killed
# (`make test` runs them with fewer reports); KAHU_FAULT_CASES=n for another number.
KAHU_FAULT_CASES ?= 200
test-faults: install bytecode
	KAHU_FAULT_CASES=$(KAHU_FAULT_CASES) $(PY) -m pytest -q -s -p no:cacheprovider tests/faults

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/buf lint protos

proto: install
	$(PY) -m scripts.gen_protos kahu

proto-check: install
	$(PY) -m scripts.gen_protos --check kahu

bench: install bytecode
	$(PY) -m bench

# A screenshot of every page of the web console, with real cases behind it, in docs/console/.
console-screenshots: install chromium
	KAHU_CONSOLE_SCREENSHOTS=$(abspath docs/console) $(PY) -m pytest -q -p no:cacheprovider tests/console/test_screenshots.py

# The synthetic national family network for the placement search (1,000,000 people,
# ~3 million relationships, 50,000 approved caregivers), loaded with COPY into the
# placement schema of $$DATABASE_URL (default: `make run`'s PostgreSQL), replacing the
# network there. `make seed-network PEOPLE=50000` for a smaller one.
PEOPLE ?= 1000000
seed-network: install
	$(PY) -m services.placement.generator --people $(PEOPLE) --replace

# deploy/: the image and the Kubernetes manifests, proven offline (deploy/README.md).
# checkov runs from its own venv, installed from hashed pins (deploy/tools/): its ~100
# pinned dependencies stay out of Kahu's lock.
CHECKOV_VENV := $(TOOLS)/checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_PINS := deploy/tools/checkov-requirements.txt
DEPLOY_OUT := .kahu/deploy
DEPLOY_POLICY := deploy/k8s/base/policy/kahu.yaml

$(CHECKOV): $(UV) $(CHECKOV_PINS)
	$(UV) venv --quiet --allow-existing $(CHECKOV_VENV)
	$(UV) pip sync --quiet --require-hashes --python $(CHECKOV_VENV)/bin/python $(CHECKOV_PINS)
	touch $@

# kustomize reads only files below a kustomization, so the policy ConfigMap is built from
# a copy of policy/kahu.yaml; deploy-check refreshes it (and fails in CI if it is stale).
deploy-policy:
	cp policy/kahu.yaml $(DEPLOY_POLICY)

deploy-check: install $(CHECKOV)
	@if ! cmp -s policy/kahu.yaml $(DEPLOY_POLICY); then \
	  if [ -n "$${CI:-}" ]; then \
	    echo "deploy-check: $(DEPLOY_POLICY) differs from policy/kahu.yaml: run 'make deploy-policy' and commit it" >&2; exit 1; \
	  fi; \
	  cp policy/kahu.yaml $(DEPLOY_POLICY); echo "deploy-check: refreshed $(DEPLOY_POLICY) from policy/kahu.yaml"; \
	fi
	$(VENV)/bin/hadolint deploy/Dockerfile
	rm -rf $(DEPLOY_OUT)
	$(PY) -m tests.deploy.manifests --out $(DEPLOY_OUT)
	$(CHECKOV) --quiet --compact --skip-download --framework kubernetes dockerfile \
	  $$(printf -- '-f %s ' $(DEPLOY_OUT)/*.yaml) -f deploy/Dockerfile
	$(PY) -m pytest -q -p no:cacheprovider tests/deploy

deploy-tools-lock: $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header \
	  deploy/tools/checkov-requirements.in -o $(CHECKOV_PINS)

clean:
	rm -rf $(TOOLS) $(VENV) .kahu
