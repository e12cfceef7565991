"""The cross-camera validation set: the 120 sign-digit test photos re-rendered once, as if
another photographer had taken them with another camera (issue 13, item 1a).

Run: python crate/tests/reference/cross_camera.py [SIGN_DIGITS_DIR]
(DIR defaults to ../shared/data/sign-digits beside the repository; needs numpy, Pillow
and h5py from PyPI). Writes crate/tests/fixtures/cross_camera/signK_NNN.jpg (K the digit,
NNN the photo's index in test_sign_digits.h5) and cross_camera.json (what each photo got).
The output is frozen in the repository: tests and `hand_eval eval` read those files, they
never run this script.

On purpose this is NOT the training augmentation (`convlab::data::augment`): another
language, another code path, another seed, and other ranges. What each photo gets, in
this order (one seeded generator, photos in file order):
- the background continued beyond the 64x64 picture (the plain wall's colour) and the forearm continued to the frame's edge where it
  leaves the picture, along its own direction;
- on one photo in three, another skin tone (the hand darkened and warmed through a soft
  foreground mask);
- the picture evenly lit (the wall's fitted light divided out) and a gentle linear
  gradient of light across the frame;
- a frame of 96x96, 128x96 or 96x128 pixels in which the hand's box is 50-75% of the
  short side, turned 20-45 degrees either way about its centre, moved up to 8% off
  centre, seen slightly from the side (squeezed to 80-100% across) and with a mild
  perspective (each corner moved up to 4% of the side);
- warmer or cooler light (a white-balance shift), exposure and gamma, saturation;
- a Gaussian blur of radius 0.5-1.1 pixels, sensor noise, JPEG quality 55-65.
"""
import json
import os
import sys

import h5py
import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "cross_camera")
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/data/sign-digits")
SEED = 20131
SCENE = 4  # the extended scene is SCENE x 64 pixels a side, the picture in its middle


def foreground_mask(img):
    """Soft mask (64, 64) in [0, 1] of the hand and forearm against the plain light wall,
    and the wall's smooth colour model (a per-channel quadratic in x and y)."""
    x = img.astype(np.float64)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    # The wall is grey (channels close) and light; skin is warmer (red above blue) or darker.
    chroma = np.maximum(r - b, 0) + 0.5 * np.abs(r - g)
    wall = (chroma < 18) & (x.mean(2) > 70)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0 - 0.5
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, yy * yy, xx * yy], -1)
    if wall.sum() < 200:  # almost no wall seen: fall back to the brightest border pixels
        wall = np.zeros_like(wall)
        wall[[0, -1], :] = True
        wall[:, [0, -1]] = True
    coef, *_ = np.linalg.lstsq(basis[wall], x[wall], rcond=None)
    model = basis @ coef
    dist = np.sqrt(((x - model) ** 2).sum(2))
    mask = np.clip((dist - 20.0) / 30.0, 0, 1)
    m = Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.MedianFilter(3))
    m = m.filter(ImageFilter.GaussianBlur(0.7))
    return np.asarray(m, np.float64) / 255.0, coef


def flat_field(img, coef):
    """The picture lit evenly: the wall's fitted light (bright in the middle, darker in
    the corners in these photos) divided out, so the wall becomes one plain colour, the
    median of its fit. Returns the picture (float) and that colour."""
    yy, xx = np.mgrid[0:64, 0:64] / 63.0 - 0.5
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, yy * yy, xx * yy], -1)
    model = np.maximum(basis @ coef, 20.0)
    colour = np.median(model.reshape(-1, 3), 0)
    gain = np.clip(colour / model, 0.7, 1.6)
    return img.astype(np.float64) * gain, colour


def extend(img, mask, coef, rng):
    """The picture, evenly lit, in the middle of a SCENE times larger scene: the plain wall
    continued outside, and where the hand or forearm touches an edge, that strip
    continued outwards along the direction it has near the edge."""
    n = 64 * SCENE
    off = (n - 64) // 2
    x, colour = flat_field(img, coef)
    scene = np.tile(colour, (n, n, 1))
    alpha = np.zeros((n, n))
    # Each edge: which strip leaves there, and its drift per pixel outwards.
    for edge in ("bottom", "top", "left", "right"):
        if edge == "bottom":
            line, m_line, m_inner = x[63], mask[63], mask[52]
        elif edge == "top":
            line, m_line, m_inner = x[0], mask[0], mask[11]
        elif edge == "left":
            line, m_line, m_inner = x[:, 0], mask[:, 0], mask[:, 11]
        else:
            line, m_line, m_inner = x[:, 63], mask[:, 63], mask[:, 52]
        if m_line.sum() < 4:
            continue
        idx = np.arange(64)
        c_edge = (idx * m_line).sum() / m_line.sum()
        c_inner = (idx * m_inner).sum() / max(m_inner.sum(), 1e-6) if m_inner.sum() > 2 else c_edge
        drift = np.clip((c_edge - c_inner) / 11.0, -0.6, 0.6)
        for d in range(1, off + 1):
            src = idx - drift * d  # the position on the edge line that continues here
            src_i = np.clip(np.round(src).astype(int), 0, 63)
            valid = (src >= -0.5) & (src <= 63.5)
            a = m_line[src_i] * valid
            col = line[src_i]
            # Slight darkening along the arm (less light away from the hand).
            col = col * (1.0 - 0.0015 * d)
            if edge == "bottom":
                sl = (off + 63 + d, off + idx)
            elif edge == "top":
                sl = (off - d, off + idx)
            elif edge == "left":
                sl = (off + idx, off - d)
            else:
                sl = (off + idx, off + 63 + d)
            scene[sl] = a[:, None] * col + (1 - a[:, None]) * scene[sl]
            alpha[sl] = np.maximum(alpha[sl], a)
    scene[off:off + 64, off:off + 64] = x
    alpha[off:off + 64, off:off + 64] = mask
    # A little texture on the continued wall, so it is not smoother than the photo.
    scene += rng.normal(0, 1.5, scene.shape) * (1 - alpha[..., None])
    return scene, alpha, off


