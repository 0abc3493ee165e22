#!/usr/bin/env bash
# Long run of the mutation fuzzers (YAML → graph, safetensors reader, JPEG and PNG decoders).
# Usage: scripts/fuzz.sh [seconds per fuzzer]   (default 300: ten minutes for both)
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERZOO_FUZZ_SECONDS="${1:-300}" swift test --toolset toolset.json --filter "MutationFuzzTests|DecoderFuzzTests" 2>&1 | grep -E "fuzzer:|error|Executed"
