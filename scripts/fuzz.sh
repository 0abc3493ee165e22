#!/usr/bin/env bash
# Long run of the mutation fuzzers (YAML → graph, safetensors reader).
# Usage: scripts/fuzz.sh [iterations per fuzzer]   (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERZOO_FUZZ_ITERATIONS="${1:-200000}" swift test -c release --filter MutationFuzzTests
