# Gongkai: `make run` runs the system as local processes, `make test` runs every test.
# Both set up everything they need on a fresh machine (a Python 3.11+ and the system services).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/
export DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/gongkai

PACKAGES := -e shared -e services/publishing -e services/review -e services/notification -e services/audit -e services/requests \
	-e services/participation -e services/oversight -e sites/portal -e sites/console -e cli

FAULT_ITEMS ?= 300
SOAK_ITEMS ?= 10000

.PHONY: install services broker browser migrate run test unit faults soak bench bench-flow bench-publishing \
	bench-review bench-notification bench-audit bench-cli bench-portal bench-console lint typecheck definitions \
	screenshots

$(BIN)/gongkai: constraints.txt requirements-dev.txt $(wildcard */pyproject.toml services/*/pyproject.toml sites/*/pyproject.toml)
	$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python -c constraints.txt --build-constraint constraints.txt \
		$(PACKAGES) -r requirements-dev.txt
	touch $@

install: $(BIN)/gongkai

services:
	bash scripts/ensure-services.sh

# Debian's chromium, the Noto CJK fonts and pdftotext, for the page tests and the letters (apt-get as root).
browser:
	bash scripts/ensure-browser.sh

# Every party's broker account (development passwords unless GONGKAI_BROKER_ACCOUNTS_FILE), its permissions
# and the topology; rabbitmqctl on this machine, or GONGKAI_BROKER_MANAGEMENT_URL. Idempotent.
broker: install services
	$(BIN)/gongkai broker setup

migrate: install services
	$(BIN)/gongkai migrate

run: migrate broker
	$(BIN)/gongkai run all

# The tests make their own accounts and roles per session; `broker` checks the set-up path on this broker too.
# `lint` first: mypy and ruff on the code, before any test.
test: install lint services broker browser
	$(BIN)/pytest -q

# The unit tier: every test that needs no broker, database or browser (markers set by gongkai.shared.testing).
unit: install
	$(BIN)/pytest -q -m unit

# The fault suite with bigger bursts than `make test` gives it (docs/faults.md): FAULT_ITEMS items a test (300),
# PostgreSQL away for 30 s; the figures of every test are printed at the end.
faults: install services
	GONGKAI_FAULT_ITEMS=$(FAULT_ITEMS) GONGKAI_OUTAGE_ITEMS=$(FAULT_ITEMS) GONGKAI_OUTAGE_SECONDS=30 \
		$(BIN)/pytest -q -rxX tests/faults

# The soak (docs/faults.md): SOAK_ITEMS items (10,000) through the system while its processes are SIGKILLed and
# started again and PostgreSQL restarts once (as root), then the reconciliation's counts. Not part of `make test`.
soak: install services
	SOAK_ITEMS=$(SOAK_ITEMS) $(BIN)/python bench/soak.py

# Every benchmark prints its own figures; docs/performance.md records them.
bench: bench-flow bench-publishing bench-review bench-notification bench-audit bench-cli bench-portal bench-console

bench-flow: install services
	$(BIN)/python bench/flow.py --items 2000
	$(BIN)/python bench/flow.py --items 2000 --replicas 2 --sequential 20 --seconds 10

bench-publishing: install services
	$(BIN)/python bench/publishing_catalogue.py

bench-review: install
	$(BIN)/python bench/review_corpus.py

bench-notification: install services
	$(BIN)/python bench/notification_monitor.py

bench-audit: install services
	$(BIN)/python bench/audit_log.py

bench-cli: install
	$(BIN)/python bench/cli_startup.py

bench-portal: install services
	$(BIN)/python bench/portal.py

bench-console: install
	$(BIN)/python bench/console.py

# mypy on every package's source, strict (pyproject.toml's [tool.mypy] says what is relaxed and why).
typecheck: install
	$(BIN)/mypy

lint: install typecheck
	$(BIN)/ruff check .

# The portal's pages as its browser tests see them, saved to docs/screenshots/portal-*.png.
screenshots: install services browser
	GONGKAI_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q sites/portal/tests/test_portal_pages.py

definitions: install
	$(BIN)/gongkai topology export > deploy/rabbitmq/definitions.json
