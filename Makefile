# Developer and CI entry points. `make help` lists the targets.
#
# Only `test` (and `ci`) point Django at PostgreSQL; every other target uses
# whatever the environment says, which by default is SQLite with tasks run in-process.

PYTHON ?= python
MANAGE := $(PYTHON) manage.py
RUFF := $(PYTHON) -m ruff

# Compile translations only when gettext's msgfmt is installed and there is
# a catalogue to compile (compilemessages fails when no locale folder exists).
define compile_messages
if ! command -v msgfmt >/dev/null 2>&1; then \
	echo "msgfmt not found (apt-get install gettext): skipping compilemessages"; \
elif [ -z "$$(find . \( -name .git -o -name .venv -o -name venv -o -name node_modules \) -prune \
		-o -name '*.po' -path '*/locale/*' -print 2>/dev/null | head -n 1)" ]; then \
	echo "no locale/*.po catalogues yet: skipping compilemessages"; \
else \
	$(MANAGE) compilemessages --ignore=.git --ignore=.venv --ignore=venv --ignore=node_modules; \
fi
endef

.DEFAULT_GOAL := help
.PHONY: help install demo lint test ci messages

help:
	@echo "make install  install the development requirements"
	@echo "make demo     install, migrate, seed demo data and run on http://127.0.0.1:8000 (SQLite, no services)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make test     the full CI check: lint, missing migrations, translations, pytest on PostgreSQL"
	@echo "make ci       same as make test"
	@echo "make messages re-extract translatable strings into locale/{fi,sv} and compile them"

install:
	$(PYTHON) -m pip install -r requirements-dev.txt

demo:
	$(PYTHON) -m pip install -r requirements.txt
	$(MANAGE) migrate --noinput
	@$(compile_messages)
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

lint:
	$(RUFF) check . && $(RUFF) format --check .

# Tests run on PostgreSQL (pytest-django creates test_peerreview) and, unless
# told otherwise, without a Celery broker, so tasks run eagerly in-process.
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/peerreview
test: export CELERY_BROKER_URL ?=
test:
	$(RUFF) check . && $(RUFF) format --check .
	$(MANAGE) makemigrations --check --dry-run
	@$(compile_messages)
	$(PYTHON) -m pytest

ci: test

# Translations: after adding or changing a string, run this, translate the new or fuzzy
# entries in locale/fi and locale/sv (tests/test_translations.py fails on any left), then
# run it again to compile. Keep MESSAGES_IGNORE in step with tests/test_translations.py.
MESSAGES_IGNORE := .git .venv venv node_modules static/vendor staticfiles media tests bench test-artifacts
messages:
	$(MANAGE) makemessages -l fi -l sv --no-obsolete --add-location=file $(addprefix --ignore=,$(MESSAGES_IGNORE))
	@$(compile_messages)
