#!/usr/bin/python3
"""Prints the expected decode of every valid JPEG/PNG under tests/data/images.

Used to fill the kExpected tables in tests/core/image/decode_image_test.cc.
Reference: Pillow 9.4.0 (Debian 12 python3-pil), ImageOps.exif_transpose()
then convert("RGB"), which is what photoidx's DecodeImage() must produce.
One deliberate difference: 16-bit grayscale PNGs open in Pillow as mode "I"
and convert("RGB") clips them to 255; photoidx keeps the high byte (as Pillow
does for every other 16-bit PNG), so for those the reference is I >> 8.
The hash is 64-bit FNV-1a over the interleaved RGB bytes.
Run from tests/data/images:  /usr/bin/python3 pillow_reference.py
"""
import glob
import numpy as np
from PIL import Image, ImageOps


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def reference_rgb(path):
    im = Image.open(path)
    if im.mode == "I" and im.format == "PNG":  # 16-bit gray: high byte
        up = ImageOps.exif_transpose(im)
        a = (np.asarray(up).astype(np.int64) >> 8).astype(np.uint8)
        return np.repeat(a[:, :, None], 3, axis=2)
    return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def main():
    files = sorted(glob.glob("jpeg/*") + glob.glob("png/*") + glob.glob("other/*.mpo") +
                   glob.glob("orientation/*/*") + glob.glob("corrupt/misnamed/*"))
    for path in files:
        try:
            rgb = reference_rgb(path)
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"// {path}: Pillow cannot decode: {e}")
            continue
        h, w, _ = rgb.shape
        print(f'{{"{path}", {w}, {h}, 0x{fnv1a64(rgb.tobytes()):016x}ULL}},')


if __name__ == "__main__":
    main()
