#!/usr/bin/env python3
"""Synthetic, photo-like detection data set for LayerZoo's bundled demo model.

Scenes of 320×320 px: a textured background (gradients, blurred colour blobs, stripes, grain)
with 1–6 objects of five classes — circle, triangle, square, star and digit (a digit 0–9 in
one of the Debian DejaVu fonts) — each filled with a random colour or gradient, outlined or
not, scaled (16–110 px), rotated, sometimes partly occluded by clutter drawn over it, then
the whole scene blurred, lit unevenly and given sensor noise and JPEG artefacts.

Written in Ultralytics' data set layout: data.yaml, images/{train,val}/*.jpg and
labels/{train,val}/*.txt (`class cx cy w h`, normalised); the box is the tight box of the
object's visible-or-occluded pixels (the whole object, as a human annotator would draw it).
Seeded: the same arguments always give the same files.

Usage: /work/venv/bin/python scripts/demo/make_dataset.py OUT_DIR [--train 600] [--val 100] [--seed 24]
"""
import argparse
import math
import pathlib
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

NAMES = ["circle", "triangle", "square", "star", "digit"]
SIZE = 320
FONTS = pathlib.Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = ["DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf",
              "DejaVuSerif.ttf", "DejaVuSansCondensed-Bold.ttf"]


def colour(rng, lo=0, hi=255):
    return tuple(rng.randint(lo, hi) for _ in range(3))


