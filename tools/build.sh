#!/usr/bin/env bash
# Configures and builds one flavour of Brook into its own folder.
#   tools/build.sh            build/        g++, optimised, assertions on
#   tools/build.sh sanitize   build-asan/   clang, ASan + UBSan, libFuzzer targets, planted bugs
#                                           (BROOK_PLANTED_BUGS: `brook sim run --plant`; this
#                                           build is for testing only, never a release binary)
# Further arguments name the targets to build (default: all), e.g. `tools/build.sh release brook`.
# BROOK_UNIT_TESTS=unsanitized makes build/'s brook_tests hold only the unit tests build-asan/
# leaves out (tools/test.sh; tests/CMakeLists.txt); by default build/ has them all.
# Ninja shows its progress: one updating line on a terminal, a line per step in a log.
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
targets=("${@:2}")
jobs=${BROOK_BUILD_JOBS:-$(nproc)}
# The compiler is chosen only when a build folder is first configured: CMake throws its whole
# cache away (and rebuilds everything) when asked again for a compiler it resolved differently.
configure() {
  local dir=$1 cc=$2 cxx=$3
  shift 3
  if [[ -f "$dir/CMakeCache.txt" ]]; then
    cmake -S . -B "$dir" "$@" >/dev/null
  else
    CC=$cc CXX=$cxx cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
}
case "$flavour" in
  release)
    dir=build
    configure "$dir" gcc g++ -DBROOK_UNIT_TESTS="${BROOK_UNIT_TESTS:-all}"
    ;;
  sanitize)
    dir=build-asan
    configure "$dir" clang clang++ -DBROOK_SANITIZE=ON -DBROOK_FUZZ=ON -DBROOK_PLANTED_BUGS=ON
    ;;
  *)
    echo "usage: tools/build.sh [release|sanitize] [target...]" >&2
    exit 2
    ;;
esac
NINJA_STATUS=${NINJA_STATUS:-"[%f/%t %es] "} ninja -C "$dir" -j "$jobs" "${targets[@]}"