def perspective_coeffs(dst, src):
    """PIL PERSPECTIVE coefficients mapping output corners `dst` to scene points `src`."""
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = np.array(src, np.float64).reshape(8)
    return np.linalg.solve(np.array(a, np.float64), rhs)


def render(img, rng):
    info = {}
    mask, coef = foreground_mask(img)
    scene, alpha, off = extend(img, mask, coef, rng)
    # Another skin tone on one photo in three.
    if rng.random() < 1 / 3:
        k = rng.uniform(0.55, 0.8)
        tone = np.array([k * 1.05, k * 0.92, k * 0.85])
        scene = scene * (1 - alpha[..., None]) + scene * tone * alpha[..., None]
        info["skin"] = round(float(k), 3)
    # The frame.
    w, h = [(96, 96), (128, 96), (96, 128)][rng.integers(3)]
    short = min(w, h)
    ys, xs = np.nonzero(mask > 0.5)
    if len(ys) == 0:
        ys, xs = np.array([0, 63]), np.array([0, 63])
    # The hand's box, ignoring the forearm rows at the bottom edge (the lowest 15%).
    keep = ys < ys.min() + 0.85 * (ys.max() - ys.min() + 1)
    y0, y1, x0, x1 = ys[keep].min(), ys[keep].max(), xs[keep].min(), xs[keep].max()
    hand = max(y1 - y0, x1 - x0) + 1
    frac = rng.uniform(0.5, 0.75)
    scale = frac * short / hand  # output pixels per picture pixel
    angle = np.deg2rad(rng.uniform(20, 45) * rng.choice([-1, 1]))
    squeeze = rng.uniform(0.8, 1.0)
    shift = rng.uniform(-0.08, 0.08, 2) * np.array([w, h])
    centre_scene = np.array([(x0 + x1) / 2 + off, (y0 + y1) / 2 + off])
    centre_out = np.array([w / 2, h / 2]) + shift
    cos, sin = np.cos(angle), np.sin(angle)

    def to_scene(p):
        d = (np.array(p, np.float64) - centre_out)
        # Undo rotation, then the squeeze across, then the scale.
        u = cos * d[0] + sin * d[1]
        v = -sin * d[0] + cos * d[1]
        return centre_scene + np.array([u / (scale * squeeze), v / scale])

    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    jitter = rng.uniform(-0.04, 0.04, (4, 2)) * short
    src = [to_scene(np.array(c) + j) for c, j in zip(corners, jitter)]
    coeffs = perspective_coeffs(corners, src)
    pic = Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8))
    out = np.asarray(pic.transform((w, h), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC), np.float64)
    info.update(size=[w, h], hand_frac=round(float(frac), 3), angle=round(float(np.rad2deg(angle)), 1),
                squeeze=round(float(squeeze), 3), shift=[round(float(s), 1) for s in shift])
    # Light: white balance (warmer mostly, cooler sometimes), exposure, gamma, saturation.
    temp = rng.uniform(-0.06, 0.16)
    wb = np.array([1 + temp, 1 + 0.25 * temp, 1 - temp]) * rng.uniform(0.97, 1.03, 3)
    exposure = rng.uniform(0.85, 1.12)
    gamma = rng.uniform(0.85, 1.2)
    sat = rng.uniform(0.8, 1.35)
    gx, gy = rng.uniform(-0.15, 0.15, 2)
    oy, ox = np.mgrid[0:h, 0:w]
    light = 1 + gx * (ox / w - 0.5) + gy * (oy / h - 0.5)
    v = np.clip(out / 255.0 * wb * exposure * light[..., None], 0, 1) ** gamma
    grey = v.mean(2, keepdims=True)
    v = np.clip(grey + (v - grey) * sat, 0, 1)
    info.update(warmth=round(float(temp), 3), exposure=round(float(exposure), 3),
                gamma=round(float(gamma), 3), saturation=round(float(sat), 3))
    # Camera: blur, noise, JPEG.
    blur = rng.uniform(0.5, 1.1)
    img = Image.fromarray((v * 255).round().astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
    noise = rng.uniform(1.5, 4.5)
    arr = np.asarray(img, np.float64) + rng.normal(0, noise, (h, w, 1)) + rng.normal(0, noise / 2, (h, w, 3))
    quality = int(rng.integers(55, 66))
    info.update(blur=round(float(blur), 2), noise=round(float(noise), 2), jpeg=quality)
    return Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8)), quality, info


def main():
    with h5py.File(os.path.join(DIR, "test_sign_digits.h5"), "r") as f:
        x = f["test_set_x"][:]
        y = f["test_set_y"][:]
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    record = {"seed": SEED, "source": "test_sign_digits.h5", "photos": []}
    total = 0
    for i, (img, label) in enumerate(zip(x, y)):
        pic, quality, info = render(img, rng)
        name = f"sign{int(label)}_{i:03d}.jpg"
        path = os.path.join(OUT, name)
        pic.save(path, quality=quality, optimize=True)
        total += os.path.getsize(path)
        record["photos"].append({"file": name, "label": int(label), "index": i, **info})
    with open(os.path.join(OUT, "cross_camera.json"), "w") as f:
        json.dump(record, f, indent=0)
    print(f"{len(x)} photos, {total} bytes, in {OUT}")


if __name__ == "__main__":
    main()
