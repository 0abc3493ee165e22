#!/usr/bin/env python3
"""Peer comparison: LayerZoo vs PyTorch eager vs ONNX Runtime on the same model and weights.

For a config, each engine runs in its own process, with the same
thread count, the same seeded weights (LayerZoo's seeded weights, reproduced in PyTorch by
scripts/fixtures/seeded.py) and the same seeded input. Rounds alternate the engines
(PyTorch, ONNX Runtime, LayerZoo, PyTorch, ...) so that machine drift hits all alike; each
round reports an engine's median over --runs timed runs after warm-up, and the table shows
the median over rounds and the ratios LayerZoo / peer.

PyTorch runs the model as Ultralytics predicts with it (model.fuse(): BN folded into convs,
eval, no_grad). ONNX Runtime runs that fused model exported to ONNX (opset 17), with all
graph optimisations and intra-op threads = --threads; the export happens in a process of its
own first, so the ONNX Runtime process loads neither torch nor the PyTorch model.

Peak memory is each engine process's own high-water mark (VmHWM in /proc/<pid>/status), not
getrusage's ru_maxrss: Linux carries a parent's ru_maxrss over fork and exec, so a process
started by this (large) driver would report the driver's peak.

Needs (installs nothing itself): a Python with torch, ultralytics, onnx, onnxruntime, numpy,
safetensors; a release build of LayerZoo (swift build -c release).

    python Benchmarks/compare.py yolov8n.yaml --threads 2 --rounds 5 --runs 10
"""
import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "fixtures"))
sys.path.insert(0, str(ROOT / "scripts" / "reference"))


def resolve_config(name):
    """Return (path, scale) like LayerZoo: a path, or a bundled config named the Ultralytics way."""
    import re

    path = pathlib.Path(name)
    scale = None
    m = re.search(r"yolo(e-)?v?\d+([nslmx])", path.stem)
    if m:
        scale = m.group(2)
    for candidate in (path, ROOT / "Configs" / path.name):
        if candidate.exists():
            return candidate, scale
    unified = re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", path.name)
    for candidate in (path.with_name(unified), ROOT / "Configs" / unified):
        if candidate.exists():
            return candidate, scale
    raise SystemExit(f"{name}: no such config")


def build_torch_model(config, scale):
    import torch
    import yaml
    import patched_ultralytics
    from seeded import seed_state_dict
    from ultralytics.nn.tasks import DetectionModel

    patched_ultralytics.load_seed_modules()
    d = yaml.safe_load(pathlib.Path(config).read_text())
    if scale:
        d["scale"] = scale
    model = DetectionModel(d, ch=3, nc=d.get("nc"), verbose=False).eval()
    seed_state_dict(model.model, 0, "model.")
    with torch.no_grad():
        model = model.fuse(verbose=False)
    return model


