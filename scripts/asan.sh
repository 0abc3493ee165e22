#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (a separate build folder: it rebuilds everything).
#
# Leak detection is off: LeakSanitizer reports the process-lifetime statics (the layer
# definitions' `static let`s, XCTest and Foundation internals, swift-argument-parser's error
# exits) as leaks and turns every exit status into 1. Memory errors still abort the run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests --toolset toolset.json -Xswiftc -sanitize=address --scratch-path .build-asan
ASAN_OPTIONS=detect_leaks=0 swift test --skip-build --toolset toolset.json --scratch-path .build-asan
