"""PIL references for `convlab::data::preprocess` tests.

Run: python crate/tests/reference/preprocess_reference.py [SIGN_DIGITS_DIR]
Writes into crate/tests/fixtures/photos/:
- `orientations.json`: a 5x3 RGB picture with 15 distinct pixels, and what PIL's
  ImageOps.exif_transpose makes of it for EXIF orientations 1-8.
- `oblong.png` (150x90, smooth + sharp edges) and `oblong_box64.png`: its centre square
  crop resized to 64x64 by PIL with Image.BOX (an area average).
- `oblong_area64.png` and `signK_N_area64.png`: the same crops resized by an exact area
  average computed here with numpy (the filter ConvLab implements), rounded to bytes.
- `orient6.jpg`, `orient3.jpg`, `orient8.png`: small pictures carrying an EXIF orientation,
  for the EXIF reader.
- `huge_header.png`: a PNG claiming 10000x10000 pixels, with almost no pixel data.
- `signK_N_box64.png`: each shared 100x100 photo resized to 64x64 by PIL with Image.BOX.
"""
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "photos")
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/data/sign-digits")


def centre_square(im):
    w, h = im.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    return im.crop((left, top, left + s, top + s))


def area_matrix(n, out=64):
    """R (out x n): R[i, j] = the fraction of output pixel i's span that source pixel j
    covers. Counted exactly on a grid refined n*out times: refined position k lies in
    source pixel k // out and in output pixel k // n."""
    k = np.arange(n * out)
    r = np.zeros((out, n))
    np.add.at(r, (k // n, k // out), 1.0)
    return r / n


def area_resize(arr):
    """Exact area average of a square uint8 (s, s, 3) array to 64x64, rounded to uint8."""
    r = area_matrix(arr.shape[0])
    x = arr.astype(np.float64)
    out = np.einsum("ij,jkc,lk->ilc", r, x, r)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    # 1. Orientations on a tiny asymmetric picture.
    base = np.arange(5 * 3 * 3, dtype=np.uint8).reshape(3, 5, 3) * 5  # height 3, width 5
    out = {"width": 5, "height": 3, "pixels": base.reshape(-1).tolist(), "oriented": {}}
    for o in range(1, 9):
        im = Image.fromarray(base, "RGB")
        exif = im.getexif()
        exif[0x0112] = o
        im.info["exif"] = exif.tobytes()
        t = np.asarray(ImageOps.exif_transpose(im))
        out["oriented"][str(o)] = {"width": t.shape[1], "height": t.shape[0], "pixels": t.reshape(-1).tolist()}
    with open(os.path.join(OUT, "orientations.json"), "w") as f:
        json.dump(out, f)

    # 2. A non-square picture: centre crop then BOX resize.
    y, x = np.mgrid[0:90, 0:150]
    pic = np.zeros((90, 150, 3), dtype=np.uint8)
    pic[..., 0] = (x * 255 // 149).astype(np.uint8)
    pic[..., 1] = (y * 255 // 89).astype(np.uint8)
    pic[..., 2] = np.where(((x // 10) + (y // 10)) % 2 == 0, 230, 20)
    pic[40:50, :, :] = [250, 250, 0]  # a stripe through the middle
    pic[:, :30, :] = [255, 0, 0]      # left margin, which the crop must remove
    Image.fromarray(pic).save(os.path.join(OUT, "oblong.png"))
    ref = centre_square(Image.fromarray(pic)).resize((64, 64), Image.BOX)
    ref.save(os.path.join(OUT, "oblong_box64.png"))
    Image.fromarray(area_resize(np.asarray(centre_square(Image.fromarray(pic))))).save(
        os.path.join(OUT, "oblong_area64.png"))

    # 3. Files carrying EXIF orientation.
    small = Image.fromarray(pic[::6, ::6].copy())
    for o, name, fmt in [(6, "orient6.jpg", "JPEG"), (3, "orient3.jpg", "JPEG"), (8, "orient8.png", "PNG")]:
        exif = Image.Exif()
        exif[0x0112] = o
        small.save(os.path.join(OUT, name), fmt, exif=exif.tobytes())

    # A PNG header claiming 10000x10000 pixels (signature, IHDR, IEND; no pixel data).
    import struct, zlib
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(os.path.join(OUT, "huge_header.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10000, 10000, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))

    # 4. The shared photos, resized by PIL (its own JPEG decoder) with BOX.
    photos = os.path.join(DIR, "photos")
    for name in sorted(os.listdir(photos)):
        if name.endswith(".jpg"):
            im = ImageOps.exif_transpose(Image.open(os.path.join(photos, name)).convert("RGB"))
            centre_square(im).resize((64, 64), Image.BOX).save(
                os.path.join(OUT, name.replace(".jpg", "_box64.png")))
            Image.fromarray(area_resize(np.asarray(centre_square(im)))).save(
                os.path.join(OUT, name.replace(".jpg", "_area64.png")))
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):8d}  {name}")


if __name__ == "__main__":
    main()
