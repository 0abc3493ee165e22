#!/usr/bin/env python3
"""Checks layerzoo-serve with a real Open Inference Protocol client, Triton's tritonclient[http].

Against a running server (--url) it checks liveness, readiness and the model's metadata, then
sends one seeded random input with the binary tensor extension and once as JSON, and compares
both outputs with what `layerzoo run` writes for the same input (seeded weights or the same
weights: start the server with the model as --config names it). Exit status 0 when every output
is within --tolerance (relative to the output's magnitude), 1 otherwise.

    python scripts/serve/triton_client_check.py --url 127.0.0.1:8000 --model yolo \
        --layerzoo .build/debug/layerzoo --config yolov8n.yaml --shape 1,3,64,96
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import tritonclient.http as httpclient


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="host:port of layerzoo-serve")
    parser.add_argument("--model", required=True, help="the served model's name")
    parser.add_argument("--layerzoo", required=True, help="the layerzoo binary (for the reference output)")
    parser.add_argument("--config", required=True, help="the model as layerzoo run takes it")
    parser.add_argument("--shape", default="1,3,64,96", help="input shape N,C,H,W")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    shape = [int(s) for s in args.shape.split(",")]

    x = np.random.default_rng(args.seed).random(shape, dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        np.save(os.path.join(folder, "x.npy"), x)
        out = os.path.join(folder, "y.npy")
        subprocess.run([args.layerzoo, "run", args.config, "--input", os.path.join(folder, "x.npy"), "--output", out],
                       check=True, capture_output=True)
        expected = np.load(out)

    client = httpclient.InferenceServerClient(url=args.url)
    problems = []
    if not client.is_server_live():
        problems.append("server not live")
    if not client.is_server_ready():
        problems.append("server not ready")
    if not client.is_model_ready(args.model):
        problems.append(f"model {args.model} not ready")
    metadata = client.get_model_metadata(args.model)
    input_name = metadata["inputs"][0]["name"]
    output_name = metadata["outputs"][0]["name"]

    for binary in (True, False):
        inputs = [httpclient.InferInput(input_name, shape, "FP32")]
        inputs[0].set_data_from_numpy(x, binary_data=binary)
        outputs = [httpclient.InferRequestedOutput(output_name, binary_data=binary)]
        result = client.infer(args.model, inputs, outputs=outputs)
        y = result.as_numpy(output_name)
        mode = "binary" if binary else "JSON"
        if y is None or y.shape != expected.shape:
            problems.append(f"{mode}: output shape {None if y is None else y.shape}, expected {expected.shape}")
            continue
        error = float(np.abs(y - expected).max() / max(np.abs(expected).max(), 1e-12))
        print(f"tritonclient {mode} tensors: output {list(y.shape)}, max relative error vs layerzoo run {error:.3g}")
        if not error <= args.tolerance:
            problems.append(f"{mode}: relative error {error} over {args.tolerance}")

    for p in problems:
        print("error:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
