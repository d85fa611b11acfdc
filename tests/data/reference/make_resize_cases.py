#!/usr/bin/env python3
"""Writes pillow-bicubic-cases.json: Pillow's BICUBIC resize of synthetic RGB
images, as FNV-1a 64 hashes of the output bytes, for resize_test.cc.

Run with Pillow 9.4.0 (Debian 12 python3-pil) and numpy:
  /usr/bin/python3 make_resize_cases.py > pillow-bicubic-cases.json
The input image of a case is a pure function of (pattern, w, h) that the C++
test recomputes (see Pattern() in tests/core/models/preprocess/resize_test.cc).
"""
import json
import random

import numpy as np
import PIL
from PIL import Image


def pattern(kind, w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    chans = []
    for c in range(3):
        if kind == "noise":
            v = ((x * np.uint64(2654435761)) ^ (y * np.uint64(40503)) ^ np.uint64(c * 97)) & np.uint64(0xFFFFFFFF)
            v = (v >> np.uint64(5)) & np.uint64(255)
        else:  # "gradient": smooth with sharp edges
            v = (x * np.uint64(7) + y * np.uint64(3) + np.uint64(c * 50)) % np.uint64(256)
        chans.append(v.astype(np.uint8))
    return np.stack(chans, -1)


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    rng = random.Random(7)
    sizes = [(640, 427, 335, 224), (290, 442, 224, 341), (128, 128, 384, 384), (1, 1, 3, 2),
             (5, 3, 1, 1), (1000, 20, 37, 20), (20, 1000, 20, 9), (4000, 30, 298, 30)]
    for _ in range(16):
        sizes.append((rng.randint(1, 400), rng.randint(1, 400), rng.randint(1, 300), rng.randint(1, 300)))
    cases = []
    for i, (w, h, ow, oh) in enumerate(sizes):
        kind = "noise" if i % 2 else "gradient"
        out = Image.fromarray(pattern(kind, w, h), "RGB").resize((ow, oh), Image.BICUBIC)
        cases.append({"pattern": kind, "in": [w, h], "out": [ow, oh],
                      "fnv1a64": "%016x" % fnv1a64(np.asarray(out).tobytes())})
    print(json.dumps({"pillow": PIL.__version__, "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
