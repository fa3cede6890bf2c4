#!/usr/bin/env bash
# Every test Brook has: installs what is missing, builds both flavours, then runs
#   1. the sanitizer build's suite (ASan + UBSan: fibers, the code that reads untrusted bytes,
#      short libFuzzer runs, simulation seeds and planted bugs; tests/README.md says what it
#      runs and why), and
#   2. the main build's suite (simulation seeds with the determinism check, integration tests
#      against the real binary with real clients, and the unit tests the sanitizers add nothing
#      to: the generated round trips, the checkers' tests, the source scan).
# Each phase prints its wall time; the output ends with ctest's summary line of the main build.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=()
# Runs one phase ("name" command...) and records its wall time.
phase() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name =="
  "$@"
  phases+=("$(printf '%-18s %5d s' "$name" $((SECONDS - start)))")
  echo "== $name: $((SECONDS - start)) s"
}

jobs=${BROOK_TEST_JOBS:-$(nproc)}
sanitizer_suite() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure -LE 'integration|determinism'
}

total_start=$SECONDS
phase "setup" tools/setup.sh
# Each unit test compiles and runs once: under the sanitizers, or (the few they add nothing to)
# in the main build, which also builds the binary for the integration tests and seed budgets.
phase "build release" env BROOK_UNIT_TESTS=unsanitized tools/build.sh release
phase "build sanitize" tools/build.sh sanitize
phase "sanitizer suite" sanitizer_suite

# The main suite last; its output is kept so that its summary line can close the run, and its
# status is the script's (after the table of phases).
status=0
main_suite() {
  ctest --test-dir build -j "$jobs" --output-on-failure 2>&1 | tee build/main-suite.log ||
    status=$?
}
phase "main suite" main_suite
phases+=("$(printf '%-18s %5d s' "total" $((SECONDS - total_start)))")
echo "== wall time per phase =="
printf '%s\n' "${phases[@]}"
grep -E '^[0-9]+% tests passed' build/main-suite.log | tail -1 || true
exit "$status"
