# Developer and CI entry points. `make help` lists the targets.
#
# Only `test` (and `ci`) point Django at PostgreSQL; every other target uses
# whatever the environment says, which by default is SQLite with tasks run in-process.

# Everything runs in a project virtual environment (.venv), made with the system's python3 on
# first use: a stock Debian or macOS has only `python3`, and Debian's own Python refuses pip
# installs (PEP 668). `make test PYTHON=python` uses another interpreter (CI does).
# When the active `python` already has the requirements (an activated virtual environment, CI's
# interpreter), that one is used instead.
VENV ?= .venv
BOOTSTRAP_PYTHON ?= python3
ifeq ($(origin PYTHON),undefined)
  ifneq ($(wildcard $(VENV)/bin/python),)
    PYTHON := $(VENV)/bin/python
  else ifeq ($(shell python -c "import django" >/dev/null 2>&1 && echo yes),yes)
    PYTHON := python
  else
    PYTHON := $(VENV)/bin/python
  endif
endif
PORT ?= 8000
export PORT
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
.PHONY: help venv install demo lint test ci messages

help:
	@echo "make install  make .venv (with python3) and install the development requirements into it"
	@echo "make demo     make .venv, install, migrate, seed demo data and run on http://127.0.0.1:PORT (default 8000; SQLite, no services)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make test     the full CI check: lint, missing migrations, translations, pytest on PostgreSQL"
	@echo "make ci       same as make test"
	@echo "make messages re-extract translatable strings into locale/{fi,sv} and compile them"

# Create .venv when PYTHON is the venv's interpreter and it does not exist yet.
venv:
	@if [ "$(PYTHON)" = "$(VENV)/bin/python" ] && [ ! -x "$(PYTHON)" ]; then \
		command -v $(BOOTSTRAP_PYTHON) >/dev/null 2>&1 || { echo "error: $(BOOTSTRAP_PYTHON) not found: install Python 3.11 or newer"; exit 1; }; \
		$(BOOTSTRAP_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed, found " + sys.version.split()[0])' || exit 1; \
		echo "creating the virtual environment $(VENV) with $(BOOTSTRAP_PYTHON)"; \
		$(BOOTSTRAP_PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
			echo "error: could not create $(VENV). On Debian or Ubuntu: sudo apt install python3-venv"; exit 1; }; \
	fi

install: venv
	$(PYTHON) -m pip install --disable-pip-version-check -r requirements-dev.txt

demo: venv
	$(PYTHON) -m pip install --disable-pip-version-check -r requirements.txt
	$(MANAGE) migrate --noinput
	@$(compile_messages)
	$(MANAGE) seed_demo
	@echo "Demo running at http://127.0.0.1:$(PORT)/ (every demo password: review-demo-2026). Stop with Ctrl+C."
	$(MANAGE) runserver 127.0.0.1:$(PORT)

lint:
	$(RUFF) check . && $(RUFF) format --check .

# Tests run on PostgreSQL (pytest-django creates test_peerreview, one copy per worker) and, unless
# told otherwise, without a Celery broker, so tasks run eagerly in-process. The suite runs on
# every core (pytest-xdist; each file stays on one worker, so its module fixtures are built once);
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/peerreview
test: export CELERY_BROKER_URL ?=
test:
	@$(PYTHON) -c "import django, pytest" 2>/dev/null || { echo "error: the test requirements are not installed for $(PYTHON): run make install first"; exit 1; }
	$(RUFF) check . && $(RUFF) format --check .
	$(PYTHON) -c "from importlinter.cli import lint_imports_command; lint_imports_command()" --no-cache
	$(MANAGE) makemigrations --check --dry-run
	@$(compile_messages)
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

ci: test

# Translations: after adding or changing a string, run this, translate the new or fuzzy
# entries in locale/fi and locale/sv (tests/test_translations.py fails on any left), then
# run it again to compile. Keep MESSAGES_IGNORE in step with tests/test_translations.py.
MESSAGES_IGNORE := .git .venv venv node_modules static/vendor staticfiles media tests bench test-artifacts
messages:
	$(MANAGE) makemessages -l fi -l sv --no-obsolete --add-location=file $(addprefix --ignore=,$(MESSAGES_IGNORE))
	@$(compile_messages)
