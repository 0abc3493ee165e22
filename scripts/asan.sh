#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (a separate build folder: it rebuilds everything).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -sanitize=address --scratch-path .build-asan
swift test --skip-build --scratch-path .build-asan
