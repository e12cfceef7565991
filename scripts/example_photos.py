"""The example photos of section 7 (www/examples/): a few sign-digit test photos as they
are, and three made harder from others of them: a small hand, an off-centre hand, a
turned hand. The photo is laid on a plain wall of its own border's median colour, its
edges faded into it over FADE pixels, and the forearm (where the bottom row is not wall)
continued down to the frame's edge, as in a real photo.

Run once: python3 scripts/example_photos.py [SIGN_DIGITS_DIR]  (numpy, Pillow)
The photos come from the Sign Language Digits Dataset (Apache License 2.0): see
www/examples/README.md and LICENSE. Writes www/examples/*.jpg and www/examples/index.json.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../shared/data/sign-digits")
OUT = os.path.join(HERE, "../www/examples")

PLAIN = [("sign0_1", 0), ("sign1_1", 1), ("sign2_1", 2), ("sign3_2", 3), ("sign4_1", 4), ("sign5_1", 5)]


def photo(name):
    return np.asarray(Image.open(os.path.join(SRC, "photos", name + ".jpg")).convert("RGB"))


FADE = 12


def placed(img, width, height, x, y):
    """`img` at (x, y) of a width x height frame of plain wall, the forearm continued down."""
    h, w, _ = img.shape
    img = img.astype(np.float64)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    wall = np.median(border, 0)
    frame = np.tile(wall, (height, width, 1))
    bottom = img[-1]
    arm = np.sqrt(((bottom - wall) ** 2).sum(1)) > 40
    frame[y + h:, x:x + w][:, arm] = bottom[arm]
    # Opacity of the photo: 1 inside, fading to 0 at its edges (not at the forearm's).
    ramp = lambda n: np.minimum(np.minimum(np.arange(n), np.arange(n)[::-1]) / FADE, 1)
    alpha = np.minimum.outer(ramp(h), ramp(w))
    alpha[h - FADE:, arm] = np.maximum(alpha[h - FADE:, arm], 1)
    alpha = alpha[..., None]
    frame[y:y + h, x:x + w] = alpha * img + (1 - alpha) * frame[y:y + h, x:x + w]
    return frame.round().clip(0, 255).astype(np.uint8)


def turned(img, degrees):
    """`img` on a larger wall, turned about its centre."""
    big = Image.fromarray(placed(img, 200, 200, 50, 50))
    big = big.rotate(degrees, resample=Image.BICUBIC)
    return np.asarray(big.crop((30, 30, 170, 170)))


def main():
    os.makedirs(OUT, exist_ok=True)
    photos = []
    for name, digit in PLAIN:
        Image.fromarray(photo(name)).save(os.path.join(OUT, name + ".jpg"), quality=90)
        photos.append({"file": name + ".jpg", "digit": digit, "caption": f"{digit} (a test photo)"})
    hard = [
        ("small_2.jpg", 2, "2, a small hand", placed(photo("sign2_2"), 240, 240, 70, 140)),
        ("offcentre_4.jpg", 4, "4, off-centre", placed(photo("sign4_2"), 240, 160, 10, 60)),
        ("turned_3.jpg", 3, "3, turned 30 degrees", turned(photo("sign3_1"), 30)),
    ]
    for file, digit, caption, img in hard:
        Image.fromarray(img).save(os.path.join(OUT, file), quality=90)
        photos.append({"file": file, "digit": digit, "caption": caption})
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"source": "Sign Language Digits Dataset (Apache License 2.0), see README.md and LICENSE", "photos": photos}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
