# synap-keyops: `make demo` and `make test` are the two commands a newcomer needs.
# Each creates .venv and installs what it needs by itself.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=
PLAN_ARGS ?=

.PHONY: help install lint fmt typecheck pytest test demo bench chaos plan package clean

help:
	@echo "make demo      run the whole job against local emulators (no cloud account)"
	@echo "make test      lint, type-check and run every test"
	@echo "make bench     run the benchmarks (not part of make test)"
	@echo "make chaos     the long fault-injection run"
	@echo "make plan      offline Pulumi plan of the example stack -> build/plan.json"
	@echo "make package   build the rotation Lambda zip -> build/rotation-lambda.zip"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[cli,infra,policy,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy rotation policies infra tests benchmarks scripts

pytest: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

demo: $(STAMP)
	$(PY) -m scripts.demo

bench: $(STAMP)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]' \
	  || echo "bench: could not install detect-secrets; its column will read n/a"
	@command -v rg >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ripgrep) >/dev/null 2>&1 \
	  || echo "bench: could not install ripgrep (Debian package); its column will read n/a"
	$(PY) benchmarks/run.py

chaos: $(STAMP)
	SYNAP_CHAOS_EXAMPLES=5000 $(PY) -m pytest -q -m slow tests

plan: $(STAMP)
	$(PY) -m infra.plan $(PLAN_ARGS)

package: $(STAMP)
	$(PY) scripts/package_lambda.py

clean:
	rm -rf build .mypy_cache .ruff_cache .pytest_cache .hypothesis
