# Two entry points for a fresh machine (see README.md):
#   make serve  — install, migrate, load demo data and serve on http://127.0.0.1:5000 (SQLite under instance/);
#                 `make serve HOST=0.0.0.0 PORT=8080` listens elsewhere
#   make test   — install the test dependencies and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Plain assignments: `make serve PORT=8080` overrides them, a HOST or PORT left in the environment does not.
HOST = 127.0.0.1
PORT = 5000
CHROMIUM ?= /usr/bin/chromium
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: serve test install lint bench load load-idle browser

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

serve: install
	$(BIN)/haochaping db upgrade
	$(BIN)/haochaping seed-demo
	$(BIN)/haochaping serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's chromium: installed here the way .ci/run does when it is missing, and
# HCP_REQUIRE_BROWSER=1 makes a missing browser a failure rather than a skip.
browser:
	@[ -x $(CHROMIUM) ] || { echo "installing Debian's chromium for the browser tests"; \
	  $(AS_ROOT) apt-get update -qq && \
	  $(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk; } || \
	  { echo "chromium is missing; install it with: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; }

test: install browser
	$(BIN)/ruff check app tests migrations
	$(BIN)/mypy
	HCP_REQUIRE_BROWSER=1 HCP_CHROMIUM=$(CHROMIUM) $(BIN)/pytest --durations=15

lint: install
	$(BIN)/ruff check app tests

bench: install
	$(BIN)/python tests/benchmarks/bench_deadline.py
	$(BIN)/python tests/benchmarks/bench_pages.py
	$(BIN)/python tests/benchmarks/bench_write_path.py

# Single-post intake on 2 and 4 worker processes against PostgreSQL (HCP_BENCH_DATABASE_URL: a throwaway database on
# that server; or HCP_DATABASE_URL), with the check that nothing was lost or stored twice; then the idle connections.
load: install load-idle
	$(BIN)/python tests/load/intake_workers.py

# The production server holds 1,000 idle and 300 trickling connections while answering its health check (SQLite).
load-idle: install
	$(BIN)/python tests/load/idle_connections.py
