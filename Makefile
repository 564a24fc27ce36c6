# norte — one command per job. `make build` and `make test` are the README's two commands.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock sysdeps build test check lint format bench bench-census bench-indicators bench-site screenshots geo clean

# Dependencies come from the lock files (exact versions with sha256 hashes, what CI tests);
# norte itself is installed editable on top, without resolving anything again.
MAIN_STAMP := $(VENV)/.installed-main

$(STAMP): pyproject.toml requirements/dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP) $(MAIN_STAMP)

## The runtime dependencies only (what `make build` needs)
$(MAIN_STAMP): pyproject.toml requirements/main.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/main.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(MAIN_STAMP)

install: $(STAMP)

## Re-resolve the lock files after a change to pyproject.toml (keeps current pins where they
## still fit; `make lock UPGRADE=--upgrade` moves everything to the newest allowed versions).
## Needs uv (pip install uv); commit requirements/*.lock with the change.
UV ?= uv
UPGRADE ?=
lock:
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --annotation-style line $(UPGRADE) -o requirements/dev.lock
	$(UV) pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --annotation-style line -c requirements/dev.lock \
	  -o requirements/main.lock

## System packages for the Spark, browser and PDF tests (Debian; installed only when missing)
sysdeps:
	@bash scripts/system-deps.sh

## The main job: ingest what norte.toml names, then write the static site to ./site
build: $(MAIN_STAMP)
	$(BIN)/norte build

## The whole test suite (what CI runs)
test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff format --check norte tests benchmarks
	$(BIN)/ruff check norte tests benchmarks
	$(BIN)/mypy norte

## ruff format --check, ruff, mypy on the package, pytest
check: lint test

format: $(STAMP)
	$(BIN)/ruff format norte tests benchmarks
	$(BIN)/ruff check --fix norte tests benchmarks

## Benchmarks (not part of the test suite); results go to docs/benchmarks.md
bench-census: $(STAMP)
	$(BIN)/python benchmarks/bench_census.py

## BTS TransBorder: norte ingest of all 45 monthly zips vs DuckDB read_csv floor vs pandas
.PHONY: bench-transborder
bench-transborder: $(STAMP)
	$(BIN)/python benchmarks/bench_transborder.py

## The whole indicator catalog: norte (Ibis on DuckDB) vs a pandas implementation
bench-indicators: $(STAMP)
	$(BIN)/python benchmarks/bench_indicators.py

## Trinational sources (INEGI, SE, StatCan, FRED): norte ingest vs a parse-only floor
.PHONY: bench-sources
bench-sources: $(STAMP)
	$(BIN)/python benchmarks/bench_sources.py

## Release day: one new TransBorder month + the rebuild vs a full build (docs/benchmarks.md)
.PHONY: bench-release-day
bench-release-day: $(STAMP)
	$(BIN)/python benchmarks/bench_release_day.py

## Chart text with vl-convert's built-in fonts vs the system's (docs/benchmarks.md)
.PHONY: bench-fonts
bench-fonts: $(STAMP)
	$(BIN)/python benchmarks/bench_fonts.py

## The report site over all shared data: wall time and peak RSS (docs/benchmarks.md)
bench-site: $(STAMP)
	$(BIN)/python benchmarks/bench_site.py

## norte serve under load: 50 clients for 60 s, norte ingest in the second half (docs/benchmarks.md;
## BENCH_DB=path reuses a full store instead of building one)
.PHONY: bench-serve
bench-serve: $(STAMP)
	$(BIN)/python benchmarks/bench_serve.py

## Screenshots of the board (home), a goal page, the Mexico page and the PDF's cover and goals
## pages -> docs/screenshots/, from the site built on all shared data (norte.toml) in a temporary
## folder (needs Debian's chromium and poppler-utils: scripts/system-deps.sh)
SHOTS := $(shell mktemp -d -u /tmp/norte-shots.XXXXXX)
screenshots: $(STAMP)
	mkdir -p $(SHOTS)
	$(BIN)/norte --db $(SHOTS)/norte.duckdb build --out $(SHOTS)/site
	$(BIN)/norte --db $(SHOTS)/norte.duckdb report --lang en --out $(SHOTS)/report.pdf
	$(BIN)/python scripts/screenshots.py $(SHOTS)/site docs/screenshots $(SHOTS)/report.pdf
	rm -rf $(SHOTS)

## Re-vendor map geometry from the npm registry (us-atlas, world-atlas) into norte/publish/static/geo
geo: $(STAMP)
	$(BIN)/python -m norte.publish.geo vendor

clean:
	rm -rf site norte.duckdb norte.duckdb.wal .pytest_cache .mypy_cache .ruff_cache
