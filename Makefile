# OneGrid's front door. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
VENV ?= .venv
ENV := deploy/with-env.sh
ONEGRID := $(ENV) $(VENV)/bin/onegrid
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test faults soak fuzz setup services stop clean status logs lint bench cluster cluster-test cluster-stop

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

RUN_PROGRAMS ?= web stream ingest feeds checkpoints

test: ## the same set-up (services only), then the whole test suite
	@deploy/bootstrap.sh test
	@deploy/local.sh up
	@$(ONEGRID) health --wait 60 >/dev/null
	@$(ENV) --admin $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

faults: ## the whole fault suite (tests/faults/; `make test` runs its short cases)
	@deploy/bootstrap.sh test
	@deploy/local.sh up
	@$(ONEGRID) health --wait 60 >/dev/null
	@$(ENV) --admin $(VENV)/bin/python -m pytest tests/faults -m faults $(PYTEST_ARGS)

SOAK_MINUTES ?= 20
SOAK_RATE ?= 1000

soak: ## opt-in: SOAK_MINUTES (20) at SOAK_RATE (1,000) events/s; web and ingest memory growth
	@deploy/local.sh up >/dev/null
	@$(ENV) --admin $(VENV)/bin/python -m bench.soak --minutes $(SOAK_MINUTES) --rate $(SOAK_RATE)

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

CLUSTER_DIR ?= $(CURDIR)/.cluster

cluster: ## HA on this machine: etcd, Patroni (3 PostgreSQL nodes), PgBouncer, the platform (port 8200)
	@deploy/bootstrap.sh test
	@ONEGRID_CLUSTER_DIR=$(CLUSTER_DIR) deploy/cluster.sh up

cluster-test: cluster ## the failover tests, against `make cluster`
	@ONEGRID_STATE_DIR=$(CLUSTER_DIR) $(ENV) --admin $(VENV)/bin/python -m pytest tests/cluster -s -p no:cacheprovider

cluster-stop: ## stop the cluster (`deploy/cluster.sh clean` deletes its state)
	@ONEGRID_CLUSTER_DIR=$(CLUSTER_DIR) deploy/cluster.sh stop
