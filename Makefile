# Every target bootstraps what it needs on a fresh machine: a private uv, the
# locked virtualenv (.venv from uv.lock), and dbt's manifest.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DBT_FLAGS := --project-dir . --profiles-dir dbt_project

.PHONY: install manifest java browser demo lint format test bench bench-large docs dagster clean

# uv is one binary: pip puts it in a folder of its own, which takes half the
# time of a virtualenv for it.
$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(TOOLS) "uv==$(UV_VERSION)"

# Bytecode compiled once at install (about 10 s): where PYTHONDONTWRITEBYTECODE
# is set, as in CI here, Python never caches it, and every start of tousu or dbt
# compiled Dagster and dbt from source again (importing them: 6.0 s instead of 3.2 s).
$(VENV)/.installed: $(UV) uv.lock pyproject.toml
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --all-groups --compile-bytecode
	touch $@

install: $(VENV)/.installed manifest ## create .venv from the lock file and prepare dbt's manifest

manifest: $(VENV)/.installed ## dbt parse, only when the dbt project changed
	$(BIN)/python -m orchestration.manifest

demo: install ## generate the default sample into $TOUSU_DATA_DIR (./data), build, print the board
	$(BIN)/tousu demo

java: ## Java 17 (Debian's openjdk-17-jre-headless) for pyspark's local Spark session (issue 17)
	@java -version 2>&1 | grep -q 'version "17' || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

browser: ## headless Chromium and CJK fonts (Debian packages) for the report test
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

SQL_PATHS := models dbt_project/tests dbt_project/snapshots

lint: $(VENV)/.installed ## ruff (Python: pyproject.toml [tool.ruff]) and sqlfluff (dbt SQL: .sqlfluff)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint $(SQL_PATHS)

format: $(VENV)/.installed ## apply ruff's formatting and safe fixes, and sqlfluff's fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix $(SQL_PATHS)

test: install browser java ## pytest: unit, wiring, end-to-end builds (dbt build with tests), the report in Chromium
	$(BIN)/pytest --durations=15

BENCH_DIR ?= build/bench

bench: install java ## benchmark on 1M complaints: tousu vs the DuckDB floor and pandas, and on Spark local[1]/local[2] (docs/benchmarks.md)
	$(BIN)/python -m benchmarks.run --complaints 1000000 --work $(BENCH_DIR)

bench-large: install ## the same on 10M complaints (about 20 GB of dumps under $(BENCH_DIR)), DuckDB only
	$(BIN)/python -m benchmarks.run --complaints 10000000 --work $(BENCH_DIR) --spark-masters ''

docs: install ## the dbt docs site (lineage, descriptions, exposures) as one static file: build/docs/index.html
	mkdir -p "$${TOUSU_DATA_DIR:-data}"
	$(BIN)/dbt docs generate --static $(DBT_FLAGS) --target-path build/docs-target
	mkdir -p build/docs && cp build/docs-target/static_index.html build/docs/index.html
	@echo "build/docs/index.html (column types come from the warehouse in $${TOUSU_DATA_DIR:-data} once it is built)"

DATA_DIR := $(abspath $(or $(TOUSU_DATA_DIR),data))
# The data directory's own instance: `tousu build` records its runs there too.
DAGSTER_HOME ?= $(DATA_DIR)/dagster

dagster: install ## the Dagster UI on http://127.0.0.1:3000, with sensor, schedules and the one-writer queue
	mkdir -p "$(DAGSTER_HOME)"
	cp deploy/dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	# No -m: pyproject's [tool.dagster] names the module and the code location (tousu).
	# The venv's bin/ on PATH: dagster-dbt's prepare_if_dev() runs `dbt parse` by name.
	PATH="$(abspath $(BIN)):$$PATH" TOUSU_DATA_DIR="$(DATA_DIR)" DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/dagster dev

clean:
	rm -rf $(VENV) $(TOOLS) target build logs .pytest_cache
