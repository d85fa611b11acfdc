#!/usr/bin/env bash
# Installs every Debian 12 package photoidx builds, tests and benches with.
# Runs apt-get as root, or through sudo. Safe to run again.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache clang
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev libcurl4-openssl-dev
  libraw-dev libheif-dev libheif-examples libssl-dev libsqlitecpp-dev libsqlite3-dev
  libfmt-dev libcli11-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libexiv2-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev util-linux
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "photoidx: installing ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# libtorch does float32 matmul through libblas.so.3: make sure that is
# OpenBLAS (OpenMP build), not the 40x slower reference BLAS (TOOLCHAIN.md).
alt=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$alt" ]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt" >/dev/null 2>&1 || true
fi
