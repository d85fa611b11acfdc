#!/usr/bin/env python3
"""Derives a small exactness fixture from a large pixel_values reference.

The BLIP reference tensor (blip-384.pixel_values.safetensors, F32 [6,3,384,384],
10.6 MB) is too big for the repository. This script keeps, per image:
  * fnv1a64: FNV-1a 64-bit hash of the image's float32 little-endian bytes
    (3*384*384*4 bytes), stored as the int64 with the same bit pattern;
  * sha256:  SHA-256 of the same bytes (for humans and other tools);
  * indices/values: 2048 flat element indices (within the image, I32) and
    their float32 values: the four corners of every channel plus a seeded
    uniform sample.
Usage: make_pixel_sample.py IN.safetensors OUT.safetensors
Needs only Python 3 and numpy.
"""
import hashlib
import json
import struct
import sys

import numpy as np

SAMPLES = 2048


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32"
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + end], dtype="<f4").reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        dtype, arr = tensors[name]
        raw = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "photoidx-pixel-sample", "samples_per_image": str(SAMPLES)}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    pv = read_safetensors(sys.argv[1])["pixel_values"]
    n_img, c, hgt, wid = pv.shape
    per_image = c * hgt * wid
    rng = np.random.RandomState(20240601)
    corners = []
    for ch in range(c):
        for y, x in [(0, 0), (0, wid - 1), (hgt - 1, 0), (hgt - 1, wid - 1)]:
            corners.append((ch * hgt + y) * wid + x)
    idx, val, fnv, sha = [], [], [], []
    for i in range(n_img):
        flat = pv[i].reshape(-1).astype("<f4")
        raw = flat.tobytes()
        # FNV-1a over 1.7 MB in pure Python is slow but fine for a one-off script.
        fnv.append(np.array(fnv1a64(raw), dtype=np.uint64).view(np.int64))
        sha.append(np.frombuffer(hashlib.sha256(raw).digest(), dtype=np.uint8))
        pick = np.concatenate([corners, rng.randint(0, per_image, SAMPLES - len(corners))])
        idx.append(pick.astype("<i4"))
        val.append(flat[pick])
    write_safetensors(sys.argv[2], {
        "indices": ("I32", np.stack(idx)),
        "values": ("F32", np.stack(val)),
        "fnv1a64": ("I64", np.array(fnv, dtype="<i8")),
        "sha256": ("U8", np.stack(sha)),
        "shape": ("I64", np.array(pv.shape, dtype="<i8")),
    })


if __name__ == "__main__":
    main()