def background(rng):
    """A textured background as float32 HxWx3 in [0, 255]."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    a, b = np.array(colour(rng), np.float32), np.array(colour(rng), np.float32)
    angle = rng.uniform(0, math.pi)
    t = (np.cos(angle) * x + np.sin(angle) * y)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    img = a * (1 - t[..., None]) + b * t[..., None]
    layer = Image.new("RGB", (SIZE, SIZE), (0, 0, 0))
    draw = ImageDraw.Draw(layer)
    kind = rng.random()
    if kind < 0.4:  # blurred blobs, like out-of-focus scenery
        for _ in range(rng.randint(6, 20)):
            cx, cy, r = rng.randint(0, SIZE), rng.randint(0, SIZE), rng.randint(10, 80)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour(rng))
        layer = layer.filter(ImageFilter.GaussianBlur(rng.uniform(6, 16)))
        w = rng.uniform(0.3, 0.7)
    elif kind < 0.7:  # stripes / planks
        step = rng.randint(8, 40)
        c1, c2 = colour(rng), colour(rng)
        for i in range(-SIZE, 2 * SIZE, step):
            draw.line([(i, 0), (i + rng.randint(-80, 80), SIZE)], fill=c1 if (i // step) % 2 else c2,
                      width=step // 2)
        layer = layer.filter(ImageFilter.GaussianBlur(rng.uniform(1, 4)))
        w = rng.uniform(0.2, 0.5)
    else:  # clutter of thin lines and small marks
        for _ in range(rng.randint(20, 60)):
            p = [(rng.randint(0, SIZE), rng.randint(0, SIZE)) for _ in range(2)]
            draw.line(p, fill=colour(rng), width=rng.randint(1, 4))
        layer = layer.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2)))
        w = rng.uniform(0.2, 0.5)
    img = img * (1 - w) + np.asarray(layer, np.float32) * w
    grain = np.asarray(Image.effect_noise((SIZE // 4, SIZE // 4), rng.uniform(10, 40))
                       .resize((SIZE, SIZE), Image.BICUBIC), np.float32) - 128
    return img + grain[..., None] * 0.3


def polygon(cls, s, rng):
    c = s / 2
    if cls == 1:
        return [(c + c * math.cos(a), c + c * math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    if cls == 2:
        return [(0, 0), (s - 1, 0), (s - 1, s - 1), (0, s - 1)]
    inner = rng.uniform(0.38, 0.5)
    pts = []
    for i in range(10):
        r = c if i % 2 == 0 else c * inner
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((c + r * math.cos(a), c + r * math.sin(a)))
    return pts


def sprite(cls, s, rng):
    """The object as an RGBA image of about s×s px (before rotation)."""
    pad = 4
    mask = Image.new("L", (s + 2 * pad, s + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    if cls == 0:
        draw.ellipse([pad, pad, pad + s - 1, pad + s - 1], fill=255)
    elif cls == 4:
        font = ImageFont.truetype(str(FONTS / rng.choice(FONT_FILES)), int(s * 1.25))
        text = str(rng.randint(0, 9))
        box = draw.textbbox((0, 0), text, font=font)
        draw.text((pad - box[0] + (s - (box[2] - box[0])) / 2, pad - box[1] + (s - (box[3] - box[1])) / 2),
                  text, font=font, fill=255)
    else:
        draw.polygon([(x + pad, y + pad) for x, y in polygon(cls, s, rng)], fill=255)
    w, h = mask.size
    a, b = np.array(colour(rng), np.float32), np.array(colour(rng), np.float32)
    if rng.random() < 0.5:
        b = a
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    fill = a * (1 - t) + b * t + np.zeros((h, w, 3), np.float32)
    rgba = np.dstack([np.clip(fill, 0, 255).astype(np.uint8), np.asarray(mask)])
    img = Image.fromarray(rgba, "RGBA")
    if rng.random() < 0.5:  # outline
        edge = mask.filter(ImageFilter.FIND_EDGES).filter(ImageFilter.MaxFilter(3))
        img.paste(Image.new("RGBA", img.size, colour(rng) + (255,)), (0, 0), edge)
    return img


def scene(rng):
    img = Image.fromarray(np.clip(background(rng), 0, 255).astype(np.uint8), "RGB")
    labels, taken = [], []
    for _ in range(rng.randint(1, 6)):
        cls = rng.randrange(len(NAMES))
        s = int(SIZE * math.exp(rng.uniform(math.log(0.05), math.log(0.34))))
        obj = sprite(cls, s, rng).rotate(rng.uniform(-40, 40) if cls == 4 else rng.uniform(0, 360),
                                          resample=Image.BICUBIC, expand=True)
        alpha = np.asarray(obj)[..., 3]
        ys, xs = np.nonzero(alpha > 96)
        if len(xs) == 0:
            continue
        w, h = obj.size
        for _ in range(20):  # place without covering more than a third of an earlier object
            x0, y0 = rng.randint(-w // 5, SIZE - w + w // 5), rng.randint(-h // 5, SIZE - h + h // 5)
            box = [max(x0 + xs.min(), 0), max(y0 + ys.min(), 0), min(x0 + xs.max() + 1, SIZE),
                   min(y0 + ys.max() + 1, SIZE)]
            if box[2] - box[0] < 6 or box[3] - box[1] < 6:
                continue
            if all(overlap(box, t) < 0.35 for t in taken):
                break
        else:
            continue
        shadow = Image.new("RGBA", obj.size, (0, 0, 0, 0))
        shadow.putalpha(Image.fromarray(alpha // 3).filter(ImageFilter.GaussianBlur(3)))
        img.paste(shadow, (x0 + 3, y0 + 3), shadow)
        img.paste(obj, (x0, y0), obj)
        taken.append(box)
        labels.append((cls, box))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(0, 4)):  # occluders: sticks and leaves drawn over the objects
        if rng.random() < 0.5:
            p = [(rng.randint(0, SIZE), rng.randint(0, SIZE)) for _ in range(2)]
            draw.line(p, fill=colour(rng), width=rng.randint(3, 10))
        else:
            cx, cy, r = rng.randint(0, SIZE), rng.randint(0, SIZE), rng.randint(5, 18)
            draw.ellipse([cx - r, cy - r // 2, cx + r, cy + r // 2], fill=colour(rng))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    arr = np.asarray(img, np.float32)
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    light = 1 + rng.uniform(-0.35, 0.35) * (x - 0.5) + rng.uniform(-0.35, 0.35) * (y - 0.5)
    arr = arr * light[..., None] * rng.uniform(0.7, 1.2)
    arr += np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(2, 12), arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), labels


def overlap(a, b):
    """Intersection over the smaller box's area."""
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / max(small, 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=pathlib.Path)
    p.add_argument("--train", type=int, default=600)
    p.add_argument("--val", type=int, default=100)
    p.add_argument("--seed", type=int, default=24)
    a = p.parse_args()
    for split, count, offset in (("train", a.train, 0), ("val", a.val, 1_000_000)):
        (a.out / "images" / split).mkdir(parents=True, exist_ok=True)
        (a.out / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            rng = random.Random(a.seed * 10_000_019 + offset + i)
            img, labels = scene(rng)
            stem = f"{split}_{i:04d}"
            img.save(a.out / "images" / split / f"{stem}.jpg", quality=rng.randint(70, 95))
            with open(a.out / "labels" / split / f"{stem}.txt", "w") as f:
                for cls, (x0, y0, x1, y1) in labels:
                    f.write(f"{cls} {(x0 + x1) / 2 / SIZE:.6f} {(y0 + y1) / 2 / SIZE:.6f} "
                            f"{(x1 - x0) / SIZE:.6f} {(y1 - y0) / SIZE:.6f}\n")
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(NAMES))
    (a.out / "data.yaml").write_text(f"# LayerZoo demo shapes, scripts/demo/make_dataset.py --seed {a.seed}\n"
                                     f"path: {a.out.resolve()}\ntrain: images/train\nval: images/val\n"
                                     f"nc: {len(NAMES)}\nnames:\n{names}\n")


if __name__ == "__main__":
    main()
