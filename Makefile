# zhongcai: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSDEPS := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
export ZHONGCAI_HYPOTHESIS_PROFILE ?= ci

.PHONY: install sysdeps run test lint typecheck pytest bench clean demo validate docs

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) sysdeps

# Debian packages for PDF rendering (CJK fonts; harfbuzz-subset makes a PDF take 0.4 s, not 15 s).
sysdeps:
	@missing=""; for p in $(SYSDEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install (as root): apt-get install$$missing"; exit 1; fi; \
	fi

run: install
	$(PY) cli.py serve --seed-demo

lint: $(STAMP)
	$(VENV)/bin/ruff check engine api cli.py commands tests bench scripts
	$(VENV)/bin/ruff format --check engine api cli.py commands

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: install lint typecheck pytest

docs: $(STAMP)
	$(PY) scripts/module_map.py --write

validate: $(STAMP)
	$(PY) cli.py procedures validate

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Long `procedures check` of every shipped procedure (issue 8); `make test` runs a short one.
check-procedures: $(STAMP)
	mkdir -p var; status=0; for p in arbitration mediation guangxi zhejiang register_verification; do \
	  $(PY) cli.py procedures check $$p --examples 2000 --budget 600 --out var/check-$$p.yaml || status=1; \
	done; exit $$status
