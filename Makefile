# Two commands for a newcomer: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run staff serve test test-cluster test-faults lint check-migrations system-libs chromium bench bench-seed bench-profile clean

help:
	@echo "make run    the site on http://127.0.0.1:8000/ with its worker; emails in var/mail/"
	@echo "make test   the whole test suite, lint (ruff, import-linter, mypy) and migration check"
	@echo "make staff  the first staff account (questions in French)"

# The virtual environment, rebuilt when a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then \
	  python="$$(bin/find-python)"; \
	  echo "Creating $(VENV) with $$python"; \
	  "$$python" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

var/secret_key:
	@mkdir -p var
	@$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

run: $(STAMP) system-libs var/secret_key
	DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py devrun

# A staff account with every right, with the settings `make run` uses (the
# database migrated first, so it works before the first `make run` too).
staff: $(STAMP) var/secret_key
	@DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py migrate --verbosity 0
	@DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py createsuperuser

# Production settings on this machine: gunicorn (deploy/gunicorn.conf.py) and
# the worker. Plain HTTP on 127.0.0.1: put nginx or Caddy in front (docs/deploy.md).
SERVE_ENV := DEBUG=0 SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" SITE_URL="$${SITE_URL:-http://127.0.0.1:8000}"

serve: $(STAMP) system-libs var/secret_key
	$(SERVE_ENV) $(PY) manage.py serve

# Pango, which WeasyPrint draws PDFs with (campaign/pdf.py), installed once when missing.
system-libs:
	@if ! /sbin/ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
	  echo "Installing Debian's Pango for the PDFs"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# Debian's Chromium for the end-to-end tests, installed once when missing.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the end-to-end tests"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; \
	fi

test: $(STAMP) system-libs chromium
	$(PY) -m pytest
	$(MAKE) --no-print-directory lint check-migrations

# Load benchmarks on demand (not part of the tests): see bench/README.md.
# They use their own database, campaign_bench, on the embedded server.
BENCH_ENV := EMBEDDED_DATABASE_NAME=campaign_bench SECRET_KEY="$$(cat var/secret_key)"

bench: $(STAMP) var/secret_key
	@command -v wrk >/dev/null 2>&1 || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get install -y -qq wrk >/dev/null; }
	$(BENCH_ENV) $(PY) bench/run.py $(BENCH_ARGS)

# 1,000,000 confirmed signatures, 200 organisations, 500 posts (bench/seed.py).
bench-seed: $(STAMP) var/secret_key
	$(BENCH_ENV) $(PY) bench/seed.py $(SEED_ARGS)

# Where the write paths spend their time (pyinstrument), in one process.
bench-profile: $(STAMP) var/secret_key
	$(BENCH_ENV) $(PY) bench/profile.py $(PROFILE_ARGS)

# Real processes on loopback against the PostgreSQL server (127.0.0.1:5432) and
# Redis (127.0.0.1:6379) of the machine; run by .ci/run.
test-cluster: $(STAMP)
	$(PY) -m pytest -m cluster tests/cluster -q -p no:cacheprovider

test-faults: $(STAMP)
	$(PY) -m pytest -m faults tests/faults -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy

check-migrations: $(STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/static
