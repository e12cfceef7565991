"""What h5py reads from the shared sign-digits files, for `convlab::data::h5` tests.

Run: python crate/tests/reference/sign_digits_h5_reference.py [DIR]
(DIR defaults to ../shared/data/sign-digits beside the repository). Writes
`sign_digits_h5.json` beside this script: shapes, a few pixels, the pixel sum and the
label counts per class for the train and test files.
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/data/sign-digits")

out = {}
for split in ("train", "test"):
    with h5py.File(os.path.join(DIR, f"{split}_sign_digits.h5"), "r") as f:
        x = f[f"{split}_set_x"][:]
        y = f[f"{split}_set_y"][:]
        c = f["list_classes"][:]
    m = x.shape[0]
    picks = [(0, 0, 0, 0), (0, 32, 32, 1), (5, 10, 20, 2), (m // 2, 63, 0, 0), (m - 1, 63, 63, 2)]
    out[split] = {
        "shape": list(x.shape),
        "pixel_sum": int(x.astype(np.int64).sum()),
        "pixels": [[i, r, col, ch, int(x[i, r, col, ch])] for (i, r, col, ch) in picks],
        "label_counts": [int(v) for v in np.bincount(y, minlength=len(c))],
        "first_labels": [int(v) for v in y[:10]],
        "classes": [int(v) for v in c],
    }
with open(os.path.join(HERE, "sign_digits_h5.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out, indent=1))
