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

.PHONY: serve test install lint bench load-idle

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

test: install
	$(BIN)/ruff check app tests migrations
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check app tests

bench: install
	$(BIN)/python tests/benchmarks/bench_deadline.py
	$(BIN)/python tests/benchmarks/bench_pages.py
	$(BIN)/python tests/benchmarks/bench_write_path.py

# The production server holds 1,000 idle and 300 trickling connections while answering its health check (SQLite).
load-idle: install
	$(BIN)/python tests/load/idle_connections.py
