# OneGrid's front door. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
VENV ?= .venv
ENV := deploy/with-env.sh
ONEGRID := $(ENV) $(VENV)/bin/onegrid
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test fuzz setup services stop clean status logs lint bench

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup: ## system packages, virtualenv, local PostGIS + broker, migrations, the demo city
	@deploy/bootstrap.sh
	@deploy/local.sh up
	@$(ONEGRID) health --wait 60 >/dev/null
	@$(ONEGRID) db upgrade
	@$(ONEGRID) demo

run: setup ## serve the platform at http://127.0.0.1:8000 (supervised, in the background)
	@deploy/local.sh start $(RUN_PROGRAMS) >/dev/null
	@$(ONEGRID) health --wait 60 --url http://127.0.0.1:$${ONEGRID_PORT:-8000}/healthz >/dev/null
	@echo "OneGrid is serving at http://127.0.0.1:$${ONEGRID_PORT:-8000}  (make logs to follow, make stop to stop)"

RUN_PROGRAMS ?= web ingest feeds checkpoints

test: ## the same set-up (services only), then the whole test suite
	@deploy/bootstrap.sh test
	@deploy/local.sh up
	@$(ONEGRID) health --wait 60 >/dev/null
	@$(ENV) --admin $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

fuzz: ## schemathesis over every operation of the OpenAPI document, 200 examples each
	@deploy/bootstrap.sh test
	@deploy/local.sh up
	@$(ONEGRID) health --wait 60 >/dev/null
	@$(ENV) --admin $(VENV)/bin/python -m pytest tests/api/test_openapi.py --fuzz-examples 200 $(PYTEST_ARGS)

lint: ## ruff, then mypy (--strict on src/; see [tool.mypy] in pyproject.toml)
	@deploy/bootstrap.sh test
	@$(VENV)/bin/ruff check src tests bench
	@$(VENV)/bin/mypy

bench: ## benchmarks (pauses the local ingest worker and feeds, which would compete for the CPU)
	@deploy/local.sh up >/dev/null
	@$(VENV)/bin/supervisorctl -c .state/supervisord.conf stop ingest feeds >/dev/null || true
	@$(ENV) --admin $(VENV)/bin/python -m bench.ingest

status: ## what the supervisor runs
	@deploy/local.sh status

logs: ## follow the logs
	@tail -F .state/logs/*.log

stop: ## stop every local service
	@deploy/local.sh stop

clean: ## stop and wipe the local state (database, broker, logs, secrets)
	@deploy/local.sh clean
