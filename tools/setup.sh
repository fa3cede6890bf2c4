#!/usr/bin/env bash
# Installs what Brook needs to build and test, when it is missing (Debian 12, as root).
#   tools/setup.sh          everything tools/test.sh needs
#   tools/setup.sh build    only what building `brook` with g++ needs (tools/run.sh)
# Safe to run again: it only calls apt-get when a package is absent, and npm only when
# tests/integration/node/node_modules was not installed from its current package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
case "$what" in
  all | build) ;;
  *)
    echo "usage: tools/setup.sh [build]" >&2
    exit 2
    ;;
esac

packages=(
  # build (Catch2 and RapidCheck too: CMake configures the tests with everything else)
  cmake ninja-build g++ pkg-config
  libboost-context-dev libfmt-dev catch2 librapidcheck-dev
  # compression codecs for Brook's own client (record batches: gzip, snappy, lz4, zstd)
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
)
if [[ $what == all ]]; then packages+=(
  # the sanitizer and fuzzing build, and the valgrind check of fiber stacks
  clang libclang-rt-14-dev valgrind
  # real Kafka clients for the integration tests and benchmarks. The Python clients are
  # Debian's, so they import only in /usr/bin/python3 (not in a pyenv/venv python3).
  python3 kcat python3-kafka python3-confluent-kafka librdkafka-dev
  # kafka-python's optional codecs (snappy, lz4, zstd; gzip is built in)
  python3-snappy python3-lz4 python3-zstandard
  # the trace viewer's test loads its page in headless Chromium
  chromium
); fi
# KafkaJS runs on node. A node from another source (for example NodeSource's nodejs, which
# bundles npm) conflicts with Debian's npm package, so node and npm are asked for only when the
# commands are absent.
if [[ $what == all ]]; then
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages and not root; run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[[ $what == all ]] || exit 0
# KafkaJS and its pure-JS codecs, into the test folder only (never globally), exactly as locked.
# A stamp with the lock file's checksum says the last `npm ci` there completed.
node_dir=tests/integration/node
lock_sum=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
if [[ "$(cat "$node_dir/node_modules/.brook-lock-sha256" 2>/dev/null)" != "$lock_sum" ]]; then
  echo "setup: npm ci in $node_dir"
  npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_sum" >"$node_dir/node_modules/.brook-lock-sha256"
fi
