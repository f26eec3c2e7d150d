# Two commands: `make run` serves the portal, `make test` runs the tests.
# Both set everything up first: virtualenv, pinned packages, translations, database.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
HOST ?= 127.0.0.1
# `make serve`: gunicorn with gunicorn.conf.py (gthread: 3 processes x 1 thread for a 2-core host,
# timeout 60 s, --max-requests 1000 with jitter 100, preloaded app; the file says why, and why not
# more threads yet). Raise WORKERS with the cores (about 2 x cores + 1 at most). Workers share
# nothing in memory that matters: sessions are signed cookies, sign-in throttling and API rate
# limits are counted in the database (or Redis), and index writes go through the index lock.
WORKERS ?= 3

.PHONY: run test setup install translations compile-translations migrate seed index serve lint clean mutation

run: setup
	@echo ""
	@echo "Demo accounts (local demo only):"
	@$(BIN)/python -c "import json; [print(f\"  {u['email']:<32} {u['role']:<15} {u['password']}\") for u in json.load(open('seed_data/users.json'))]"
	@echo ""
	@echo "Serving PAN Platform on http://$(HOST):$(PORT)"
	PAN_INPROCESS_SCHEDULER=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: install compile-translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install compile-translations migrate seed index

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

compile-translations: install
	$(BIN)/pybabel compile -d translations

# Extract, update and compile the catalogues (for translators).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) pan seed --if-empty
	$(FLASK) pan extract-pending
	$(FLASK) pan previews --missing

index: seed
	$(FLASK) pan reindex --if-missing

serve: setup
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) wsgi:app

# Mutation testing of the permission module (settings in setup.cfg, results in docs/mutation.md):
# every mutant of pan_platform/access/ must make tests/access or tests/sharing fail. Not part of
# `make test`: it takes about an hour on 2 shared cores. It starts afresh each time (mutmut keeps
# its results in mutants/ and would otherwise skip the mutants it has already judged). The score
# leaves out only the mutants listed, each with its reason, in docs/mutation-equivalent.txt.
mutation: install compile-translations
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut export-cicd-stats >/dev/null
	$(BIN)/mutmut results | $(BIN)/python tools/mutation_score.py docs/mutation-equivalent.txt

# Names called by a framework (routes, commands, hooks) are used even when nothing calls them.
VULTURE_DECORATORS := @*.route,@*.get,@*.post,@*.command,@*.group,@*.operation,@*.listens_for,@*.app_template_global,@*.app_template_filter,@*.app_context_processor,@*.before_app_request,@*.after_app_request,@*.before_request,@*.after_request,@*.errorhandler,@*.app_errorhandler,@*.user_loader,@*.request_loader

lint: install
	$(BIN)/ruff check pan_platform tests bench tools config.py wsgi.py vulture_whitelist.py
	$(BIN)/lint-imports
	$(BIN)/vulture pan_platform vulture_whitelist.py --min-confidence 60 --ignore-decorators "$(VULTURE_DECORATORS)"

clean:
	rm -rf $(VENV) instance
