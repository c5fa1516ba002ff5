# Kezek: `make run` serves the demo on a fresh machine, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install install-dev migrate seed worker translations messages bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## Install the runtime and compile the message catalogues (every install path needs them compiled,
## or pages and API errors fall back to English).
install: $(VENV)/.installed
	$(BIN)/pybabel compile -d webapp/translations >/dev/null
install-dev: $(VENV)/.installed-dev install

translations: install

## After changing user-visible text: extract it and merge it into the kk, ru and en catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__' -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

## Serve the demo district on http://127.0.0.1:$(PORT) (SQLite in instance/, jobs inline without Redis).
run: translations seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Run the whole test suite (SQLite always; PostgreSQL and Redis when TEST_DATABASE_URL / REDIS_URL are set).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/python worker.py

bench: install-dev
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
