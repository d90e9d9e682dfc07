# gridportal: `make run` serves the demo portal; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# The suite runs on every core (pytest-xdist) and names its 15 slowest tests; PYTEST_ARGS="-n 0"
# runs it in one process.
PYTEST_ARGS ?= -n auto --durations=15
# Services and selectors are type-checked (mypy with django-stubs).
TYPED  := $(wildcard */services.py */selectors.py */services/*.py */selectors/*.py)

.PHONY: run test install lint migrate demo translations messages lock browser-deps clean

$(BIN)/.installed: requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("gridportal needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

install: $(BIN)/.installed

translations: install
	$(BIN)/python manage.py compile_translations

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: export DEBUG ?= 1
run: export DEMO_MODE ?= 1
run: export GRIDPORTAL_PORT := $(PORT)
run: export VAR_DIR ?= $(CURDIR)/var
run: install translations migrate
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "gridportal is starting on http://127.0.0.1:$(PORT)/  (web, a worker for notices, a worker"
	@echo "for deadlines and beat under supervisord: one that dies is restarted; Ctrl-C stops all)"
	@echo ""
	exec $(BIN)/supervisord -n -c supervisord.dev.conf

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)

browser-deps:
	@sh scripts/ensure-chromium

test: install translations browser-deps
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Regenerate a .po catalogue after changing translatable strings (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=static

# Re-pin dependencies after editing requirements/*.in.
lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --allow-unsafe -o base.txt base.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --allow-unsafe -o dev.txt dev.in

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache
