#!/usr/bin/env bash
# Configures and builds one flavour of Brook into its own folder.
#   tools/build.sh            build/        g++, optimised, assertions on
#   tools/build.sh sanitize   build-asan/   clang, ASan + UBSan, libFuzzer targets
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
jobs=${BROOK_BUILD_JOBS:-$(nproc)}
# Compilers are given as full paths, as CMake caches them: a bare name that differs from the
# cached path makes CMake throw the whole cache away and rebuild everything.
case "$flavour" in
  release)
    dir=build
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER="$(command -v g++)" -DCMAKE_C_COMPILER="$(command -v gcc)" >/dev/null
    ;;
  sanitize)
    dir=build-asan
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER="$(command -v clang++)" -DCMAKE_C_COMPILER="$(command -v clang)" \
      -DBROOK_SANITIZE=ON -DBROOK_FUZZ=ON >/dev/null
    ;;
  *)
    echo "usage: tools/build.sh [release|sanitize]" >&2
    exit 2
    ;;
esac
ninja -C "$dir" -j "$jobs" | grep -v '^\[' || true
ninja -C "$dir" -j "$jobs" >/dev/null  # fails loudly if the first pass failed
