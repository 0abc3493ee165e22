#!/usr/bin/env python3
"""Write the parameter counts and GFLOPs Ultralytics gives for our Configs/ files.

Output: Tests/LayerZooTests/Resources/ultralytics_counts.json, which `swift test` compares
`layerzoo info` against (exact parameters per layer and in total, GFLOPs within 0.01), and
`layerzoo info --fused` against the same numbers after Ultralytics' `model.fuse()`.

Needs a Python environment with `ultralytics` (and torch); LayerZoo's build and tests do
not. Usage: python scripts/reference/ultralytics_counts.py
"""
import json
import pathlib

import yaml
import ultralytics
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import get_flops

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = [  # (file, scale, imgsz as [h, w])
    ("yolov8.yaml", "n", [640, 640]),
    ("yolov8.yaml", "s", [640, 640]),
    ("yolov8.yaml", "m", [640, 640]),
    ("yolov5.yaml", "n", [640, 640]),
    ("yolo11.yaml", "n", [640, 640]),
    ("yolo11.yaml", "s", [640, 640]),
    ("yolo11.yaml", "m", [640, 640]),
    ("yolov8-p2.yaml", "n", [640, 640]),
    ("yolov8-p6.yaml", "n", [640, 640]),
    ("yolov3.yaml", None, [640, 640]),
    ("yolov8.yaml", "n", [320, 480]),
    ("yolo11.yaml", "n", [256, 320]),
    ("../Tests/LayerZooTests/Resources/models/mixed.yaml", None, [640, 640]),
]


def main():
    results = []
    for name, scale, imgsz in CASES:
        d = yaml.safe_load((ROOT / "Configs" / name).read_text())
        if scale:
            d["scale"] = scale
        model = DetectionModel(d, ch=3, nc=d["nc"], verbose=False)
        results.append({
            "file": name,
            "scale": scale,
            "imgsz": imgsz,
            "parameters": sum(p.numel() for p in model.parameters()),
            "layer_parameters": [sum(p.numel() for p in m.parameters()) for m in model.model],
            "gflops": get_flops(model, imgsz),
        })
        model.fuse(verbose=False)
        results[-1]["fused_parameters"] = sum(p.numel() for p in model.parameters())
        results[-1]["fused_layer_parameters"] = [sum(p.numel() for p in m.parameters()) for m in model.model]
        results[-1]["fused_gflops"] = get_flops(model, imgsz)
        print(name, scale, imgsz, results[-1]["parameters"], round(results[-1]["gflops"], 4),
              "fused", results[-1]["fused_parameters"], round(results[-1]["fused_gflops"], 4))
    out = ROOT / "Tests/LayerZooTests/Resources/ultralytics_counts.json"
    out.write_text(json.dumps({"ultralytics": ultralytics.__version__, "cases": results}, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
