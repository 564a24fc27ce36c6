#!/bin/bash
# (a2) side by side: `norte refresh --out SITE` with two checkouts on copies of the same store,
# in ABBA order (docs/benchmarks.md, "Release day").
# Usage: benchmarks/ab_refresh.sh STORE SITE CONFIG BEFORE_CHECKOUT AFTER_CHECKOUT [WORKDIR]
# STORE: a store with new loads not yet recomputed (the release-day prep store after
# `norte ingest` of the new month); SITE: the site published from it before. Neither is changed.
set -euo pipefail
store=$1 site=$2 cfg=$3 before=$4 after=$5 work=${6:-$(mktemp -d)}
py=${PYTHON:-python}
cache=${NORTE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/norte}
run() { # label checkout
  local db=$work/$1.duckdb
  cp "$store" "$db"; rm -f "$db.refresh.json"; rm -rf "$work/site-$1" "$work/cache-$1"
  cp -a "$site" "$work/site-$1"; if [ -d "$cache" ]; then cp -a "$cache" "$work/cache-$1"; fi
  local t0 t1; t0=$(date +%s.%N)
  NORTE_CACHE_DIR=$work/cache-$1 PYTHONPATH=$2 "$py" -m norte.cli --db "$db" --config "$cfg" \
    refresh --out "$work/site-$1" > "$work/$1.log" 2>&1
  t1=$(date +%s.%N)
  echo "$1: $(echo "$t1 - $t0" | bc) s (load $(cut -d' ' -f1-3 /proc/loadavg)); $(grep 'files:' "$work/$1.log")"
}
run before1 "$before"; run after1 "$after"; run after2 "$after"; run before2 "$before"
for s in before1 after1 after2 before2; do
  echo "$s findings sha256: $(PYTHONPATH=$after "$py" -m norte.cli --db "$work/$s.duckdb" findings --format json 2>/dev/null | sha256sum | cut -c1-16)"
done
