# One command each: `make app` (set up + start the dashboard), `make test` (set up + run the tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test lint typecheck setup

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true

lint: $(STAMP)
	$(BIN)/ruff check xner tests app.py pages benchmarks
	$(BIN)/ruff format --check xner tests app.py pages benchmarks

# mypy reads its files and settings from pyproject.toml ([tool.mypy]: the xner package).
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q
