# Kesu: `make run` serves the demo portal, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test install translations messages worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

# After adding or changing interface strings: extract them and update the catalogs, then
# translate the new entries in portal/translations/*/LC_MESSAGES/messages.po (tests check it).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o portal/translations/messages.pot . > /dev/null
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Kesu on http://127.0.0.1:$(PORT)  (demo users: see README; Ctrl-C stops server and worker)"
	@trap 'kill 0' INT TERM EXIT; $(FLASK) worker & $(FLASK) run --port $(PORT)

worker: install
	$(FLASK) worker

# PYTEST_ARGS passes options through: `make test PYTEST_ARGS="-x -k accounts"`.
# The suite runs in one process per core (pytest-xdist); tests sharing a module-scoped fixture stay in
# one (tests/conftest.py groups them). PYTEST_WORKERS=0 runs it in a single process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
