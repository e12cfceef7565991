# The course's SIGNS ConvNet written out in NumPy, to check that a data set is learnable
# by the default network before the Rust engine exists (and to compare with it later):
# CONV 4x4x8 s1 SAME -> ReLU -> MAXPOOL 8 s8 -> CONV 2x2x16 s1 SAME -> ReLU -> MAXPOOL 4 s4
# -> FLATTEN 64 -> FC 6 -> softmax cross-entropy; Glorot uniform, no conv biases,
# Adam lr 0.009 (0.9, 0.999, 1e-8), minibatches of 64 reshuffled each epoch.
# Gradients were checked against central differences.
#
# Data: raw files from `cargo run -p convlab --release --example dump_synthetic /tmp`
# (or the same layout made from the .h5 files with h5py, prefix `real_`).
# Usage: python signs_convnet_numpy.py SEED EPOCHS [PREFIX]     (pip install numpy)
# Set OPENBLAS_NUM_THREADS=1 on a shared machine. About 10-30 s per epoch.
import numpy as np, sys, time
from numpy.lib.stride_tricks import sliding_window_view as swv
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
PREFIX = sys.argv[3] if len(sys.argv) > 3 else '/tmp/synth_'
X = np.fromfile(PREFIX + 'train.bin', np.uint8).reshape(-1, 64, 64, 3).astype(np.float32) / 255
Y = np.fromfile(PREFIX + 'train_y.bin', np.uint8).astype(int)
Xt = np.fromfile(PREFIX + 'test.bin', np.uint8).reshape(-1, 64, 64, 3).astype(np.float32) / 255
Yt = np.fromfile(PREFIX + 'test_y.bin', np.uint8).astype(int)
rng = np.random.default_rng(seed)
def glorot(shape, fan_in, fan_out):
    lim = np.sqrt(6 / (fan_in + fan_out)); return rng.uniform(-lim, lim, shape).astype(np.float32)
P = {'W1': glorot((4, 4, 3, 8), 48, 128), 'W2': glorot((2, 2, 8, 16), 32, 64),
     'W3': glorot((64, 6), 64, 6), 'b3': np.zeros(6, np.float32)}
M = {k: np.zeros_like(v) for k, v in P.items()}; V = {k: np.zeros_like(v) for k, v in P.items()}
t_adam = 0
def cols_of(A, f, pb, pa):
    Ap = np.pad(A, ((0, 0), (pb, pa), (pb, pa), (0, 0)))
    w = swv(Ap, (f, f), axis=(1, 2))  # B,H,W,C,f,f
    B, H, W_, C = w.shape[:4]
    return w.transpose(0, 1, 2, 4, 5, 3).reshape(B * H * W_, f * f * C)
def pool(A, k):
    B, H, W_, C = A.shape
    r = A.reshape(B, H // k, k, W_ // k, k, C)
    m = r.max(axis=(2, 4))
    return m, r, m
def forward(Xb):
    B = Xb.shape[0]
    c1 = cols_of(Xb, 4, 1, 2); Z1 = (c1 @ P['W1'].reshape(48, 8)).reshape(B, 64, 64, 8)
    A1 = np.maximum(Z1, 0); P1, r1, _ = pool(A1, 8)
    c2 = cols_of(P1, 2, 0, 1); Z2 = (c2 @ P['W2'].reshape(32, 16)).reshape(B, 8, 8, 16)
    A2 = np.maximum(Z2, 0); P2, r2, _ = pool(A2, 4)
    F = P2.reshape(B, 64); L = F @ P['W3'] + P['b3']
    return L, (c1, Z1, r1, P1, c2, Z2, r2, P2, F)
def step(Xb, Yb):
    global t_adam
    B = Xb.shape[0]
    L, (c1, Z1, r1, P1, c2, Z2, r2, P2, F) = forward(Xb)
    L = L - L.max(1, keepdims=True); E = np.exp(L); S = E / E.sum(1, keepdims=True)
    cost = -np.log(S[np.arange(B), Yb] + 1e-12).mean()
    dL = S.copy(); dL[np.arange(B), Yb] -= 1; dL /= B
    g = {'W3': F.T @ dL, 'b3': dL.sum(0)}
    dP2 = (dL @ P['W3'].T).reshape(B, 2, 1, 2, 1, 16)
    mask2 = (r2 == P2.reshape(B, 2, 1, 2, 1, 16))
    dA2 = (mask2 * dP2).reshape(B, 8, 8, 16); dZ2 = dA2 * (Z2 > 0)
    dZ2f = dZ2.reshape(-1, 16); g['W2'] = (c2.T @ dZ2f).reshape(2, 2, 8, 16)
    dc2 = (dZ2f @ P['W2'].reshape(32, 16).T).reshape(B, 8, 8, 2, 2, 8)
    dP1p = np.zeros((B, 9, 9, 8), np.float32)
    for i in range(2):
        for j in range(2):
            dP1p[:, i:i + 8, j:j + 8, :] += dc2[:, :, :, i, j, :]
    dP1 = dP1p[:, :8, :8, :].reshape(B, 8, 1, 8, 1, 8)
    mask1 = (r1 == P1.reshape(B, 8, 1, 8, 1, 8))
    dA1 = (mask1 * dP1).reshape(B, 64, 64, 8); dZ1 = dA1 * (Z1 > 0)
    g['W1'] = (c1.T @ dZ1.reshape(-1, 8)).reshape(4, 4, 3, 8)
    t_adam += 1
    for k in P:
        M[k] = 0.9 * M[k] + 0.1 * g[k]; V[k] = 0.999 * V[k] + 0.001 * g[k] ** 2
        mh = M[k] / (1 - 0.9 ** t_adam); vh = V[k] / (1 - 0.999 ** t_adam)
        P[k] -= (0.009 * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return cost
def acc(Xs, Ys):
    out = []
    for i in range(0, len(Xs), 120):
        out.append(forward(Xs[i:i + 120])[0].argmax(1))
    return (np.concatenate(out) == Ys).mean()
t0 = time.time()
for ep in range(epochs):
    perm = rng.permutation(len(X)); costs = []
    for i in range(0, len(X), 64):
        idx = perm[i:i + 64]; costs.append(step(X[idx], Y[idx]))
    if ep % 5 == 0 or ep == epochs - 1:
        print(f"epoch {ep} cost {np.mean(costs):.4f} train {acc(X, Y):.3f} test {acc(Xt, Yt):.3f} ({time.time()-t0:.0f}s)", flush=True)
