# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
VENDOR := src/rapport/static/vendor
DEMO_CUSTOMERS ?= 5000
VENDOR_FILES := node_modules/htmx.org/dist/htmx.min.js \
                node_modules/echarts/dist/echarts.min.js

.PHONY: run test lint format assets install install-test bench messages clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	touch $@

assets: $(VENDOR)/.built

run: install assets
	$(BIN)/rapport init
	$(BIN)/rapport demo --if-empty --customers $(DEMO_CUSTOMERS)
	$(BIN)/rapport serve

test: install-test assets
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every main page in English and Chinese, as PNG files in screenshots/ (needs chromium).
screenshots: install-test assets
	$(BIN)/python scripts/screenshots.py --out screenshots

bench: install-test
	$(BIN)/python -m bench demo --customers 100000 --runs 3

messages: install
	$(BIN)/pybabel extract -F babel.cfg --project=Rapport --version=0.1.0 \
		--copyright-holder="Rapport contributors" -o src/rapport/locale/messages.pot src/rapport
	$(BIN)/pybabel update -i src/rapport/locale/messages.pot -d src/rapport/locale

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
