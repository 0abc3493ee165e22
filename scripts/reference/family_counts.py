#!/usr/bin/env python3
"""Parameter counts and GFLOPs Ultralytics gives for every stock model file of YOLOv9, YOLOv10
and YOLO12 (their backbone modules: Plugins/Standard/{GELAN,RepConv,YOLOv10,A2C2f}; task_counts.py's HAVE lists them), and for
LayerZoo's own test model of the modules no stock file writes as a row
(Tests/BackboneFamilyTests/Resources/models/layerzoo-reparam.yaml).

Output: Tests/BackboneFamilyTests/Resources/family_counts.json, in task_counts.py's format (it
reuses that script's counting): per file its text and, at every scale, the parameters (total and
per layer) and GFLOPs at 640 (classification also at 224). Files needing a module LayerZoo lacks
are kept with `"supported": false` and the modules missing.

Usage (a venv with ultralytics): python scripts/reference/family_counts.py
"""
import json
import pathlib
import sys

import ultralytics
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from task_counts import CFG, HAVE, HEADS, ROOT, counts, head_of  # noqa: E402

OUT = ROOT / "Tests/BackboneFamilyTests/Resources/family_counts.json"
FAMILIES = ["v9", "v10", "12"]
CUSTOM = [ROOT / "Tests/BackboneFamilyTests/Resources/models/layerzoo-reparam.yaml"]


def main():
    files = []
    paths = [p for family in FAMILIES for p in sorted((CFG / family).glob("*.yaml"))] + CUSTOM
    for path in paths:
        d = yaml.safe_load(path.read_text())
        task = HEADS.get(head_of(d), "detect")
        modules = {row[2] for row in d["backbone"] + d["head"]}
        missing = sorted(modules - HAVE)
        folder = "custom" if path in CUSTOM else path.parent.name
        entry = {"file": f"{folder}/{path.name}", "task": task, "head": head_of(d), "supported": not missing,
                 "missing": missing, "text": path.read_text(), "cases": []}
        sizes = [[224, 224], [640, 640]] if task == "classify" else [[640, 640]]
        for scale in list(d.get("scales", {}) or [None]):
            for imgsz in sizes:
                entry["cases"].append(counts(d, task, scale, imgsz))
                c = entry["cases"][-1]
                print(entry["file"], scale, imgsz, c["parameters"], round(c["gflops"], 4), f"(missing {missing})" if missing else "")
        files.append(entry)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"ultralytics": ultralytics.__version__, "files": files}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
