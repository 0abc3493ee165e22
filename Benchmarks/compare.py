#!/usr/bin/env python3
"""Peer comparison: LayerZoo vs PyTorch eager, ONNX Runtime, OpenVINO and ncnn, on the same
model, weights, input and thread count, one process per engine, alternating rounds.

For each model, batch and thread count (--batch and --threads take lists), the model is built
by Ultralytics with the model class of its head (Detect, Segment, Pose, OBB, Classify), given
LayerZoo's seeded weights (scripts/fixtures/seeded.py), BN folded (model.fuse(), as predict
does) and its head in export mode, as `yolo export` leaves it, so every engine computes the
same outputs. A process of its own exports it: ONNX (opset 17) for ONNX Runtime and OpenVINO,
TorchScript converted by pnnx (fp16=0) for ncnn, and PyTorch's outputs on the seeded input.

Each peer then runs in a worker process of its own that loads the model once, checks its
outputs against PyTorch's and waits; a round asks every engine in turn (PyTorch, ONNX
Runtime, OpenVINO, ncnn, LayerZoo) for --runs timed runs and takes each one's median, so
machine drift hits all alike. LayerZoo runs `layerzoo bench` once per round (its own
process, --warmup untimed passes first) and `layerzoo run` once for its outputs.

- ONNX Runtime: all graph optimisations, intra-op threads = --threads, one inter-op thread.
- OpenVINO: CPU, INFERENCE_PRECISION_HINT f32, PERFORMANCE_HINT LATENCY,
  INFERENCE_NUM_THREADS = --threads.
- ncnn: opt.num_threads = --threads, fp16/bf16 storage and arithmetic off; a batch runs as one
  extraction per image (ncnn has no batch dimension).

Reported per engine: median ms (median over rounds of each round's median), spread (slowest
round's median / fastest round's), peak MB (the worker's own VmHWM in /proc, not ru_maxrss,
which Linux carries over from a parent across fork and exec) and the largest relative error
against PyTorch (max |a - b| / max |b| per output, boxes and the other rows of a detection
output apart), and LayerZoo / the best of ONNX Runtime, OpenVINO and ncnn. The table is
Markdown on stdout; progress goes to stderr.

Needs (installs nothing): a Python with torch, ultralytics, onnx, onnxruntime, openvino, ncnn,
pnnx, numpy, safetensors; a release build of LayerZoo (swift build -c release). An engine
that cannot convert or run a model is reported as n/a with the reason, and the rest go on.

    python Benchmarks/compare.py yolov8n.yaml --threads 1,2 --batch 1,8
    python Benchmarks/compare.py --suite tasks      # every task's n model and the seed-module models
    python Benchmarks/compare.py --suite families   # each family's n model (v3-tiny ... 26) at 640, batch 1
    python Benchmarks/compare.py --suite rtdetr     # yolov8n-rtdetr, rtdetr-l and yolov8s-worldv2 at 640, batch 1
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "fixtures"))
sys.path.insert(0, str(ROOT / "scripts" / "reference"))

REPLY = "@compare "  # prefixes the workers' replies: libraries may print to stdout too
PEERS = ["PyTorch", "ONNX Runtime", "OpenVINO", "ncnn"]
FAST_PEERS = ["ONNX Runtime", "OpenVINO", "ncnn"]
WORKERS = {"PyTorch": "torch", "ONNX Runtime": "onnxruntime", "OpenVINO": "openvino", "ncnn": "ncnn"}
SEED_MODULES = ["dbb", "dsconv", "dynamicconv", "saconv", "scconv"]


# Each family's smallest detection model (yolov5n.yaml is Ultralytics' YOLOv5u, the "yolov5nu").
FAMILIES = ["yolov3-tiny.yaml", "yolov5n.yaml", "yolov6n.yaml", "yolov8n-ghost.yaml", "yolov9t.yaml", "yolov10n.yaml",
            "yolo12n.yaml", "yolo26n.yaml"]
# The transformer and open-vocabulary models (the stock names Ultralytics accepts).
RTDETR = ["yolov8n-rtdetr.yaml", "rtdetr-l.yaml", "yolov8s-worldv2.yaml"]
# Heads whose Ultralytics model class is not a task's (gen_task_fixtures.MODELS).
MODEL_CLASSES = {"RTDETRDecoder": "RTDETRDetectionModel", "WorldDetect": "WorldModel"}
EMBEDDING_DIM = 512  # CLIP ViT-B/32's text embedding, what the stock World files expect


def suite(name):
    """(model, batch list or None, thread list or None): None takes --batch / --threads."""
    if name in ("families", "rtdetr"):
        return [(m, [1], None) for m in (FAMILIES if name == "families" else RTDETR)]
    if name != "tasks":
        raise SystemExit(f"unknown suite {name!r} (known: tasks, families, rtdetr)")
    models = ["yolov8n.yaml", "yolo11n.yaml"]
    for task in ["seg", "pose", "obb", "cls"]:
        models += [f"yolov8n-{task}.yaml", f"yolo11n-{task}.yaml"]
    models += [f"yolov8n-{m}.yaml" for m in SEED_MODULES]
    return [("yolov8n.yaml", [1, 8], [1, 2])] + [(m, [1], [2]) for m in models[1:]]


def resolve_config(name):
    """(path, scale): a path, a bundled config (Configs/), or a stock Ultralytics file, named
    the Ultralytics way (yolov8n-seg.yaml: the file yolov8-seg.yaml at scale n)."""
    path = pathlib.Path(name)
    m = re.search(r"yolo(e-)?v?\d+([nslmx])", path.stem)
    scale = m.group(2) if m else None
    unified = re.sub(r"(\d+)([nslmx])(-.+)?\.yaml$", r"\1\3.yaml", path.name)
    candidates = [path, ROOT / "Configs" / path.name, path.with_name(unified), ROOT / "Configs" / unified]
    try:
        import ultralytics

        stock = pathlib.Path(ultralytics.__file__).parent / "cfg" / "models"
        candidates += sorted(stock.glob(f"*/{unified}")) + sorted(stock.glob(f"*/{path.name}"))  # yolov10n.yaml is a file
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.exists():
            return candidate, scale
    raise SystemExit(f"{name}: no such config")


def default_imgsz(config):
    return [224, 224] if "-cls" in pathlib.Path(config).name else [640, 640]


def class_embeddings(config):
    """Seeded class (text) embeddings [1, nc, 512] for a YOLO-World file, else None: no CLIP
    text encoder is needed, and every engine gets the same ones (LayerZoo as --embeddings)."""
    import yaml
    from seeded import symmetric

    d = yaml.safe_load(pathlib.Path(config).read_text())
    if d["head"][-1][2] != "WorldDetect":
        return None
    nc = int(d.get("nc", 80))
    return symmetric("embeddings", nc * EMBEDDING_DIM, 1.0).reshape(1, nc, EMBEDDING_DIM)


def build_torch_model(config, scale):
    """Ultralytics' model for the head's task, seeded, fused, eval, head in export mode."""
    import torch
    import yaml
    import patched_ultralytics
    from gen_task_fixtures import MODELS
    from seeded import seed_state_dict
    from ultralytics.nn import tasks

    patched_ultralytics.load_seed_modules()
    d = yaml.safe_load(pathlib.Path(config).read_text())
    if scale:
        d["scale"] = scale
    head = d["head"][-1][2]
    cls = getattr(tasks, MODEL_CLASSES[head]) if head in MODEL_CLASSES else MODELS.get(head, MODELS["Detect"])
    model = cls(d, ch=3, nc=d.get("nc"), verbose=False).eval()
    seed_state_dict(model.model, 0, "model.")
    embeddings = class_embeddings(config)
    if embeddings is not None:
        model.txt_feats = torch.from_numpy(embeddings)
    with torch.no_grad():
        model = model.fuse(verbose=False)
    head = model.model[-1]
    head.export = True
    head.format = "onnx"
    return model.eval()


def as_list(y):
    """A model's outputs as a flat list of arrays."""
    import numpy as np
    import torch

    if isinstance(y, torch.Tensor):
        return [y.detach().numpy()]
    if isinstance(y, (list, tuple)):
        return [a for item in y for a in as_list(item)]
    if isinstance(y, dict):
        return [a for item in y.values() for a in as_list(item)]
    return [np.asarray(y)]


