#!/usr/bin/env python3
"""Print the speed benchmark's table from the JSON lines that tests/bench/run.sh collects."""
import json
import statistics
import sys

GFLOP_PER_1117 = 7.25  # forward 1,606,016 MAC/image, backward without conv1's input gradient


def main(path):
    runs = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            runs[r["name"]] = r
    rows = []  # (label, seconds list, epochs trained, train acc, test acc, reference median)

    def add(label, r, ref=None, note=""):
        s = r.get("seconds") or []
        if s:
            rows.append((label, s, r.get("epochs"), r.get("train_accuracy"), r.get("test_accuracy"), ref, note))

    b = runs.get("browser")
    n = 1117
    if b and "error" not in b:
        n = b.get("train_size", n)
        cl = statistics.median(b["convlab"]["seconds"])
        add("ConvLab wasm (Chromium, 1 thread)", b["convlab"], cl)
        add("TF.js 4.22 wasm (SIMD, 1 thread)", b["tfjs_wasm"], cl, "+ hand-written filter gradient")
        if b.get("tfjs_cpu", {}).get("seconds"):
            ref = statistics.median(b["convlab_during_cpu"]["seconds"])
            add("TF.js 4.22 cpu", b["tfjs_cpu"], ref, f"ConvLab epochs between: {ref:.3f} s")
    elif b:
        print("browser run failed:", b["error"])
    nat = runs.get("convlab_native")
    if nat:
        n = nat.get("train_size", n)
        add("ConvLab native (1 thread)", nat, statistics.median(nat["seconds"]))
        for t in (1, 2):
            p = runs.get(f"pytorch_{t}t")
            if p:
                add(f"PyTorch {p['torch']} CPU ({t} thread{'s' if t > 1 else ''})", p,
                    statistics.median(nat["seconds"]))
    gflop = GFLOP_PER_1117 * n / 1117
    print()
    print(f"SIGNS network, {n} training images per epoch, batch 64, Adam lr 0.009; "
          f"{gflop:.2f} GFLOP per epoch")
    for k in ("load_start", "load_end"):
        if k in runs:
            print(f"{k.replace('_', ' at ')}: {runs[k]['load']} (1, 5, 15 min)")
    print()
    print("| run | s/epoch (median) | min-max | GFLOP/s | x ConvLab time | epochs | train acc | test acc | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, s, ep, tr, te, ref, note in rows:
        med = statistics.median(s)
        ratio = f"{med / ref:.2f}" if ref else ""
        acc = lambda a: f"{a:.3f}" if isinstance(a, (int, float)) else ""
        print(f"| {label} | {med:.3f} | {min(s):.3f}-{max(s):.3f} | {gflop / med:.1f} | {ratio} | "
              f"{ep} | {acc(tr)} | {acc(te)} | {note} |")
    for name, r in runs.items():
        if r.get("cpu_seconds") and r.get("threads") == 1:
            print(f"{name}: CPU seconds per epoch (median) {statistics.median(r['cpu_seconds']):.3f}")
    if b and "conv1_rates" in b:
        c = b["conv1_rates"]
        print(f"ConvLab wasm conv1 (batch 64) in Chromium: forward {c['forward_gmacs']:.2f} GMAC/s, "
              f"filter gradient {c['filter_grad_gmacs']:.2f} GMAC/s, input gradient {c['input_grad_gmacs']:.2f} GMAC/s")
    if b and "ratio_tfjs_wasm" in b:
        print(f"TF.js wasm / ConvLab wasm: {b['ratio_tfjs_wasm']:.2f}x"
              + (f"; TF.js cpu / ConvLab wasm: {b['ratio_tfjs_cpu']:.1f}x" if "ratio_tfjs_cpu" in b else ""))


if __name__ == "__main__":
    main(sys.argv[1])
