#!/usr/bin/env python3
"""The bundled val set (Demo/shapes-val) and what Ultralytics' own `val` and metrics give on it.

1. Data: `make_dataset.py --train 0 --val 48 --seed 2425` (never trained on: the demo model was
   trained on seed 24), with two images in three stretched to other sizes (400x260 and 240x300
   px; the labels are normalised, so they stay exact) so that `load_image`'s resize (down and
   up), the letterbox and the `rect` batch shapes all do something. Written to
   Demo/shapes-val/{data.yaml, images/val, labels/val}.
2. `YOLO(Demo/yolov8n-shapes.pt).val(...)` at imgsz 320, batch 16, rect and not rect, conf
   0.001, iou 0.7, plots on (for the confusion matrix), on a copy of the set (Ultralytics
   writes a labels.cache beside the labels). Per class and overall P, R, mAP50, mAP50-95,
   images, instances, and the confusion matrix.
3. `ap_per_class`, `DetectionValidator.match_predictions` and `non_max_suppression` with
   `multi_label=True` on seeded random inputs.
4. `verify_image_label` on hostile label files (wrong field counts, class >= nc, coordinates
   outside [0, 1], duplicates, segments, empty, missing) and damaged images (no end marker,
   cut in half, bytes after the end, not an image, under 10 px): kept or dropped, the labels
   kept, Ultralytics' counters and message.

Writes Tests/DatasetTests/Resources/ultralytics-val.json, metrics.json, label-checks.json and
image-checks.json, and Tests/VisionTests/Resources/nms-multilabel.json.

Usage: /work/venv/bin/python scripts/demo/gen_val_fixtures.py
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/demo"))
import seed_env  # noqa: E402

CHECKPOINT = ROOT / "Demo/yolov8n-shapes.pt"
DATA = ROOT / "Demo/shapes-val"
OUT = ROOT / "Tests/DatasetTests/Resources"
SIZES = {1: (400, 260), 2: (240, 300)}  # image index % 3 -> (width, height)


def make_data():
    from PIL import Image
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "scripts/demo/make_dataset.py"), tmp, "--train", "0", "--val", "48",
                        "--seed", "2425"], check=True)
        if DATA.exists():
            shutil.rmtree(DATA)
        (DATA / "images/val").mkdir(parents=True)
        (DATA / "labels/val").mkdir(parents=True)
        for i, src in enumerate(sorted((pathlib.Path(tmp) / "images/val").glob("*.jpg"))):
            im = Image.open(src)
            if i % 3 in SIZES:
                im = im.convert("RGB").resize(SIZES[i % 3], Image.BILINEAR)
                im.save(DATA / "images/val" / src.name, quality=88)
            else:
                shutil.copy(src, DATA / "images/val" / src.name)
            shutil.copy(pathlib.Path(tmp) / "labels/val" / (src.stem + ".txt"), DATA / "labels/val" / (src.stem + ".txt"))
    (DATA / "data.yaml").write_text(
        "# LayerZoo demo shapes: 48 held-out images (scripts/demo/gen_val_fixtures.py)\n"
        "train: images/val\nval: images/val\nnames:\n"
        + "".join(f"  {i}: {n}\n" for i, n in enumerate(["circle", "triangle", "square", "star", "digit"])))


def run_val(rect):
    from ultralytics import YOLO
    with tempfile.TemporaryDirectory() as tmp:
        data = pathlib.Path(tmp) / "data"
        shutil.copytree(DATA, data)
        model = YOLO(str(CHECKPOINT))
        v = model.val(data=str(data / "data.yaml"), imgsz=320, batch=16, rect=rect, conf=0.001, iou=0.7, plots=True,
                      project=tmp, name="val", verbose=True, device="cpu", workers=0)
        box = v.box
        classes = []
        for i, c in enumerate(box.ap_class_index):
            p, r, ap50, ap = box.class_result(i)
            classes.append({"class": int(c), "name": v.names[int(c)], "images": int(v.nt_per_image[c]),
                            "instances": int(v.nt_per_class[c]), "p": float(p), "r": float(r), "map50": float(ap50),
                            "map": float(ap)})
        mp, mr, map50, mp95 = box.mean_results()
        return {"rect": rect, "imgsz": 320, "batch": 16, "conf": 0.001, "iou": 0.7,
                "all": {"instances": int(v.nt_per_class.sum()), "p": float(mp), "r": float(mr), "map50": float(map50),
                        "map": float(mp95)},
                "classes": classes, "confusion_matrix": v.confusion_matrix.matrix.tolist()}


def metrics_cases():
    from ultralytics.engine.validator import BaseValidator
    from ultralytics.utils.metrics import ap_per_class, box_iou
    import torch
    rng = np.random.default_rng(28)
    ap_cases = []
    for k in range(12):
        n, nc = int(rng.integers(0, 160)), int(rng.integers(1, 7))
        tp = rng.random((n, 10)) < np.sort(rng.random(10))[::-1] * 0.8
        tp = np.cumprod(tp, axis=1).astype(bool)  # correct at a stricter IoU implies correct at a looser one
        conf = rng.permutation(n).astype(np.float64) / max(n, 1) * 0.98 + 0.01  # distinct
        pred_cls = rng.integers(0, nc, n).astype(np.float64)
        target_cls = rng.integers(0, nc if k % 4 else max(nc - 1, 1), int(rng.integers(1, 120))).astype(np.float64)
        r = ap_per_class(tp, conf, pred_cls, target_cls)
        ap_cases.append({"tp": tp.astype(int).tolist(), "conf": conf.tolist(), "pred_cls": pred_cls.astype(int).tolist(),
                         "target_cls": target_cls.astype(int).tolist(), "p": r[2].tolist(), "r": r[3].tolist(),
                         "f1": r[4].tolist(), "ap": r[5].tolist(), "classes": r[6].tolist(),
                         "f1_curve_mean": r[9].mean(0).tolist() if len(r[6]) else []})
    validator = BaseValidator.__new__(BaseValidator)
    validator.iouv = torch.linspace(0.5, 0.95, 10)
    match_cases = []
    for k in range(16):
        m, n = int(rng.integers(0, 12)), int(rng.integers(0, 25))
        centres = rng.random((m, 2)) * 100
        gt = np.concatenate([centres, centres + 5 + rng.random((m, 2)) * 30], 1).astype(np.float32)
        base = gt[rng.integers(0, max(m, 1), n)] if m else rng.random((n, 4)).astype(np.float32) * 100
        pred = (base + rng.normal(0, 3, (n, 4))).astype(np.float32)
        pred[:, 2:] = np.maximum(pred[:, 2:], pred[:, :2] + 1)
        gt_cls = rng.integers(0, 3, m).astype(np.float32)
        pred_cls = rng.integers(0, 3, n).astype(np.float32)
        if m and n:
            iou = box_iou(torch.from_numpy(gt), torch.from_numpy(pred))
            correct = validator.match_predictions(torch.from_numpy(pred_cls), torch.from_numpy(gt_cls), iou)
            correct = correct.numpy()
        else:
            correct = np.zeros((n, 10), bool)
        match_cases.append({"gt": gt.tolist(), "gt_cls": gt_cls.astype(int).tolist(), "pred": pred.tolist(),
                            "pred_cls": pred_cls.astype(int).tolist(), "correct": correct.astype(int).tolist()})
    return {"ap_per_class": ap_cases, "match_predictions": match_cases}


LABEL_CASES = {
    "good": "0 0.5 0.5 0.2 0.2\n3 0.25 0.75 0.1 0.3\n",
    "four_fields": "0 0.5 0.5 0.2\n",
    "six_fields": "0 0.5 0.5 0.2 0.2 0.9\n",
    "ragged": "0 0.5 0.5 0.2 0.2\n1 0.5 0.5\n",
    "class_too_big": "5 0.5 0.5 0.2 0.2\n",
    "class_not_integer": "1.5 0.5 0.5 0.2 0.2\n",
    "negative_class": "-1 0.5 0.5 0.2 0.2\n",
    "over_one": "0 1.2 0.5 0.2 0.2\n",
    "within_tolerance": "0 1.005 0.5 0.2 0.2\n",
    "slightly_negative_xy": "0 -0.005 0.5 0.2 0.2\n",
    "negative_wh": "0 0.5 0.5 -0.005 0.2\n",
    "very_negative": "0 -0.5 0.5 0.2 0.2\n",
    "duplicates": "2 0.5 0.5 0.2 0.2\n0 0.3 0.3 0.1 0.1\n2 0.5 0.5 0.2 0.2\n",
    "segment": "1 0.1 0.1 0.4 0.1 0.4 0.5 0.1 0.5\n",
    "segment_and_box": "1 0.1 0.1 0.4 0.1 0.4 0.5\n0 0.5 0.5 0.2 0.2\n",
    "empty": "",
    "blank_lines": "\n  \n",
    "not_a_number": "0 0.5 abc 0.2 0.2\n",
    "bom": "\ufeff0 0.5 0.5 0.2 0.2\n",
    "crlf_and_tabs": "0 0.5 0.5 0.2 0.2\r\n1\t0.3 0.3  0.1 0.1\r\n",
    "old_mac_lines": "0 0.5 0.5 0.2 0.2\r1 0.3 0.3 0.1 0.1\r",
    "exponent": "0 5e-1 0.5 2E-1 0.2\n",
    "nan": "0 nan 0.5 0.2 0.2\n",
    "missing": None,
}


def label_cases():
    from PIL import Image
    from ultralytics.data.utils import verify_image_label
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        image = pathlib.Path(tmp) / "images" / "a.jpg"
        image.parent.mkdir()
        Image.new("RGB", (64, 48), (90, 120, 150)).save(image)
        for name, text in LABEL_CASES.items():
            label = pathlib.Path(tmp) / "labels" / f"{name}.txt"
            label.parent.mkdir(exist_ok=True)
            if text is not None:
                label.write_text(text, encoding="utf-8")
            r = verify_image_label((str(image), str(label), "", False, 5, 0, 0, False))
            kept = r[0] is not None
            out[name] = {"text": text, "kept": kept, "labels": r[1].tolist() if kept else None,
                         "missing": r[5], "found": r[6], "empty": r[7], "corrupt": r[8], "message": r[9]}
    return out


def nms_cases():
    """non_max_suppression with multi_label=True (as val calls it) on random raw predictions."""
    import torch
    from ultralytics.utils import nms as unms
    g = torch.Generator().manual_seed(28)
    cases = []
    for nc, n, conf, iou, agnostic, max_det in [(3, 300, 0.001, 0.7, False, 300), (5, 400, 0.05, 0.6, False, 40),
                                                 (4, 300, 0.01, 0.7, True, 300), (1, 200, 0.001, 0.7, False, 300)]:
        xy = torch.randint(0, 200 * 64, (2, 2, n), generator=g).float() / 64  # exact in float32, short in JSON
        wh = torch.randint(2 * 64, 62 * 64, (2, 2, n), generator=g).float() / 64
        scores = torch.rand(2, nc, n, generator=g) ** 3
        pred = torch.cat([xy, wh, scores], 1)
        out = unms.non_max_suppression(pred.clone(), conf, iou, None, agnostic, multi_label=True, max_det=max_det)
        cases.append({"conf": conf, "iou": iou, "agnostic": agnostic, "max_det": max_det, "shape": list(pred.shape),
                      "pred": " ".join(f"{v:.9g}" for v in pred.reshape(-1).tolist()),
                      "out": [[[float(f"{v:.9g}") for v in row] for row in o.tolist()] for o in out]})
    return cases


IMAGE_CASES = {  # how each test image is made from Demo/shapes-val/images/val/val_0000.jpg
    "complete": lambda d: d,
    "no_end_marker": lambda d: d[:-2],
    "half": lambda d: d[:len(d) // 2],
    "trailing_bytes": lambda d: d + b"garbage",
    "not_an_image": lambda d: b"hello, world",
}


def image_cases():
    """verify_image_label on damaged JPEGs (and a 9x8 PNG): kept or dropped, counters."""
    from PIL import Image
    from ultralytics.data.utils import verify_image_label
    source = (DATA / "images/val/val_0000.jpg").read_bytes()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "images").mkdir()
        (pathlib.Path(tmp) / "labels").mkdir()
        files = {name: f"{name}.jpg" for name in IMAGE_CASES}
        for name, make in IMAGE_CASES.items():
            (pathlib.Path(tmp) / "images" / files[name]).write_bytes(make(source))
        Image.new("RGB", (9, 8)).save(pathlib.Path(tmp) / "images/tiny.png")
        files["tiny"] = "tiny.png"
        for name, file in files.items():
            label = pathlib.Path(tmp) / "labels" / (pathlib.Path(file).stem + ".txt")
            label.write_text("0 0.5 0.5 0.2 0.2\n")
            r = verify_image_label((str(pathlib.Path(tmp) / "images" / file), str(label), "", False, 5, 0, 0, False))
            out[name] = {"kept": r[0] is not None, "found": r[6], "corrupt": r[8], "message": r[9]}
    return out


def main():
    make_data()
    seed_env.install()
    OUT.mkdir(parents=True, exist_ok=True)
    results = [run_val(True), run_val(False)]
    (OUT / "ultralytics-val.json").write_text(json.dumps(results, indent=1) + "\n")
    (OUT / "metrics.json").write_text(json.dumps(metrics_cases()) + "\n")
    (OUT / "label-checks.json").write_text(json.dumps(label_cases(), indent=1) + "\n")
    (OUT / "image-checks.json").write_text(json.dumps(image_cases(), indent=1) + "\n")
    (ROOT / "Tests/VisionTests/Resources/nms-multilabel.json").write_text(json.dumps(nms_cases()) + "\n")


if __name__ == "__main__":
    main()