def export_worker(args):
    """Own process: the reference outputs, ONNX, and (at batch 1) ncnn via pnnx."""
    import numpy as np
    import torch
    from seeded import seeded_input

    config, scale = resolve_config(args.config)
    directory = pathlib.Path(args.export_dir)
    x = seeded_input((args.batch_size, 3, args.imgsz[0], args.imgsz[1]), 0)
    model = build_torch_model(config, scale)
    with torch.no_grad():
        outputs = as_list(model(x))
    np.savez(directory / "reference.npz", *outputs)
    np.save(directory / "input.npy", x.numpy())
    embeddings = class_embeddings(config)
    if embeddings is not None:
        np.save(directory / "embeddings.npy", embeddings[0])  # [nc, D], as `--embeddings` takes it
    names = [f"output{i}" for i in range(len(outputs))]
    # End-to-end heads (YOLOv10, YOLO26) are left with their one-to-one branches by fuse(), as
    # `yolo export` leaves them for ONNX: [N, 300, 6]; LayerZoo's run then takes --end2end.
    status = {"end2end": bool(getattr(model, "end2end", False))}
    try:
        with torch.no_grad():
            torch.onnx.export(model, x, str(directory / "model.onnx"), opset_version=17, input_names=["images"],
                              output_names=names, dynamo=False)
        status["onnx"] = "ok"
    except Exception as e:  # reported per engine; the others still run
        status["onnx"] = f"ONNX export failed: {type(e).__name__}: {str(e)[:200]}"
    if args.ncnn_dir:
        status["ncnn"] = export_ncnn(model, pathlib.Path(args.ncnn_dir), args.imgsz)
    reply(status)


