#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer (debug: quick to build, and Swift's
# runtime checks stay on). Output: Fuzz/.build/debug/fuzz-*.
set -euo pipefail
cd "$(dirname "$0")"
swift build --sanitize=fuzzer --sanitize=address "$@"
