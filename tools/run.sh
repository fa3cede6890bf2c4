#!/usr/bin/env bash
# The main job: a single-node Kafka-compatible broker on localhost:9092 with its data under
# ./data, in the foreground (Ctrl-C or SIGTERM stops it cleanly). Extra arguments go to
# `brook serve`, e.g. `--override log.retention.hours=24` or `--config server.properties`.
# Try it from another terminal:
#   echo hello | kcat -P -b localhost:9092 -t demo && kcat -C -b localhost:9092 -t demo -e
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the broker needs: the build packages and the `brook` target (not the tests, the
# fuzzers or the sanitizer build, which tools/test.sh adds), with ninja's progress on screen.
tools/setup.sh build
tools/build.sh release brook
exec build/brook serve --override listeners=PLAINTEXT://127.0.0.1:9092 \
    --override log.dirs=./data "$@"
