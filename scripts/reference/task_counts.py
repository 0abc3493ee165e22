#!/usr/bin/env python3
"""Parameter counts and GFLOPs Ultralytics gives for every stock model file of the task heads.

The stock files are read from the installed ultralytics package (cfg/models/**): every file
whose head is Segment, Pose, OBB, Classify, v10Detect, a YOLO26 head, or an end-to-end Detect.
Output: Tests/TaskHeadTests/Resources/task_counts.json, one entry per file with its text (the
test needs no Python and no ultralytics), and per scale the parameters (total and per layer)
and GFLOPs at 640 (classification also at 224). Files that need a module LayerZoo does not
have yet are kept with `"supported": false` and the modules missing; the test checks that
LayerZoo refuses them, so adding a module makes that test ask for this file to be rerun with
the module added to HAVE.

Usage (a venv with ultralytics): python scripts/reference/task_counts.py
"""
import json
import pathlib
import re

import yaml
import ultralytics
from ultralytics.nn import tasks
from ultralytics.utils.torch_utils import get_flops

ROOT = pathlib.Path(__file__).resolve().parents[2]
CFG = pathlib.Path(ultralytics.__file__).parent / "cfg" / "models"
OUT = ROOT / "Tests/TaskHeadTests/Resources/task_counts.json"

HEADS = {"Segment": "segment", "Pose": "pose", "OBB": "obb", "Classify": "classify", "v10Detect": "detect",
         "Segment26": "segment", "Pose26": "pose", "OBB26": "obb", "SemanticSegment": "semantic", "Depth": "depth"}
MODELS = {"detect": tasks.DetectionModel, "segment": tasks.SegmentationModel, "pose": tasks.PoseModel,
          "obb": tasks.OBBModel, "classify": tasks.ClassificationModel,
          "semantic": tasks.SemanticSegmentationModel, "depth": tasks.DepthModel}
# The modules LayerZoo registers (Plugins/Standard); a file using anything else is not supported yet.
HAVE = {"Conv", "Bottleneck", "C2f", "C2", "C3", "C3k2", "SPPF", "C2PSA", "Concat", "nn.Upsample", "Detect",
        "Segment", "Pose", "OBB", "Classify", "v10Detect", "Segment26", "Pose26", "OBB26", "SemanticSegment", "Depth",
        "RepNCSPELAN4", "ELAN1", "AConv", "ADown", "SPPELAN", "CBLinear", "CBFuse", "RepConv", "SCDown", "PSA",
        "C2fCIB", "RepVGGDW", "A2C2f", "C2fPSA",
        "SPP", "DWConv", "GhostConv", "GhostBottleneck", "C3Ghost", "ConvTranspose", "DWConvTranspose2d", "Focus",
        "LightConv", "Conv2", "C1", "C3x", "C3TR", "BottleneckCSP", "ResNetLayer", "nn.ConvTranspose2d", "nn.MaxPool2d",
        "nn.AvgPool2d", "nn.ZeroPad2d", "nn.Identity", "nn.Dropout", "nn.Dropout2d", "nn.ReLU", "nn.ReLU6", "nn.SiLU",
        "nn.GELU", "nn.Sigmoid", "nn.Tanh", "nn.Hardswish", "nn.Mish", "nn.LeakyReLU"}


def head_of(d):
    return d["head"][-1][2]


# Our own files for heads whose stock files need modules LayerZoo lacks (named custom/...).
CUSTOM = [ROOT / "Tests/TaskHeadTests/Resources/models/yolov8-v10detect.yaml"]


def task_files():
    for path in sorted(CFG.glob("*/*.yaml")) + CUSTOM:
        d = yaml.safe_load(path.read_text())
        head = head_of(d)
        if head in HEADS or (head == "Detect" and d.get("end2end")):
            yield path, d, HEADS.get(head, "detect")


def counts(d, task, scale, imgsz):
    d = dict(d)
    if scale:
        d["scale"] = scale
    model = MODELS[task](d, ch=3, nc=d.get("nc"), verbose=False)
    return {
        "scale": scale,
        "imgsz": imgsz,
        "parameters": sum(p.numel() for p in model.parameters()),
        "layer_parameters": [sum(p.numel() for p in m.parameters()) for m in model.model],
        "gflops": get_flops(model, imgsz),
    }


def main():
    files = []
    for path, d, task in task_files():
        modules = {row[2] for row in d["backbone"] + d["head"]}
        missing = sorted(modules - HAVE)
        folder = "custom" if path in CUSTOM else path.parent.name
        entry = {"file": f"{folder}/{path.name}", "task": task, "head": head_of(d),
                 "supported": not missing, "missing": missing, "text": path.read_text(), "cases": []}
        if "TorchVision" in modules:  # needs a torchvision weights download to build
            entry["missing"] = missing
            files.append(entry)
            print(entry["file"], "skipped (TorchVision)")
            continue
        scales = list(d.get("scales", {}) or [None])
        sizes = [[224, 224], [640, 640]] if task == "classify" else [[640, 640]]
        for scale in scales:
            for imgsz in sizes:
                entry["cases"].append(counts(d, task, scale, imgsz))
                c = entry["cases"][-1]
                print(entry["file"], scale, imgsz, c["parameters"], round(c["gflops"], 4), "" if not missing else f"(missing {missing})")
        files.append(entry)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"ultralytics": ultralytics.__version__, "files": files}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