def peak_mb():
    """This process's own peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_onnx(args, directory):
    """In a process of its own: the fused PyTorch model as ONNX and the seeded input as .npy."""
    cmd = [sys.executable, __file__, args.config, "--worker", "export", "--export-dir", str(directory),
           "--batch", str(args.batch), "--imgsz", f"{args.imgsz[0]},{args.imgsz[1]}"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"ONNX export failed:\n{out.stderr[-2000:]}")


def export_worker(args):
    import numpy as np
    import torch
    from seeded import seeded_input

    config, scale = resolve_config(args.config)
    x = seeded_input((args.batch, 3, args.imgsz[0], args.imgsz[1]), 0)
    model = build_torch_model(config, scale)
    directory = pathlib.Path(args.export_dir)
    with torch.no_grad():
        torch.onnx.export(model, x, str(directory / "model.onnx"), opset_version=17, input_names=["images"],
                          output_names=["output"], dynamo=False)
    np.save(directory / "input.npy", x.numpy())


def onnxruntime_worker(args):
    """ONNX Runtime alone in its process: no torch imported."""
    import numpy as np
    import onnxruntime as ort

    directory = pathlib.Path(args.export_dir)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"])
    feed = {"images": np.load(directory / "input.npy")}
    time_runs(args, lambda: session.run(None, feed))


def time_runs(args, run):
    """Warm-up, then --runs timed runs: prints {"median_ms", "peak_mb"} as JSON."""
    for _ in range(args.warmup):
        run()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"median_ms": statistics.median(times), "peak_mb": peak_mb()}))


def torch_worker(args):
    """PyTorch eager in its process."""
    import torch
    from seeded import seeded_input

    torch.set_num_threads(args.threads)
    config, scale = resolve_config(args.config)
    x = seeded_input((args.batch, 3, args.imgsz[0], args.imgsz[1]), 0)
    model = build_torch_model(config, scale)

    def run():
        with torch.no_grad():
            model(x)
    time_runs(args, run)


def run_layerzoo(args):
    binary = args.layerzoo or str(ROOT / ".build" / "release" / "layerzoo")
    cmd = [binary, "bench", args.config, "--threads", str(args.threads), "--runs", str(args.runs),
           "--warmup", str(args.warmup), "--batch", str(args.batch), "--imgsz", f"{args.imgsz[0]},{args.imgsz[1]}",
           "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"layerzoo bench failed:\n{out.stderr}")
    result = json.loads(out.stdout)
    return {"median_ms": result["medianMs"], "peak_mb": result["peakResidentMB"]}


def run_worker(args, engine, export_dir=None):
    cmd = [sys.executable, __file__, args.config, "--worker", engine, "--threads", str(args.threads), "--runs",
           str(args.runs), "--warmup", str(args.warmup), "--batch", str(args.batch), "--imgsz",
           f"{args.imgsz[0]},{args.imgsz[1]}"] + (["--export-dir", str(export_dir)] if export_dir else [])
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
    if out.returncode != 0:
        raise SystemExit(f"{engine} worker failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description="LayerZoo vs PyTorch vs ONNX Runtime, alternating runs.")
    parser.add_argument("config")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--imgsz", type=lambda s: [int(v) for v in s.split(",")] * (2 if "," not in s else 1),
                        default=[640, 640])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per engine per round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layerzoo", help="path to the layerzoo binary (default .build/release/layerzoo)")
    parser.add_argument("--worker", choices=["torch", "onnxruntime", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--export-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        {"torch": torch_worker, "onnxruntime": onnxruntime_worker, "export": export_worker}[args.worker](args)
        return
    export_dir = tempfile.TemporaryDirectory(prefix="layerzoo-compare-")
    export_onnx(args, export_dir.name)
    engines = {"PyTorch eager": lambda: run_worker(args, "torch"),
               "ONNX Runtime": lambda: run_worker(args, "onnxruntime", export_dir.name),
               "LayerZoo": lambda: run_layerzoo(args)}
    results = {name: [] for name in engines}
    for r in range(args.rounds):
        for name, run in engines.items():
            results[name].append(run())
        print(f"round {r + 1}: " + ", ".join(f"{n} {results[n][-1]['median_ms']:.1f} ms" for n in engines), file=sys.stderr)
    med = {n: statistics.median(x["median_ms"] for x in v) for n, v in results.items()}
    mem = {n: max(x["peak_mb"] for x in v) for n, v in results.items()}
    print(f"{args.config} batch {args.batch} at {args.imgsz[0]}x{args.imgsz[1]}, {args.threads} threads, "
          f"{args.rounds} rounds x {args.runs} runs")
    print(f"{'engine':<16}{'median ms':>11}{'peak MB':>10}{'LayerZoo / engine':>20}")
    for n in engines:
        print(f"{n:<16}{med[n]:>11.1f}{mem[n]:>10.0f}{med['LayerZoo'] / med[n]:>20.2f}")


if __name__ == "__main__":
    main()
