#!/usr/bin/env bash
# Long run of the mutation fuzzers: YAML → graph, safetensors, .npy, the plugin ELF check, the
# JPEG and PNG decoders, the checkpoint zip reader and the unpickler.
# Usage: scripts/fuzz.sh [seconds per fuzzer]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERZOO_FUZZ_SECONDS="${1:-300}" swift test --toolset toolset.json --filter "MutationFuzzTests|ReaderFuzzTests|DecoderFuzzTests|CheckpointFuzzTests|TaskHeadFuzzTests" 2>&1 | grep -E "fuzzer:|error|Executed"
