#!/usr/bin/env python3
"""PyTorch (CPU) side of the speed benchmark: the SIGNS network of the assignment, trained
as ConvLab trains it, timed per epoch with 1 and 2 threads. Prints one JSON line per
thread count (wall seconds per epoch and, for one thread, CPU seconds, which other load on
a shared machine does not inflate).

    python tests/bench/pytorch_bench.py TRAIN.h5 TEST.h5 [--epochs 5] [--threads 1,2]

Network: conv 4x4x3x8 SAME -> ReLU -> maxpool 8/8 -> conv 2x2x8x16 SAME -> ReLU ->
maxpool 4/4 -> flatten (64, in NHWC order like TF) -> dense 6 -> softmax cross-entropy;
Glorot uniform weights, zero biases on the dense layer only (the convolutions have none, as
in the assignment), Adam lr 0.009, minibatches of 64 reshuffled every epoch.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F


def load(path, prefix):
    with h5py.File(path, "r") as f:
        x = np.array(f[f"{prefix}_set_x"], dtype=np.float32) / 255.0
        y = np.array(f[f"{prefix}_set_y"], dtype=np.int64).reshape(-1)
    # NHWC -> NCHW, PyTorch's layout.
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)


class Signs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.empty(8, 3, 4, 4))
        self.w2 = torch.nn.Parameter(torch.empty(16, 8, 2, 2))
        self.fc = torch.nn.Linear(64, 6)
        for w in (self.w1, self.w2, self.fc.weight):
            torch.nn.init.xavier_uniform_(w)
        torch.nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        # TF's SAME: total padding f - 1, the odd pixel after.
        a = F.relu(F.conv2d(F.pad(x, (1, 2, 1, 2)), self.w1))
        a = F.max_pool2d(a, 8, 8)
        a = F.relu(F.conv2d(F.pad(a, (0, 1, 0, 1)), self.w2))
        a = F.max_pool2d(a, 4, 4)
        return self.fc(a.permute(0, 2, 3, 1).reshape(a.shape[0], 64))


def epoch(model, opt, x, y, gen, batch=64):
    order = torch.randperm(x.shape[0], generator=gen)
    costs = []
    for s in range(0, x.shape[0], batch):
        idx = order[s:s + batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        costs.append(loss.item())
    return sum(costs) / len(costs)


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("train")
    p.add_argument("test")
    p.add_argument("--epochs", type=int, default=5, help="timed epochs, after one warm-up")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    xtr, ytr = load(a.train, "train")
    xte, yte = load(a.test, "test")
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        torch.manual_seed(a.seed)
        gen = torch.Generator().manual_seed(a.seed)
        model = Signs()
        opt = torch.optim.Adam(model.parameters(), lr=0.009, betas=(0.9, 0.999), eps=1e-8)
        wall, cpu, costs = [], [], []
        for e in range(a.epochs + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            cost = epoch(model, opt, xtr, ytr, gen)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            print(f"PyTorch {torch.__version__} {threads} thread(s) epoch {e + 1}: "
                  f"{dt:.3f} s wall, {dc:.2f} s CPU, cost {cost:.4f}", file=sys.stderr, flush=True)
            if e > 0:
                wall.append(dt)
                cpu.append(dc)
                costs.append(cost)
        print(json.dumps({
            "name": f"pytorch_{threads}t", "torch": torch.__version__, "threads": threads,
            "train_size": int(xtr.shape[0]), "epochs": a.epochs + 1, "seconds": wall,
            "cpu_seconds": cpu, "costs": costs,
            "train_accuracy": accuracy(model, xtr, ytr), "test_accuracy": accuracy(model, xte, yte),
        }), flush=True)


if __name__ == "__main__":
    main()
