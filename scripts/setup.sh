#!/usr/bin/env bash
# Installs what is missing from Debian, configures once, builds incrementally.
#   scripts/setup.sh run    packages to build and run the demo pipeline; builds the two binaries only
#   scripts/setup.sh test   plus what the tests and benchmarks need (GoogleTest, Google Benchmark,
#                           Python peers, Chromium, fonts); builds everything
#   scripts/setup.sh sanitize  the test packages plus clang's sanitizer/libFuzzer runtime; builds the
#                           torch-free code, its tests and the fuzzers with ASan+UBSan in build-asan/
# A second call installs nothing and rebuilds only what changed.
set -euo pipefail
profile=${1:-run}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QILIN_BUILD_DIR:-$root/build}
[ "$profile" = sanitize ] && build=${QILIN_ASAN_BUILD_DIR:-$root/build-asan}

run_pkgs=(clang cmake ninja-build ccache pkg-config git
          libtorch-dev libopenblas0-pthread libicu-dev libfmt-dev nlohmann-json3-dev
          libcli11-dev libgloo-dev libsentencepiece-dev
          libcpp-httplib-dev libcurl4-openssl-dev  # serve's HTTP server; the openai backend's client
          python3-jieba)  # the jieba segmenter reads its dict.txt and HMM tables at run time
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev
           python3 python3-nltk python3-torch python3-numpy
           chromium chromium-driver fonts-wqy-microhei
           libxml2-utils python3-yaml   # xmllint checks gate --junit against a schema; docs/CI.md's YAML is parsed
           ca-certificates)             # npm ci reaches the registry over https
sanitize_pkgs=(libclang-rt-14-dev)  # ASan/UBSan/libFuzzer runtimes for clang 14
pkgs=("${run_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$profile" = sanitize ] && pkgs+=("${test_pkgs[@]}" "${sanitize_pkgs[@]}")
# serve's third-party client test runs the official openai npm package: Debian's node and npm,
# unless a node is already on PATH.
if [ "$profile" = test ] && ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing from Debian: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # The main job installs the packages alone, without what they merely recommend (390 packages on a
  # bare Debian 12 instead of 505: no LLVM tools, GTK or Qt); the test and sanitizer profiles take
  # Debian's defaults.
  norec=()
  [ "$profile" = run ] && norec=(--no-install-recommends)
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${norec[@]}" "${missing[@]}" >/dev/null
fi

# The openai npm package, pinned by tests/serve/npm/package.json + package-lock.json, from the npm
# registry (only the test profile; without it ctest serve_openai_npm skips with a message).
if [ "$profile" = test ] && command -v npm >/dev/null && [ ! -d "$root/tests/serve/npm/node_modules/openai" ]; then
  (cd "$root/tests/serve/npm" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "setup: warning: npm ci in tests/serve/npm failed; serve_openai_npm will skip" >&2
fi

# OpenBLAS must be the BLAS libtorch loads (reference BLAS is ~20x slower).
if [ -e /etc/alternatives/libblas.so.3-x86_64-linux-gnu ] &&
   ! readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu | grep -q openblas; then
  echo "setup: warning: libblas.so.3 is not OpenBLAS; training will be slow" >&2
fi

if [ "$profile" = sanitize ]; then
  [ -f "$build/build.ninja" ] ||
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DQILIN_SANITIZE=ON >/dev/null
  cmake --build "$build" -j "${QILIN_BUILD_JOBS:-2}"
  exit 0
fi

# The run profile configures without tests and benchmarks (their packages are not installed);
# the test profile turns them on, reconfiguring a build folder the run profile made.
want_tests=OFF
[ "$profile" = test ] && want_tests=ON
have_tests=$(sed -n 's/^QILIN_BUILD_TESTS:BOOL=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [ ! -f "$build/build.ninja" ] || { [ "$want_tests" = ON ] && [ "$have_tests" != ON ]; }; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DQILIN_BUILD_TESTS=$want_tests -DQILIN_BUILD_BENCH=$want_tests >/dev/null
fi
# Two cores: -j2. Ninja prints nothing but a summary when everything is current. The main job
# needs the two binaries only (qilin-bench depends on qilin-bench-torch).
if [ "$profile" = test ]; then
  cmake --build "$build" -j "${QILIN_BUILD_JOBS:-2}"
else
  cmake --build "$build" -j "${QILIN_BUILD_JOBS:-2}" --target qilin-bench
fi
