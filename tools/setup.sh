#!/usr/bin/env bash
# Installs what Brook needs to build and test, when it is missing (Debian 12, as root).
# Safe to run again: it only calls apt-get when a package is absent.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  # libraries
  libboost-context-dev libfmt-dev catch2 librapidcheck-dev valgrind
  # real Kafka clients for the integration tests
  python3
  # the trace viewer's test loads its page in headless Chromium
  chromium
)

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
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