def export_ncnn(model, directory, imgsz):
    """TorchScript traced at batch 1, converted by pnnx with f32 weights."""
    import pnnx
    import torch
    from seeded import seeded_input

    x = seeded_input((1, 3, imgsz[0], imgsz[1]), 0)
    try:
        with torch.no_grad():
            traced = torch.jit.trace(model, x, check_trace=False, strict=False)
        traced.save(str(directory / "model.pt"))
        out = subprocess.run([pnnx.EXEC_PATH, "model.pt", f"inputshape=[1,3,{imgsz[0]},{imgsz[1]}]", "fp16=0"],
                             cwd=directory, capture_output=True, text=True, timeout=600)
        if out.returncode != 0 or not (directory / "model.ncnn.param").exists():
            return f"pnnx failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}"
        return "ok"
    except Exception as e:
        return f"ncnn conversion failed: {type(e).__name__}: {str(e)[:200]}"


def peak_mb():
    """This process's own peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_engine(args):
    """(run, outputs) for the worker's engine: run() does one pass; outputs() its arrays."""
    import numpy as np

    directory = pathlib.Path(args.export_dir)
    x = np.load(directory / "input.npy")
    engine = args.worker
    if engine == "torch":
        import torch

        torch.set_num_threads(args.threads)
        config, scale = resolve_config(args.config)
        model = build_torch_model(config, scale)
        xt = torch.from_numpy(x)

        def run():
            with torch.no_grad():
                return as_list(model(xt))
        return run, run
    if engine == "onnxruntime":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"])
        feed = {"images": x}

        def run():
            return session.run(None, feed)
        return run, run
    if engine == "openvino":
        import openvino as ov

        core = ov.Core()
        compiled = core.compile_model(core.read_model(str(directory / "model.onnx")), "CPU", {
            "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": args.threads})
        request = compiled.create_infer_request()
        count = len(compiled.outputs)

        def run():
            request.infer({0: x})
            return [request.get_output_tensor(i).data.copy() for i in range(count)]
        return run, run
    if engine == "ncnn":
        import ncnn

        net = ncnn.Net()
        net.opt.num_threads = args.threads
        for flag in ["use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"]:
            setattr(net.opt, flag, False)
        ncnn_dir = pathlib.Path(args.ncnn_dir)
        if net.load_param(str(ncnn_dir / "model.ncnn.param")) != 0 or net.load_model(str(ncnn_dir / "model.ncnn.bin")) != 0:
            raise RuntimeError("ncnn could not load the converted model")
        outputs, source = list(net.output_names()), net.input_names()[0]
        # A Mat over a NumPy array borrows its memory: clone so that it owns it.
        images = [ncnn.Mat(np.ascontiguousarray(x[i])).clone() for i in range(x.shape[0])]

        def run():
            results = [[] for _ in outputs]
            for image in images:
                with net.create_extractor() as ex:
                    ex.input(source, image)
                    for j, name in enumerate(outputs):
                        _, out = ex.extract(name)
                        results[j].append(np.array(out))
            return [np.stack(r) for r in results]
        return run, run
    raise SystemExit(f"unknown worker {engine}")


