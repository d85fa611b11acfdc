#!/usr/bin/env bash
# Runs every built libFuzzer target for N seconds, seeded from tests/data.
# Usage: tests/fuzz/run_all.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
declare -A seeds=(
  [jpeg_fuzz]="images/jpeg images/orientation images/corrupt/jpeg"
  [png_fuzz]="images/png images/corrupt/png images/corrupt/pngsuite"
  [exif_fuzz]="images/jpeg images/png"
  [heif_fuzz]="images/heic images/orientation images/corrupt/heic"
  [raw_fuzz]="images/raw images/corrupt/raw"
  [safetensors_fuzz]="models"
  [vector_file_fuzz]="fuzz/vector_file"
)
status=0
for bin in "$build"/tests/fuzz/*_fuzz; do
  name=$(basename "$bin")
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  dirs=()
  for d in ${seeds[$name]:-}; do [ -d "$root/tests/data/$d" ] && dirs+=("$root/tests/data/$d"); done
  echo "== $name for ${secs}s (seeds: ${dirs[*]:-none})"
  "$bin" -max_total_time="$secs" -max_len=4000000 -rss_limit_mb=4096 -print_final_stats=1 \
    "$corpus" "${dirs[@]}" 2>&1 | tail -n 12 || status=1
done
exit $status
