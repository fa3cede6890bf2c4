#!/usr/bin/env bash
# Every test Brook has: installs what is missing, builds both flavours, then runs
#   1. the sanitizer build's suite (ASan + UBSan, short libFuzzer runs), and
#   2. the main build's suite (unit, property, contract, simulation seeds with the determinism
#      check, integration tests against the real binary with real clients).
# The output ends with ctest's summary line of the main build.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
tools/build.sh release
tools/build.sh sanitize

jobs=${BROOK_TEST_JOBS:-$(nproc)}
echo "== sanitizer build (ASan + UBSan) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j "$jobs" --output-on-failure -LE integration
echo "== main build =="
ctest --test-dir build -j "$jobs" --output-on-failure
