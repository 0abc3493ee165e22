#!/usr/bin/env python3
"""Export an Ultralytics/PyTorch checkpoint to the safetensors file `layerzoo run --weights` reads.

`layerzoo convert best.pt best.safetensors` does this without Python for every torch.save
checkpoint of PyTorch 1.6 or later (and `layerzoo run best.pt` needs no conversion at all);
this script is kept for the legacy pre-1.6 format, which LayerZoo does not read.

    python scripts/export_weights.py yolov8n.pt yolov8n.safetensors [--half]

The keys are the model's state_dict keys (model.<layer>.<name>, e.g. model.0.conv.weight,
model.22.dfl.conv.weight), exactly what LayerZoo expects for the same YAML. A .pt file from
Ultralytics holds the model under "ema" or "model"; a plain state_dict (.pt/.pth of tensors)
works too. Needs torch and safetensors (and ultralytics to unpickle Ultralytics checkpoints).
"""
import argparse

import torch
from safetensors.torch import save_file


def state_dict(path):
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(ckpt, dict):
        for key in ("ema", "model"):
            if ckpt.get(key) is not None:
                ckpt = ckpt[key]
                break
    if isinstance(ckpt, torch.nn.Module):
        return ckpt.float().state_dict()
    if isinstance(ckpt, dict) and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        return ckpt
    raise SystemExit(f"{path}: no model or state_dict found")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--half", action="store_true", help="store floating tensors as F16 (half the size)")
    args = parser.parse_args()
    sd = state_dict(args.checkpoint)
    tensors = {}
    for key, value in sd.items():
        value = value.detach().contiguous()
        if value.is_floating_point():
            value = value.half() if args.half else value.float()
        tensors[key] = value
    save_file(tensors, args.output)
    print(f"wrote {len(tensors)} tensors to {args.output}")


if __name__ == "__main__":
    main()
