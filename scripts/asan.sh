#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (Swift and C), with the C kernels also built
# with UndefinedBehaviorSanitizer in trap mode (no runtime needed; Swift itself has no UB
# sanitizer: its arithmetic already traps). A separate build folder: it rebuilds everything.
#
# Leak detection is off: LeakSanitizer reports the process-lifetime statics (the layer
# definitions' `static let`s, XCTest and Foundation internals, swift-argument-parser's error
# exits) as leaks and turns every exit status into 1. Memory errors and undefined behaviour
# still abort the run. Extra arguments go to `swift test` (e.g. --filter CLITests).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(--toolset toolset.json -Xswiftc -sanitize=address -Xcc -fsanitize=address
       -Xcc -fsanitize=undefined -Xcc -fsanitize-trap=undefined --scratch-path .build-asan)
swift build --build-tests "${flags[@]}"
ASAN_OPTIONS=detect_leaks=0 swift test --skip-build "${flags[@]}" "$@"
