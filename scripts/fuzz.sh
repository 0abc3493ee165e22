#!/usr/bin/env bash
# Long run of the mutation fuzzers (YAML → graph, safetensors reader, JPEG and PNG decoders,
# checkpoint zip reader and unpickler).
# Usage: scripts/fuzz.sh [seconds per fuzzer]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
