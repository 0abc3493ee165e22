#!/usr/bin/env python3
"""Parameter counts and GFLOPs Ultralytics gives for EVERY stock model file, at every scale.

Walks ultralytics/cfg/models/*/*.yaml of the installed package (skipping yolo11-cls-resnet18,
whose TorchVision layer downloads weights), builds each file at every scale it defines (a file
without scales once) with the Ultralytics model class of its head, and writes
Tests/StockModelTests/Resources/stock_counts.json: per file and scale the total parameters,
the parameters of each layer and the GFLOPs of get_flops at imgsz 640 (classifiers too, as
model.info() reports them). Each YAML is copied to Tests/StockModelTests/Resources/stock/<folder>/
so that the Swift test needs neither Python nor Ultralytics. A file Ultralytics itself cannot
build is kept with its error and no cases.

Usage (a venv with ultralytics): python scripts/reference/stock_counts.py
"""
import json
import pathlib
import shutil

import torch
import yaml
import ultralytics
from ultralytics.nn import tasks
from ultralytics.utils.torch_utils import get_flops

ROOT = pathlib.Path(__file__).resolve().parents[2]
CFG = pathlib.Path(ultralytics.__file__).parent / "cfg" / "models"
OUT = ROOT / "Tests/StockModelTests/Resources"
SKIP = {"yolo11-cls-resnet18.yaml"}

# The model class Ultralytics builds for a file, by the module of its last row.
MODELS = {
    "Detect": tasks.DetectionModel, "v10Detect": tasks.DetectionModel,
    "Segment": tasks.SegmentationModel, "Segment26": tasks.SegmentationModel,
    "Pose": tasks.PoseModel, "Pose26": tasks.PoseModel, "OBB": tasks.OBBModel, "OBB26": tasks.OBBModel,
    "Classify": tasks.ClassificationModel, "RTDETRDecoder": tasks.RTDETRDetectionModel,
    "WorldDetect": tasks.WorldModel, "YOLOEDetect": tasks.YOLOEModel,
    "YOLOESegment": tasks.YOLOESegModel, "YOLOESegment26": tasks.YOLOESegModel,
    "SemanticSegment": tasks.SemanticSegmentationModel, "Depth": tasks.DepthModel,
}


def build(d, model_class):
    """The model on the meta device (shapes only: counts need no values), else on the CPU."""
    try:
        with torch.device("meta"):
            return model_class(dict(d), ch=3, nc=d.get("nc"), verbose=False)
    except Exception:
        return model_class(dict(d), ch=3, nc=d.get("nc"), verbose=False)


def counts(d, model_class, scale, file):
    d = dict(d)
    if scale:
        d["scale"] = scale
    model = build(d, model_class)
    gflops = get_flops(model, 640)
    if not gflops:  # get_flops gives 0.0 when profiling fails, as it may on the meta device
        model = model_class(dict(d), ch=3, nc=d.get("nc"), verbose=False)
        gflops = get_flops(model, 640)
    return {
        "config": file,
        "scale": scale or "",
        "imgsz": 640,
        "parameters": sum(p.numel() for p in model.parameters()),
        "layer_parameters": [sum(p.numel() for p in m.parameters()) for m in model.model],
        "gflops": gflops,
    }


def main():
    torch.set_num_threads(1)
    files = []
    for path in sorted(CFG.glob("*/*.yaml")):
        if path.name in SKIP:
            continue
        d = yaml.safe_load(path.read_text())
        head = d["head"][-1][2]
        folder = path.parent.name
        (OUT / "stock" / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, OUT / "stock" / folder / path.name)
        entry = {"file": f"{folder}/{path.name}", "head": head, "cases": []}
        for scale in list(d.get("scales", {}) or [None]):
            try:
                entry["cases"].append(counts(d, MODELS[head], scale, entry["file"]))
            except Exception as error:  # recorded: the test then expects LayerZoo to refuse it too
                entry["error"] = f"{type(error).__name__}: {error}"
                entry["cases"] = []
                break
            c = entry["cases"][-1]
            print(entry["file"], scale, c["parameters"], round(c["gflops"], 4), flush=True)
        files.append(entry)
    (OUT / "stock_counts.json").write_text(
        json.dumps({"ultralytics": ultralytics.__version__, "torch": torch.__version__, "files": files}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}/stock_counts.json ({len(files)} files)")


if __name__ == "__main__":
    main()
