#!/usr/bin/env bash
# The main job: a single-node Kafka-compatible broker on localhost:9092 with its data under
# ./data, in the foreground (Ctrl-C or SIGTERM stops it cleanly). Extra arguments go to
# `brook serve`, e.g. `--override log.retention.hours=24` or `--config server.properties`.
# Try it from another terminal:
#   echo hello | kcat -P -b localhost:9092 -t demo && kcat -C -b localhost:9092 -t demo -e
#
# `tools/run.sh --cluster 3` runs a three-node KRaft cluster instead (tools/cluster/: each node
# a broker and a voter, clients on 127.0.0.1:9091-9093, controllers on 19091-19093, data under
# ./data/cluster/node1..3), formatting the data directories on first use; Ctrl-C stops all three
# (status 0). A node that ends by itself (a crash, a refused start) stops the other two, and the
# script exits with that node's status.
set -euo pipefail
cd "$(dirname "$0")/.."

run_cluster() {
  local size=$1
  shift
  if [[ $size != 3 ]]; then
    echo "run.sh: --cluster takes 3 (tools/cluster/ holds the configurations of three nodes)" >&2
    exit 2
  fi
  # The cluster id of a node formatted before, so that a half-formatted cluster stays one.
  local id="" n meta
  for n in 1 2 3; do
    meta=data/cluster/node$n/meta.properties
    [[ -f $meta ]] && id=$(sed -n 's/^cluster\.id=//p' "$meta")
  done
  [[ -n $id ]] || id=$(build/brook random-uuid)
  for n in 1 2 3; do
    mkdir -p data/cluster/node$n
    [[ -f data/cluster/node$n/meta.properties ]] ||
      build/brook format --config tools/cluster/node$n.properties --cluster-id "$id"
  done
  # Global, not local: the EXIT trap runs after this function has returned.
  pids=()
  stop_all() {
    trap - INT TERM EXIT
    echo "run.sh: stopping the cluster" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  }
  trap 'stop_all; exit 0' INT TERM
  trap stop_all EXIT
  for n in 1 2 3; do
    build/brook serve --config tools/cluster/node$n.properties "$@" \
      > >(sed -u "s/^/[node$n] /") 2>&1 &
    pids+=($!)
  done
  cat >&2 <<TEXT
run.sh: cluster $id is starting: three nodes, each a broker and a quorum voter
  bootstrap servers:  127.0.0.1:9091,127.0.0.1:9092,127.0.0.1:9093
  the quorum:         build/brook cluster quorum --bootstrap-controller 127.0.0.1:19091
  topics:             build/brook topics --describe --bootstrap-server 127.0.0.1:9091
  stop:               Ctrl-C (or SIGTERM to this script) stops all three
TEXT
  # One node ending (a crash, a refused start) ends the run with its status; the EXIT trap
  # stops the others.
  local status=0
  wait -n "${pids[@]}" || status=$?
  return "$status"
}

# Only what the broker needs: the build packages and the `brook` target (not the tests, the
# fuzzers or the sanitizer build, which tools/test.sh adds), with ninja's progress on screen.
tools/setup.sh build
tools/build.sh release brook
if [[ ${1:-} == --cluster ]]; then
  if [[ $# -lt 2 ]]; then
    echo "usage: tools/run.sh --cluster 3 [brook serve options...]" >&2
    exit 2
  fi
  size=$2
  shift 2
  run_cluster "$size" "$@"
  exit 0
fi
exec build/brook serve --override listeners=PLAINTEXT://127.0.0.1:9092 \
    --override log.dirs=./data "$@"
