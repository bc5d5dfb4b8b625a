#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer (debug: quick to build, and Swift's
# runtime checks stay on). Output: Fuzz/.build/debug/fuzz-*.
# SwiftPM's --sanitize=fuzzer instruments only C code for coverage (swift-crypto's BoringSSL here);
# -Xswiftc -sanitize=fuzzer gives the Swift code the coverage counters libFuzzer is guided by.
set -euo pipefail
cd "$(dirname "$0")"
swift build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address "$@"
