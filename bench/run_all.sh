#!/usr/bin/env bash
# Runs every bench program built in BUILD_DIR/bench (see docs/benchmarks.md).
set -euo pipefail
build=${1:-build}
for b in "$build"/bench/*_bench; do
  echo "== $(basename "$b")"
  "$b"
done
