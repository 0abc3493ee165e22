#!/usr/bin/env python3
"""What Ultralytics' own predict gives for the bundled demo model on the bundled images.

Loads Demo/yolov8n-shapes.pt (the seed modules registered by seed_env.py) with
`ultralytics.YOLO` and predicts on every Demo/images/*.jpg at imgsz 320 (the checkpoint's
training size, which Ultralytics' predict takes from the checkpoint) and at 640 (LayerZoo's
default), conf 0.25, iou 0.7. Writes Tests/VisionTests/Resources/demo/predict.json: per case
the options and per image its boxes (xyxy, pixels of the original image), confidences,
classes, names and Ultralytics' verbose string. Tests/CLITests/DemoModelTests.swift runs
`layerzoo predict` on the same files and compares.

`--copy-images DATA_DIR` first copies the chosen held-out images (val split) into Demo/images and
their label files into Demo/labels.

Usage: /work/venv/bin/python scripts/demo/gen_demo_fixtures.py [--copy-images /tmp/lz24-data]
"""
import argparse
import json
import os
import pathlib
import shutil
import sys

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/demo"))
import seed_env  # noqa: E402

CHECKPOINT = ROOT / "Demo/yolov8n-shapes.pt"
IMAGES = ROOT / "Demo/images"
LABELS = ROOT / "Demo/labels"
OUT = ROOT / "Tests/VisionTests/Resources/demo"
HELD_OUT = ["val_0002", "val_0035", "val_0042", "val_0054", "val_0055"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copy-images", type=pathlib.Path)
    a = p.parse_args()
    if a.copy_images:
        IMAGES.mkdir(parents=True, exist_ok=True)
        LABELS.mkdir(parents=True, exist_ok=True)
        for stem in HELD_OUT:
            shutil.copy(a.copy_images / "images/val" / f"{stem}.jpg", IMAGES / f"{stem}.jpg")
            shutil.copy(a.copy_images / "labels/val" / f"{stem}.txt", LABELS / f"{stem}.txt")
    seed_env.install()
    from ultralytics import YOLO
    model = YOLO(str(CHECKPOINT))
    sources = sorted(p.name for p in IMAGES.glob("*.jpg"))
    cases = []
    for imgsz in (320, 640):
        images = []
        for src in sources:
            r = model.predict(str(IMAGES / src), imgsz=imgsz, conf=0.25, iou=0.7, verbose=False, save=False)[0]
            b = r.boxes
            images.append({"source": src, "orig_shape": list(r.orig_shape), "xyxy": b.xyxy.tolist(),
                           "conf": b.conf.tolist(), "cls": [int(c) for c in b.cls.tolist()],
                           "names": [r.names[int(c)] for c in b.cls.tolist()], "verbose": r.verbose()})
        cases.append({"imgsz": imgsz, "conf": 0.25, "iou": 0.7, "images": images})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "predict.json").write_text(json.dumps({"checkpoint": "Demo/yolov8n-shapes.pt", "cases": cases}, indent=1))
    for c in cases:
        print(c["imgsz"], [(i["source"], i["verbose"]) for i in c["images"]])


if __name__ == "__main__":
    main()
