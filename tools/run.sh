#!/usr/bin/env bash
# The main job. Until the broker exists (issue 4) this is the simulator demo: the toy replicated
# counter on three simulated nodes, 100 seeds with crashes, partitions and lost unsynced writes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh release
exec build/brook sim run --scenario counter --seeds 1..100 --jobs "$(nproc)" "$@"
