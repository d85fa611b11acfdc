#!/usr/bin/env bash
# Cold `photoidx search` on an index of ROWS photos (issue 4 item 10): writes
# a CLIP ViT-B/32 folder with random weights (clip_bench --write-model), then
# search_bench builds a synthetic index under that model's fingerprint, its
# vector file, and times the command in fresh processes.
# Usage: bench/cold_search.sh [BUILD_DIR=build] [ROWS=100000]
set -euo pipefail
build=${1:-build}
rows=${2:-100000}
model=${TMPDIR:-/tmp}/photoidx-cold-search-vitb32
[ -f "$model/model.safetensors" ] || "$build/bench/clip_bench" --write-model "$model"
"$build/bench/search_bench" "$rows" "$build/app/libphotoidx_models.so" "$model" "$build/app/photoidx"
