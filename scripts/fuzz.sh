#!/usr/bin/env bash
# Long run of the mutation fuzzers: YAML → graph, safetensors, .npy and the plugin ELF check.
# Usage: scripts/fuzz.sh [seconds per fuzzer]   (default 300: twenty minutes for the four)
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERZOO_FUZZ_SECONDS="${1:-300}" swift test --filter "MutationFuzzTests|ReaderFuzzTests" 2>&1 | grep -E "fuzzer:|error|Executed"
