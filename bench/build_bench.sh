#!/usr/bin/env bash
# Whole `photoidx build` at the real model shapes (issue 5 item 9, item 6):
# CLIP ViT-B/32 and BLIP-base folders with random weights (written by the
# model benches), N photos from a corpus folder, one build from scratch, then
# a no-op rebuild. The stage lines on stderr give, per stage, wall time,
# items/s, peak RSS, and for the model stages load / model / decode-wait time
# and the decode CPU time (docs/benchmarks.md).
# Usage: bench/build_bench.sh [BUILD_DIR=build] [PHOTOS=../shared/fixtures/images] [N=100]
#                             [extra build flags, e.g. --device cuda --batch-size 32]
set -euo pipefail
build=${1:-build}
photos=${2:-../shared/fixtures/images}
n=${3:-100}
shift $(( $# < 3 ? $# : 3 ))
work=${TMPDIR:-/tmp}/photoidx-build-bench
clip=$work/clip-vit-b32
blip=$work/blip-base
mkdir -p "$work"
[ -f "$clip/model.safetensors" ] || "$build/bench/clip_bench" --write-model "$clip" >/dev/null
[ -f "$blip/model.safetensors" ] || "$build/bench/blip_bench" --write-model "$blip" >/dev/null
rm -rf "$work/photos" "$work/index.db"*
mkdir -p "$work/photos"
# The first N files of the corpus in name order, every format it has; its
# corrupt/ folder is left out (those fail at ingest and never reach a model).
find "$photos" -type f ! -path '*/corrupt/*' ! -name '*.md' ! -name '*.py' ! -name 'SHA256SUMS' |
  LC_ALL=C sort |
  head -n "$n" | while read -r f; do
    cp "$f" "$work/photos/$(echo "${f#"$photos"/}" | tr '/' '_')"
  done
echo "photos: $(ls "$work/photos" | wc -l) files, $(du -sh "$work/photos" | cut -f1)"
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e s wall, %M KiB peak rss (whole process)")
run() {
  "${timer[@]}" "$build/app/photoidx" build "$work/photos" --index "$work/index.db" \
    --clip-model "$clip" --blip-model "$blip" "$@" 2>&1 >/dev/null | grep -v "^photoidx: .*: \(decode\|metadata\)"
}
echo "== first build"
run "$@"
echo "== no-op rebuild"
run "$@"