def engine_worker(args):
    """Loads the engine, saves its outputs, then serves rounds read from stdin:
    "round" → {"median_ms"}, "quit" → {"peak_mb"}."""
    import numpy as np

    try:
        run, outputs = load_engine(args)
        np.savez(pathlib.Path(args.export_dir) / f"{args.worker}.npz", *outputs())
        for _ in range(args.warmup):
            run()
    except Exception as e:
        reply({"error": f"{type(e).__name__}: {str(e)[:300]}"})
        return
    reply({"ready": True})
    for line in sys.stdin:
        if line.strip() != "round":
            break
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        reply({"median_ms": statistics.median(times)})
    reply({"peak_mb": peak_mb()})


def reply(value):
    print(REPLY + json.dumps(value), flush=True)


class Worker:
    """A peer engine's worker process, kept for every round of one model, batch and thread count."""

    def __init__(self, args, engine, config, batch, threads, export_dir, ncnn_dir):
        cmd = [sys.executable, __file__, config, "--worker", WORKERS[engine], "--export-dir", str(export_dir),
               "--ncnn-dir", str(ncnn_dir), "--threads", str(threads), "--runs", str(args.runs), "--warmup",
               str(args.warmup), "--batch-size", str(batch), "--imgsz", ",".join(map(str, args.imgsz_for(config)))]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env)
        reply = self.read()
        self.error = reply.get("error") if reply else f"worker exited: {self.stderr_tail()}"

    def read(self):
        """The worker's next reply (other output skipped), or None when it exited."""
        for line in self.process.stdout:
            if line.startswith(REPLY):
                return json.loads(line[len(REPLY):])
        return None

    def stderr_tail(self):
        self.process.kill()
        return (self.process.stderr.read() or "").strip()[-300:]

    def round(self):
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        reply = self.read()
        return reply["median_ms"] if reply else None

    def finish(self):
        if self.error:
            self.process.wait()
            return None
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        reply = self.read()
        self.process.wait()
        return reply["peak_mb"] if reply else None


def layerzoo_command(args, config, batch, threads, verb):
    binary = args.layerzoo or str(ROOT / ".build" / "release" / "layerzoo")
    path, scale = resolve_config(config)
    h, w = args.imgsz_for(config)
    cmd = [binary, verb, str(path), "--threads", str(threads), "--batch", str(batch), "--imgsz", f"{h},{w}"]
    embeddings = args.embeddings.get(config)
    return cmd + (["--scale", scale] if scale else []) + (["--embeddings", str(embeddings)] if embeddings else [])


