"""The steps of ``bpkit.sgd`` on 784-30-10, on data in cache, against their matrix products.

    python benchmarks/bench_step.py [--repeats 7]

``bench_sgd.py`` times whole epochs over the 8,000 training digits; this times
the steps alone, as far as the public ``bpkit.sgd`` lets one: for batch 10, 100
and 8,000 (cross-entropy, sigmoid hidden layer), ``sgd`` runs ``--epochs``
epochs with ``shuffle=False`` over the first 1,000 digits (8,000 for full batch;
1,000 rows are 6 MB and stay in the 32 MB cache), so there is no shuffling and
no gather, and the time of one step is the call's time divided by its steps:

* ``floor``: the step's five matrix products alone, into preallocated arrays
  (the floor of ``bench_sgd.py``, over the same batches);
* ``sgd``: ``bpkit.sgd``'s time per step. Besides the step itself it carries its
  share of the epoch's record (cost and accuracy of each batch's outputs, last
  good weights: a few per cent at batch 10 and 100) and of the call's input
  checks (one pass over the rows);
* ``fused``: if numba is installed (it is not a dependency of bpkit), the same
  products with every elementwise pass between them fused into four compiled
  loops: what compiling the elementwise work would buy.

If the steps alone are over an epoch target, no shuffling or loop tuning can
reach that target.
"""
import argparse
import importlib.util

from _common import paired_medians  # first: sets one BLAS thread before numpy loads

import numpy as np
from bench_sgd import buffers, floor_epoch

import bpkit


def fused_kernels():
    """Four numba loops that do all of a step's elementwise work; None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from numba import njit

    @njit(cache=False)
    def bias_sigmoid(z, bias, a):  # a = sigma(z + b)
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                a[i, j] = 1.0 / (1.0 + np.exp(-(z[i, j] + bias[j])))

    @njit(cache=False)
    def output_error(z, bias, ys, scale, d):  # z += b; d = scale * sigma(z) - scale * y
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                zz = z[i, j] + bias[j]
                z[i, j] = zz
                d[i, j] = scale / (1.0 + np.exp(-zz)) - ys[i, j]

    @njit(cache=False)
    def times_prime(D, a):  # D *= a (1 - a)
        for i in range(D.shape[0]):
            for j in range(D.shape[1]):
                D[i, j] *= a[i, j] * (1.0 - a[i, j])

    @njit(cache=False)
    def update(W, G, b, d):  # W -= G; b -= column sums of d
        W -= G
        for i in range(d.shape[0]):
            for j in range(d.shape[1]):
                b[j] -= d[i, j]

    return bias_sigmoid, output_error, times_prime, update


def fused_epoch(kernels, net, x, y, m, lr):
    """One epoch of fused steps (batches of m in order) on a copy of ``net``'s parameters."""
    bias_sigmoid, output_error, times_prime, update = kernels
    W0, W1 = [W.copy() for W in net.weights]
    b0, b1 = [b.copy() for b in net.biases]
    Z0, A0, Z1 = np.empty((m, W0.shape[1])), np.empty((m, W0.shape[1])), np.empty((m, W1.shape[1]))
    D0, D1 = np.empty_like(A0), np.empty_like(Z1)
    G0, G1 = np.empty_like(W0), np.empty_like(W1)
    scale = lr / m
    ys = y * scale
    batches = [(x[i : i + m], x[i : i + m].T, ys[i : i + m]) for i in range(0, x.shape[0], m)]
    W1T, A0T = W1.T, A0.T
    matmul = np.matmul

    def run():
        for xb, xbT, yb in batches:
            matmul(xb, W0, Z0)
            bias_sigmoid(Z0, b0, A0)
            matmul(A0, W1, Z1)
            output_error(Z1, b1, yb, scale, D1)
            matmul(D1, W1T, D0)
            times_prime(D0, A0)
            matmul(A0T, D1, G1)
            update(W1, G1, b1, D1)
            matmul(xbT, D0, G0)
            update(W0, G0, b0, D0)

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=10, help="epochs per sgd call (3 at full batch)")
    args = ap.parse_args()
    d = bpkit.load_digits()
    sizes = [784, 30, 10]
    kernels = fused_kernels()
    print(f"steps of {sizes}, data in cache, no shuffle, median of {args.repeats}, 1 thread"
          + ("" if kernels else "  (numba not installed: no 'fused' column)"))
    print(f"{'batch':>6} {'floor us':>10} {'sgd us':>10} {'sgd/floor':>10}"
          + (f" {'fused us':>10} {'fused/floor':>12}" if kernels else ""))
    for m in (10, 100, 8000):
        rows = max(m, 1000)
        x = d.X_train[:rows].copy()
        y = bpkit.one_hot(d.labels_train[:rows], 10)
        epochs = args.epochs if m < rows else min(args.epochs, 3)
        steps = epochs * (rows // m)
        # a tiny step: the weights hardly move, so every repeat times the same numbers (steps
        # repeated on the same rows with a real learning rate saturate the sigmoids, and exp's
        # underflow path is slower)
        lr = 1e-9
        net = bpkit.Network(sizes, seed=0)
        floor = floor_epoch(sizes, x, m, {m: buffers(sizes, m)})
        runs = {
            "floor": lambda: [floor() for _ in range(epochs)],
            "sgd": lambda: bpkit.sgd(net, x, y, epochs=epochs, batch_size=m, lr=lr, kind="cross_entropy",
                                     shuffle=False),
        }
        if kernels:
            fused = fused_epoch(kernels, net, x, y, m, lr)
            runs["fused"] = lambda: [fused() for _ in range(epochs)]
        with np.errstate(over="ignore"):
            t = paired_medians(runs, args.repeats)
        t = {k: v / steps for k, v in t.items()}
        line = f"{m:>6} {t['floor'] * 1e6:10.1f} {t['sgd'] * 1e6:10.1f} {t['sgd'] / t['floor']:9.2f}x"
        if kernels:
            line += f" {t['fused'] * 1e6:10.1f} {t['fused'] / t['floor']:11.2f}x"
        print(line)


if __name__ == "__main__":
    main()
