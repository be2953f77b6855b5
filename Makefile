# The two commands: `make run` (set up, validate, build, serve) and `make test` (set up, run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HTKG   := $(BIN)/htkg
RELEASE ?= build/release

.PHONY: setup run test build validate serve clean bench

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

validate: setup
	$(HTKG) validate

build: setup
	$(HTKG) validate
	$(HTKG) build --out $(RELEASE)
	$(HTKG) stats --release $(RELEASE)

serve: build
	$(HTKG) serve --release-dir $(RELEASE)

run: serve

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf build .pytest_cache test-artifacts
