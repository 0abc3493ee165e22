#!/usr/bin/env python3
"""Ultralytics' parameter counts and GFLOPs for the community corpus files LayerZoo accepts.

Builds each ../shared/corpus/community/*.yaml with Ultralytics, the seed modules'
reference PyTorch implementations (scripts/fixtures/seed_modules/) and the community modules'
twins (scripts/fixtures/community_modules/, their default variants overriding a seed module of
the same name) patched into parse_model (patched_ultralytics.py), at the scale Ultralytics picks (the name's letter, else the first),
640×640. Files that still fail to build (modules nobody here implements) are skipped.
Writes Tests/CorpusTests/Resources/corpus_counts.json.
"""
import json
import pathlib
import sys
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import patched_ultralytics  # noqa: E402
import yaml  # noqa: E402
from ultralytics.nn.tasks import DetectionModel, guess_model_scale  # noqa: E402
from ultralytics.utils.torch_utils import get_flops  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "community"


def main():
    known = patched_ultralytics.load_seed_modules()
    # Names the community means differently from the seeds: their default variants win.
    known.update(patched_ultralytics.load_community_modules())
    print("seed modules:", ", ".join(sorted(known)) or "none")
    out = {}
    for path in sorted(CORPUS.glob("*.yaml")):
        d = yaml.safe_load(path.read_text())
        d["scale"] = guess_model_scale(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = DetectionModel(d, ch=3, nc=d.get("nc"), verbose=False)
        except Exception as error:  # a module nobody here implements
            print(f"skip {path.name}: {type(error).__name__}: {error}")
            continue
        out[path.name] = {
            "parameters": sum(p.numel() for p in model.parameters()),
            "gflops": get_flops(model, 640),
        }
        print(path.name, out[path.name])
    target = ROOT / "Tests/CorpusTests/Resources/corpus_counts.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target.relative_to(ROOT)} ({len(out)} files)")


if __name__ == "__main__":
    main()
