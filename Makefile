# Quick start: `make site` builds site/ from content/; `make test` runs every test.
# Both create .venv and install the pinned dependencies (requirements.lock) first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TODAY  ?=
SCALE  ?= S
TODAY_ARG := $(if $(TODAY),--today $(TODAY),)

.PHONY: site serve test check notices bench lint clean sysdeps sysdeps-test

$(STAMP): requirements.lock pyproject.toml
	@./scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

sysdeps:
	@./scripts/system-deps.sh

sysdeps-test:
	@./scripts/system-deps.sh --test

site: $(STAMP) sysdeps
	$(BIN)/python build.py build $(TODAY_ARG)

serve: $(STAMP)
	$(BIN)/python build.py serve $(TODAY_ARG)

check: $(STAMP)
	$(BIN)/python build.py check $(TODAY_ARG)

notices: $(STAMP) sysdeps
	$(BIN)/python build.py notices $(TODAY_ARG)

test: $(STAMP) sysdeps-test
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP) sysdeps-test
	$(BIN)/python bench/run.py --scale $(SCALE)

lint: $(STAMP)
	$(BIN)/python -m ruff check generator tests build.py bench scripts
	$(BIN)/python -m mypy generator

clean:
	rm -rf site .site-* .pytest_cache
