"""One SGD step of 784-30-10, alone, against its matrix products: where the overhead lives.

    python benchmarks/bench_step.py [--repeats 7]

``bench_sgd.py`` times whole epochs; this times a single step on data already in
cache, with no shuffling, no loop and no epoch cost, for batch 10, 100 and 8,000
(cross-entropy, sigmoid hidden layer):

* ``bpkit``: the step ``bpkit.sgd`` runs (``bpkit.optim._make_step``);
* ``floor``: the step's five matrix products alone, into preallocated arrays;
* ``fused``: if numba is installed (it is not a dependency of bpkit), the same
  products with every elementwise pass between them fused into four compiled
  loops: what compiling the elementwise work would buy.

If the step alone is over an epoch target, no shuffling or loop tuning can
reach that target.
"""
import argparse
import importlib.util

from _common import paired_medians  # first: sets one BLAS thread before numpy loads

import numpy as np

import bpkit
from bpkit import optim


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    d = bpkit.load_digits()
    X, Y = d.X_train, bpkit.one_hot(d.labels_train, 10)
    sizes = [784, 30, 10]
    kernels = fused_kernels()
    print(f"one step of {sizes}, data in cache, median of {args.repeats}, 1 thread"
          + ("" if kernels else "  (numba not installed: no 'fused' column)"))
    print(f"{'batch':>6} {'floor us':>10} {'bpkit us':>10} {'bpkit/floor':>12}"
          + (f" {'fused us':>10} {'fused/floor':>12}" if kernels else ""))
    for m in (10, 100, 8000):
        x, y = X[:m].copy(), Y[:m].copy()
        # a tiny step: the weights hardly move, so every repeat times the same numbers (a step
        # repeated on one batch with a real learning rate saturates the sigmoids, and exp's
        # underflow path is slower)
        scale = 1e-9 / m
        ys = y * scale
        net = bpkit.Network(sizes, seed=0)
        buf = optim._Buffers(sizes, m, gather=False)
        step = optim._make_step(net, "cross_entropy", 1.0)
        z_out, e_out = np.empty((m, 10)), np.empty((m, 10))
        W0, W1 = net.weights
        b0, b1 = net.biases
        Z0, A0, D0, D1 = buf.Z[0], buf.A[0], buf.D[0], buf.D[1]
        G0, G1 = buf.GW
        W1T, A0T, xT = W1.T, A0.T, x.T
        matmul = np.matmul

        def floor():
            matmul(x, W0, Z0)
            matmul(A0, W1, z_out)
            matmul(D1, W1T, D0)
            matmul(A0T, D1, G1)
            matmul(xT, D0, G0)

        reps = max(1, 2000 // m)  # each timing covers many steps: microsecond steps need it
        runs = {"floor": floor, "bpkit": lambda: step(x, ys, z_out, e_out, buf, scale)}
        if kernels:
            bias_sigmoid, output_error, times_prime, update = kernels

            def fused():
                matmul(x, W0, Z0)
                bias_sigmoid(Z0, b0, A0)
                matmul(A0, W1, z_out)
                output_error(z_out, b1, ys, scale, D1)
                matmul(D1, W1T, D0)
                times_prime(D0, A0)
                matmul(A0T, D1, G1)
                update(W1, G1, b1, D1)
                matmul(xT, D0, G0)
                update(W0, G0, b0, D0)

            runs["fused"] = fused
        with np.errstate(over="ignore"):
            t = paired_medians({k: lambda f=f: [f() for _ in range(reps)] for k, f in runs.items()},
                               args.repeats)
        t = {k: v / reps for k, v in t.items()}
        line = (f"{m:>6} {t['floor'] * 1e6:10.1f} {t['bpkit'] * 1e6:10.1f} "
                f"{t['bpkit'] / t['floor']:11.2f}x")
        if kernels:
            line += f" {t['fused'] * 1e6:10.1f} {t['fused'] / t['floor']:11.2f}x"
        print(line)


if __name__ == "__main__":
    main()
