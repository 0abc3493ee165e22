#!/usr/bin/env python3
"""Train LayerZoo's bundled demo model (Demo/yolov8n-shapes.yaml) with Ultralytics on the CPU.

The seed modules (scripts/fixtures/seed_modules: ScConv, C2f_ScConv, C2f_DBB, ...) are patched
into Ultralytics' parse_model as scripts/reference/patched_ultralytics.py does, and registered
as the importable modules `seed_modules.<file>` so that the checkpoint's pickled classes can be
loaded again by scripts/demo/*.py (LayerZoo reads checkpoints without Python and needs none of
this). Ultralytics' trainer ends with `strip_optimizer`: best.pt holds the EMA model in F16,
no optimizer.

Reproduce (about 30 minutes on a shared 2-core machine; the 0.5-hour cap ends it):
    /work/venv/bin/python scripts/demo/make_dataset.py /tmp/lz24-data            # seed 24, 600/100
    nice -n 10 /work/venv/bin/python scripts/demo/train.py /tmp/lz24-data/data.yaml \
        --project /tmp/lz24-runs --epochs 30 --time 0.5
    cp /tmp/lz24-runs/shapes/weights/best.pt Demo/yolov8n-shapes.pt

`--time` (hours) caps the wall time as Ultralytics' `time=` does (it re-plans the epochs after
the first one), so the epoch count reached is printed in the run's results.csv.
"""
import argparse
import os
import pathlib
import sys

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/demo"))
import seed_env  # noqa: E402

MODEL = ROOT / "Demo/yolov8n-shapes.yaml"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", help="data.yaml written by make_dataset.py")
    p.add_argument("--project", default="/tmp/lz24-runs")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--time", type=float, default=None, help="hours; caps the wall time")
    p.add_argument("--imgsz", type=int, default=320)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    seed_env.install()
    from ultralytics import YOLO
    model = YOLO(str(MODEL))
    extra = {"time": a.time} if a.time else {}
    model.train(data=a.data, epochs=a.epochs, imgsz=a.imgsz, batch=a.batch, device="cpu", workers=2,
                seed=a.seed, deterministic=True, project=a.project, name="shapes", exist_ok=True,
                plots=False, amp=False, patience=100, **extra)


if __name__ == "__main__":
    main()
