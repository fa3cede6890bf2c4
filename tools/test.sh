#!/usr/bin/env bash
# Every test Brook has: installs what is missing, builds both flavours, then runs
#   1. the integration tests (the real binary with real clients, one at a time), in the
#      background while the sanitizer build compiles: they mostly wait on sockets and clocks,
#      so they cost the build little and hide about two minutes of wall time;
#   2. the sanitizer build's suite (ASan + UBSan: fibers, the code that reads untrusted bytes,
#      short libFuzzer runs, simulation seeds and planted bugs; tests/README.md says what it
#      runs and why), and
#   3. the rest of the main build's suite (simulation seeds with the determinism check, and the
#      unit tests the sanitizers add nothing to: the generated round trips, the checkers'
#      tests, the source scan).
# Each phase prints its wall time; the output ends with ctest's summary lines of the main build.
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
# ASan's quarantine of freed memory is 32 MB instead of 256: a use after free is still caught
# while the last 32 MB of frees are held back, and a simulation seed no longer faults in a fresh
# quarter gigabyte (page faults were about a quarter of a seed's time under ASan).
sanitizer_suite() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=32 \
    UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure -LE 'integration|determinism'
}

total_start=$SECONDS
phase "setup" tools/setup.sh
# Each unit test compiles and runs once: under the sanitizers, or (the few they add nothing to)
# in the main build, which also builds the binary for the integration tests and seed budgets.
phase "build release" env BROOK_UNIT_TESTS=unsanitized tools/build.sh release

# The integration tests need only build/'s binary. Their output is kept and shown when they end;
# if a later phase fails, the script still waits for them (their harness bounds their time), so
# that no broker they started outlives the run.
integration_suite() {
  local start=$SECONDS status=0
  ctest --test-dir build -L integration --output-on-failure >build/integration-suite.log 2>&1 ||
    status=$?
  echo "$((SECONDS - start))" >build/integration-suite.seconds
  return "$status"
}
integration_suite &
integration_pid=$!
trap 'wait "$integration_pid" 2>/dev/null || true' EXIT
phase "build sanitize" tools/build.sh sanitize
phase "sanitizer suite" sanitizer_suite

# The main suite last; its output is kept so that its summary line can close the run, and its
# status is the script's (after the table of phases).
status=0
main_suite() {
  ctest --test-dir build -j "$jobs" --output-on-failure -LE integration 2>&1 |
    tee build/main-suite.log || status=$?
}
phase "main suite" main_suite
echo "== integration tests (ran beside the sanitizer build) =="
integration_status=0
wait "$integration_pid" || integration_status=$?
cat build/integration-suite.log
phases+=("$(printf '%-18s %5d s' "(integration" "$(cat build/integration-suite.seconds)") beside)")
if (( status == 0 )); then status=$integration_status; fi
phases+=("$(printf '%-18s %5d s' "total" $((SECONDS - total_start)))")
echo "== wall time per phase =="
printf '%s\n' "${phases[@]}"
grep -E '^[0-9]+% tests passed' build/integration-suite.log build/main-suite.log | tail -2 || true
exit "$status"
