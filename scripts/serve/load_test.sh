#!/usr/bin/env bash
# A bounded load test of layerzoo-serve on loopback with wrk (Debian package wrk): requests/s
# and p50/p99 latency at 1, 4 and 16 connections, and the count of requests that failed or
# returned a body other than the reference answer. Starts its own server on 127.0.0.1, runs
# each level for DURATION seconds (default 10), stops the server. Needs python3 for the body.
#
#   scripts/serve/load_test.sh [path/to/layerzoo-serve] [extra layerzoo-serve options...]
set -euo pipefail
cd "$(dirname "$0")/../.."
serve=${1:-.build/release/layerzoo-serve}
shift || true
duration=${DURATION:-10}
shape=${SHAPE:-1,3,64,64}
port=${PORT:-18431}
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$serve" yolo=yolov8n.yaml --host 127.0.0.1 --port "$port" --imgsz 64 --log-level warning "$@" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break
    sleep 0.2
done
python3 - "$shape" > "$work/body.json" <<'PY'
import random, sys
shape = [int(s) for s in sys.argv[1].split(",")]
n = 1
for s in shape: n *= s
rng = random.Random(0)
print('{"inputs":[{"name":"images","shape":%s,"datatype":"FP32","data":[%s]}]}'
      % (shape, ",".join("%.6f" % rng.random() for _ in range(n))), end="")
PY
curl -sf "http://127.0.0.1:$port/v2/models/yolo/infer" -H 'Content-Type: application/json' \
    --data-binary @"$work/body.json" -o "$work/expected.json"
echo "layerzoo-serve load test: input $shape, $duration s per level, $(nproc) cores, server options: ${*:-none}"
for connections in 1 4 16; do
    threads=$(( connections < 2 ? 1 : 2 ))
    line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 30s -s scripts/serve/load_test.lua \
        "http://127.0.0.1:$port/v2/models/yolo/infer" -- "$work/body.json" "$work/expected.json" | grep '^RESULT')
    echo "connections=$connections ${line#RESULT }"
done
