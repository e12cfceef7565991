# Reference numbers for the backprop lesson (crate/src/lesson/backprop_step.rs), written the way
# the course's "Convolution model - Step by Step" assignment does it, loop by loop:
# conv_backward (dA_prev[slice] += W * dZ[h, w]; dW += a_slice * dZ[h, w]; db += dZ[h, w])
# and pool_backward (create_mask_from_window for max, distribute_value for average).
# Also the running sums after the first K windows, which the page steps through.
# Usage: python3 backprop_step_numpy.py > backprop_step.json     (pip install numpy)
import json
import numpy as np

A_PREV = np.array([[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
                   [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]], float)
W = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], float)
DZ = np.array([[1, 0, -1, 2], [0, 1, 0, 0], [-1, 0, 2, 1], [0, 1, 0, -1]], float)
POOL_X = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], float)
POOL_DY = np.array([[1, 2], [3, 4]], float)
F, STRIDE, K = 2, 2, 6  # pooling window and stride; K: windows done for the partial sums


def conv_backward(a_prev, w, dz, windows):
    f = w.shape[0]
    da_prev, dw, db = np.zeros_like(a_prev), np.zeros_like(w), 0.0
    for k in range(windows):
        h, c = divmod(k, dz.shape[1])
        a_slice = a_prev[h:h + f, c:c + f]
        da_prev[h:h + f, c:c + f] += w * dz[h, c]
        dw += a_slice * dz[h, c]
        db += dz[h, c]
    return da_prev, dw, db


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    return np.ones(shape) * dz / (shape[0] * shape[1])


def pool_backward(x, dy, mode, windows):
    dx = np.zeros_like(x)
    for k in range(windows):
        h, c = divmod(k, dy.shape[1])
        top, left = h * STRIDE, c * STRIDE
        window = x[top:top + F, left:left + F]
        if mode == 'max':
            dx[top:top + F, left:left + F] += create_mask_from_window(window) * dy[h, c]
        else:
            dx[top:top + F, left:left + F] += distribute_value(dy[h, c], (F, F))
    return dx


def conv_json(windows):
    da, dw, db = conv_backward(A_PREV, W, DZ, windows)
    return {'da_prev': da.ravel().tolist(), 'dw': dw.ravel().tolist(), 'db': db}


print(json.dumps({
    'inputs': {'a_prev': A_PREV.ravel().tolist(), 'w': W.ravel().tolist(), 'dz': DZ.ravel().tolist(),
               'pool_x': POOL_X.ravel().tolist(), 'pool_dy': POOL_DY.ravel().tolist(),
               'f': F, 'stride': STRIDE, 'k': K},
    'conv': conv_json(DZ.size),
    'conv_after_k': conv_json(K),
    'max_pool': pool_backward(POOL_X, POOL_DY, 'max', POOL_DY.size).ravel().tolist(),
    'avg_pool': pool_backward(POOL_X, POOL_DY, 'avg', POOL_DY.size).ravel().tolist(),
    'max_pool_after_1': pool_backward(POOL_X, POOL_DY, 'max', 1).ravel().tolist(),
}))
