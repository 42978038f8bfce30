# Two commands: `make run` (dashboard on embedded defaults) and `make test` (the whole suite).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PORT ?= 8000
# Use a working uv from PATH, else bootstrap one into .tools/ (pyenv shims can hide a uv that is absent).
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else echo .tools/bin/uv; fi)
PY := $(UV) run --frozen python

.PHONY: run test lint deploy-check sync setup serve worker beat clean field-coverage sdk-deps bench

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

sync: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --locked

setup: sync
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_users

run: setup
	$(PY) manage.py rundemo --port $(PORT)

# The whole suite, in TEST_WORKERS pytest-xdist processes (auto: one per CPU; 0: in this process); loadgroup
# keeps tests/integration on one of them (one Celery worker per run, see tests/integration/conftest.py).
TEST_WORKERS ?= auto
test: sync sdk-deps
	$(UV) run --frozen pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Juspay's official Node SDK for tests/sdk (its contract test), installed from the lock with `npm ci` only when
# node_modules is missing or older than package.json or package-lock.json (`npm ci` writes
# node_modules/.package-lock.json when it finishes). Without npm it says why and goes on: that test then fails
# under CI=true and skips elsewhere.
SDK_DIR := tests/sdk
SDK_STAMP := $(SDK_DIR)/node_modules/.package-lock.json
sdk-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: Juspay's Node SDK ($(SDK_DIR)) not installed; its test fails under CI, skips elsewhere"; \
	elif [ ! -f $(SDK_STAMP) ] || [ $(SDK_DIR)/package-lock.json -nt $(SDK_STAMP) ] \
	    || [ $(SDK_DIR)/package.json -nt $(SDK_STAMP) ]; then \
	  echo "npm ci --prefix $(SDK_DIR) (Juspay's Node SDK for tests/sdk)"; \
	  npm ci --prefix $(SDK_DIR) --no-audit --no-fund --loglevel=error >/dev/null; \
	fi

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports
	$(UV) run --frozen mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# `check --deploy` in production mode (debug off) must report nothing; the secrets are fresh random values
# (production mode refuses weak ones: dashboard/checks.py).
deploy-check: sync
	DJANGO_DEBUG=0 SECRET_KEY="$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
	  AUDIT_HMAC_KEY="$$(head -c 36 /dev/urandom | base64 | tr -d '/+=')" ALLOWED_HOSTS=ops.example.com \
	  DATABASE_URL=sqlite:////tmp/juspay-ops-deploy-check.sqlite3 \
	  $(PY) manage.py check --deploy --fail-level WARNING

# How many of the response fields Juspay's five documentation pages list a person sees in the product.
field-coverage: sync
	$(PY) -m tests.juspay.field_coverage --list-missing --output test-artifacts/field-coverage.txt

# Production processes (README, "Running on PostgreSQL and Redis, and scaling out"): any number of `serve` and
# `worker` processes on any hosts, exactly one `beat`. Configure them with the environment (DATABASE_URL,
# CELERY_BROKER_URL, DJANGO_DEBUG=0, SECRET_KEY, ...); static files are served by whitenoise.
WEB_WORKERS ?= 4
BIND ?= 0.0.0.0:$(PORT)
serve: sync
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(UV) run --frozen gunicorn dashboard.wsgi --workers $(WEB_WORKERS) --bind $(BIND) \
	  --access-logfile - --timeout 30 --graceful-timeout 20 --max-requests 5000 --max-requests-jitter 500

WORKER_CONCURRENCY ?= 4
worker: sync
	$(UV) run --frozen celery -A dashboard worker --concurrency=$(WORKER_CONCURRENCY) --loglevel=INFO

beat: sync
	$(UV) run --frozen celery -A dashboard beat --loglevel=INFO

# The benchmark (README, "Benchmark"): PostgreSQL in DATABASE_URL; BENCH_ORDERS=20000 for a quick run, other
# options through BENCH_ARGS (e.g. BENCH_ARGS="--sections pages --requests 100").
BENCH_ORDERS ?= 1000000
bench: sync
	$(PY) manage.py migrate --noinput
	$(PY) manage.py benchmark --orders $(BENCH_ORDERS) $(BENCH_ARGS)

clean:
	rm -rf data/ .pytest_cache .ruff_cache
