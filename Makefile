# `make run` serves the console with demo data on SQLite, with a background worker; `make test` runs the whole
# suite.
PYTHON_FOR_VENV ?= $(shell command -v python3.12 >/dev/null 2>&1 && echo python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test test-fast lint format migrate seed clean bench gettext messages compilemessages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON_FOR_VENV) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed (Django 6).")'
	$(PYTHON_FOR_VENV) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

# The web server and a background worker together; Ctrl-C stops both. PORT reaches the settings too, so the
# links in emails point at this server (unless SITE_URL is set).
run: seed compilemessages
	@export PORT=$(PORT); \
	$(PY) manage.py run_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Translations: locale/<language>/LC_MESSAGES/django.po are committed, the compiled .mo files are not.
# `make messages` brings the catalogues up to date with the code (then translate what is new or fuzzy); the
# tests fail while a catalogue has an untranslated or fuzzy entry or `make messages` would change it.
# gettext's tools (msgfmt, xgettext) are installed where missing, as `make bench` installs wrk.
gettext:
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)

messages: install gettext
	$(PY) manage.py makemessages -l fr -l de -l it

compilemessages: install gettext
	$(PY) manage.py compilemessages --ignore='.*' -v0

test: install compilemessages
	$(PY) manage.py check
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# Benchmarks on a large data set (SQLite file by default; PostgreSQL with DATABASE_URL), in production mode:
# bench partners "large" with BENCH_CLIENTS clients and BENCH_INVOICES invoices, and "huge" with BENCH_HUGE
# times as many. The SQLite file is named after the sizes, so a run at other sizes seeds its own.
# The API throttle is lifted: the load test measures the server, not the limit. Caches stay in each process's
# memory unless CACHE_URL says otherwise (e.g. Redis, as in production), so figures compare across runs.
BENCH_CLIENTS ?= 2000
BENCH_INVOICES ?= 200000
BENCH_HUGE ?= 10
BENCH_ENV = DEBUG=False DEMO_MODE=False ALLOWED_HOSTS=testserver,127.0.0.1 SECURE_SSL_REDIRECT=False \
	API_THROTTLE_RATE=1000000/min CACHE_URL=$${CACHE_URL:-locmemcache://} \
	SECRET_KEY=$${SECRET_KEY:-bench-$$(date +%s)-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/bench-$(BENCH_CLIENTS)-$(BENCH_INVOICES)-$(BENCH_HUGE).sqlite3}

bench: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	export $(BENCH_ENV); \
	$(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py collectstatic --noinput -v0 && \
	$(PY) manage.py seed_bench --clients $(BENCH_CLIENTS) --invoices $(BENCH_INVOICES) --huge $(BENCH_HUGE) && \
	$(PY) manage.py bench

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/vulture

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) locale/*/LC_MESSAGES/*.mo db.sqlite3 bench*.sqlite3* bench-results.json staticfiles .pytest_cache .ruff_cache