def layerzoo_round(args, config, batch, threads):
    cmd = layerzoo_command(args, config, batch, threads, "bench") + (["--end2end"] if args.end2end.get(config) else []) + [
        "--runs", str(args.runs), "--warmup", str(args.warmup), "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"layerzoo bench failed:\n{out.stderr}")
    result = json.loads(out.stdout)
    return result["medianMs"], result["peakResidentMB"], result.get("firstPassMs")


def layerzoo_outputs(args, config, batch, threads, directory):
    """`layerzoo run` with the same seeded weights and input: its outputs, in order."""
    from safetensors.numpy import load_file

    target = directory / "layerzoo.safetensors"
    end2end = ["--end2end"] if args.end2end.get(config) else []
    out = subprocess.run(layerzoo_command(args, config, batch, threads, "run") + end2end + ["--output", str(target)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        return None, out.stderr.strip()[-300:]
    tensors = load_file(str(target))
    names = sorted(tensors, key=lambda n: int(n[6:]) if n[6:].isdigit() else -1)
    return [tensors[n] for n in names], None


def detection_rows_error(a, b, tolerance=1e-4):
    """Largest relative error of detections [N, k, 6] (box, score, class; RT-DETR's and the
    end-to-end heads' export form) against the reference's: each reference row is paired with a
    row of the same class whose score is within tolerance x the largest score (seeded models'
    scores nearly tie, so rounding swaps neighbours between engines), the one with the nearest
    box; boxes relative to the largest coordinate, scores to the largest score. A row without a
    partner makes the error infinite."""
    import numpy as np

    box_scale = max(float(np.max(np.abs(b[..., :4]))), 1e-12)
    score_scale = max(float(np.max(np.abs(b[..., 4]))), 1e-12)
    worst = 0.0
    for image_a, image_b in zip(a, b):
        free = np.ones(len(image_a), dtype=bool)
        for row in image_b:
            score_diff = np.abs(image_a[:, 4] - row[4])
            candidates = free & (image_a[:, 5] == row[5]) & (score_diff <= tolerance * score_scale)
            if not candidates.any():
                return float("inf")
            box_diff = np.where(candidates, np.max(np.abs(image_a[:, :4] - row[:4]), axis=1), np.inf)
            j = int(np.argmin(box_diff))
            free[j] = False
            worst = max(worst, box_diff[j] / box_scale, score_diff[j] / score_scale)
    return worst


def relative_error(outputs, reference):
    """Largest max|a - b| / max|b| over the outputs; a detection-like output ([N, 4 + k, A])
    has its four box rows and the rest compared apart (boxes are in pixels, scores in 0..1);
    detections [N, k, 6] are paired row by row (detection_rows_error)."""
    import numpy as np

    if outputs is None or len(outputs) != len(reference):
        return float("nan")
    worst = 0.0
    for a, b in zip(outputs, reference):
        a = np.asarray(a, dtype=np.float64).reshape(b.shape) if np.size(a) == np.size(b) else None
        if a is None:
            return float("nan")
        if b.ndim == 3 and b.shape[2] == 6 and b.shape[1] != 6:
            worst = max(worst, detection_rows_error(a, b))
            continue
        parts = [(a[:, :4], b[:, :4]), (a[:, 4:], b[:, 4:])] if b.ndim == 3 and b.shape[1] > 4 else [(a, b)]
        for pa, pb in parts:
            scale = float(np.max(np.abs(pb))) if pb.size else 0.0
            worst = max(worst, float(np.max(np.abs(pa - pb))) / scale if scale > 0 else float(np.max(np.abs(pa))))
    return worst


def compare(args, config, batch, threads, ncnn_dirs):
    """One model at one batch and thread count: {engine: {ms, spread, peak, error, note}}."""
    import numpy as np

    export_dir = pathlib.Path(tempfile.mkdtemp(prefix="layerzoo-compare-"))
    if config not in ncnn_dirs:
        ncnn_dirs[config] = pathlib.Path(tempfile.mkdtemp(prefix="layerzoo-ncnn-"))
        ncnn_new = True
    else:
        ncnn_new = False
    ncnn_dir = ncnn_dirs[config]
    cmd = [sys.executable, __file__, config, "--worker", "export", "--export-dir", str(export_dir),
           "--batch-size", str(batch), "--imgsz", ",".join(map(str, args.imgsz_for(config)))]
    if ncnn_new and "ncnn" in args.engine_list:
        cmd += ["--ncnn-dir", str(ncnn_dir)]
    started = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True)
    print(f"  exported in {time.time() - started:.0f} s", file=sys.stderr)
    if out.returncode != 0:
        raise SystemExit(f"{config}: export failed:\n{out.stderr[-2000:]}")
    status = json.loads([line for line in out.stdout.splitlines() if line.startswith(REPLY)][-1][len(REPLY):])
    if "ncnn" in status:
        ncnn_dirs[(config, "status")] = status["ncnn"]
    args.end2end[config] = status.get("end2end", False)
    if (export_dir / "embeddings.npy").exists():
        args.embeddings[config] = export_dir / "embeddings.npy"
    reference = list(np.load(export_dir / "reference.npz").values())
    results = {}
    workers = {}
    for engine in PEERS:
        if engine not in args.engine_list:
            continue
        blocked = {"ONNX Runtime": status.get("onnx"), "OpenVINO": status.get("onnx"),
                   "ncnn": ncnn_dirs.get((config, "status"))}.get(engine, "ok")
        if blocked != "ok":
            results[engine] = {"note": blocked or "not converted"}
            continue
        started = time.time()
        w = Worker(args, engine, config, batch, threads, export_dir, ncnn_dir)
        print(f"  {engine} loaded in {time.time() - started:.0f} s", file=sys.stderr)
        if w.error:
            results[engine] = {"note": w.error}
            w.finish()
            continue
        workers[engine] = w
        results[engine] = {"error": relative_error(list(np.load(export_dir / f"{WORKERS[engine]}.npz").values()), reference)}
    if "LayerZoo" in args.engine_list:
        lz_outputs, note = layerzoo_outputs(args, config, batch, threads, export_dir)
        results["LayerZoo"] = {"error": relative_error(lz_outputs, reference)} if note is None else {"note": note}
    rounds = {e: [] for e in list(workers) + (["LayerZoo"] if "error" in results.get("LayerZoo", {}) else [])}
    lz_peak, lz_first = 0.0, []
    for r in range(args.rounds):
        for engine in rounds:
            if engine == "LayerZoo":
                ms, peak, first = layerzoo_round(args, config, batch, threads)
                lz_peak = max(lz_peak, peak)
                if first is not None:
                    lz_first.append(first)
            else:
                ms = workers[engine].round()
            rounds[engine].append(ms)
        print(f"  round {r + 1}: " + ", ".join(f"{e} {v[-1]:.1f} ms" for e, v in rounds.items() if v[-1] is not None),
              file=sys.stderr)
    for engine, w in workers.items():
        results[engine]["peak"] = w.finish()
    if "LayerZoo" in rounds:
        results["LayerZoo"]["peak"] = lz_peak
        if lz_first:
            results["LayerZoo"]["first"] = statistics.median(lz_first)
    for engine, values in rounds.items():
        values = [v for v in values if v is not None]
        if values:
            results[engine]["ms"] = statistics.median(values)
            results[engine]["spread"] = max(values) / min(values)
    shutil.rmtree(export_dir, ignore_errors=True)
    return results


def table(rows, engines):
    """Markdown: one row per model, batch and thread count."""
    head = "| model | batch | threads | " + " | ".join(f"{e} ms (spread)" for e in engines) + " | " \
        + " | ".join(f"{e} MB" for e in engines) + " | max rel. error vs PyTorch (" + " / ".join(
            e for e in engines if e != "PyTorch") + ") | LZ / best of ORT, OpenVINO, ncnn |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for (config, batch, threads), res in rows:
        def cell(e, key, fmt):
            r = res.get(e, {})
            return fmt(r[key]) if r.get(key) is not None else "n/a"
        times = [cell(e, "ms", lambda v: f"{v:.1f}") + (f" ({res[e]['spread']:.2f})" if "spread" in res.get(e, {}) else "")
                 for e in engines]
        peaks = [cell(e, "peak", lambda v: f"{v:.0f}") for e in engines]
        errors = " / ".join(cell(e, "error", lambda v: f"{v:.1e}") for e in engines if e != "PyTorch")
        peers = [res[e]["ms"] for e in FAST_PEERS if e in res and "ms" in res[e]]
        ratio = f"{res['LayerZoo']['ms'] / min(peers):.2f}" if peers and "ms" in res.get("LayerZoo", {}) else "n/a"
        lines.append(f"| {config} | {batch} | {threads} | " + " | ".join(times) + " | " + " | ".join(peaks)
                     + f" | {errors} | {ratio} |")
    notes = [f"- {config} b{batch} t{threads}, {e}: {r['note']}" for (config, batch, threads), res in rows
             for e, r in res.items() if "note" in r]
    firsts = [f"{config} b{batch} t{threads}: {res['LayerZoo']['first']:.0f} ms"
              for (config, batch, threads), res in rows if "first" in res.get("LayerZoo", {})]
    if firsts:
        notes.append("- LayerZoo's first pass (load and preparation included), median over rounds: " + "; ".join(firsts))
    return "\n".join(lines + ([""] + notes if notes else []))


def int_list(text):
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of positive integers, got {text!r}")
    return values


def main():
    parser = argparse.ArgumentParser(description="LayerZoo vs PyTorch, ONNX Runtime, OpenVINO and ncnn, alternating rounds.")
    parser.add_argument("configs", nargs="*", help="models, e.g. yolov8n.yaml yolo11n-seg.yaml (or --suite)")
    parser.add_argument("--suite", choices=["tasks", "families", "rtdetr"],
                        help="a preset list: 'tasks' (every task's n model, the seed-module models, "
                             "and yolov8n at batch 1 and 8, 1 and 2 threads); 'families' (each family's n model: "
                             + ", ".join(FAMILIES) + "; batch 1, --threads, default 2); 'rtdetr' (the transformer "
                             "and open-vocabulary models: " + ", ".join(RTDETR) + "; batch 1, --threads; World "
                             "with seeded class embeddings)")
    parser.add_argument("--threads", type=int_list, default=[2], help="comma-separated, e.g. 1,2")
    parser.add_argument("--batch", type=int_list, default=[1], help="comma-separated, e.g. 1,8")
    parser.add_argument("--imgsz", type=lambda s: [int(v) for v in s.split(",")] * (2 if "," not in s else 1),
                        help="H,W or one size (default 640; 224 for classification models)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per engine per round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="PyTorch,ONNX Runtime,OpenVINO,ncnn,LayerZoo",
                        help="comma-separated subset of the default")
    parser.add_argument("--layerzoo", help="path to the layerzoo binary (default .build/release/layerzoo)")
    parser.add_argument("--worker", choices=["torch", "onnxruntime", "openvino", "ncnn", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--export-dir", help=argparse.SUPPRESS)
    parser.add_argument("--ncnn-dir", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.imgsz_for = lambda config: args.imgsz or default_imgsz(config)
    if args.worker:
        args.config, args.threads = args.configs[0], args.threads[0]
        (export_worker if args.worker == "export" else engine_worker)(args)
        return
    args.engine_list = [e.strip() for e in args.engines.split(",")]
    args.end2end, args.embeddings = {}, {}
    plan = suite(args.suite) if args.suite else []
    plan += [(c, None, None) for c in args.configs]
    if not plan:
        parser.error("give models or --suite")
    engines = [e for e in PEERS + ["LayerZoo"] if e in args.engine_list]
    rows, ncnn_dirs = [], {}
    start = time.time()
    for config, batches, thread_counts in plan:
        for batch in batches or args.batch:
            for threads in thread_counts or args.threads:
                print(f"{config} batch {batch}, {threads} threads", file=sys.stderr)
                rows.append(((config, batch, threads), compare(args, config, batch, threads, ncnn_dirs)))
    for key, directory in ncnn_dirs.items():
        if isinstance(key, str):
            shutil.rmtree(directory, ignore_errors=True)
    print(f"{len(rows)} rows in {time.time() - start:.0f} s; {args.rounds} rounds x {args.runs} runs, "
          f"warm-up {args.warmup}", file=sys.stderr)
    print(table(rows, engines))


if __name__ == "__main__":
    main()
