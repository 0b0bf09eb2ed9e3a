"""One SGD epoch of 784-30-10 over 8,000 digits, against the bare matrix products.

    python benchmarks/bench_sgd.py [--repeats 7]

For mini-batch 10, 100 and full batch, prints examples/s of ``bpkit.sgd`` (one
call training ``--epochs`` epochs, time divided by the epochs, so the one-off
input checks and buffer allocation of a call are shared as in real training) and
of the "floor": the same epoch's matrix products alone (forward a @ W, backward
delta @ W.T and a.T @ delta), on the same shapes, into preallocated outputs, in
the same run. The ratio sgd / floor is the overhead of everything else
(activations, bias, updates, shuffling, the epoch's cost). The floor writes into
preallocated outputs, the strictest baseline; for reference the last columns
time the same products written plainly (``a @ W``, allocating each result).
"unshuffled/floor" is sgd with ``shuffle=False``: the same work without
gathering the shuffled batches, to show what the gather costs.
Targets: <= 1.6x at batch 10, <= 1.15x at 100, <= 1.1x at full batch.

The candidates are timed in turn within each repeat (sgd, unshuffled, floor,
plain, then again), so a shared machine's drift in speed moves them together;
still, run it more than once: from run to run on the development machine the
ratios moved by up to 0.1.
"""
import argparse

from _common import paired_medians  # first: sets one BLAS thread before numpy loads

import numpy as np

import bpkit


def floor_epoch(sizes, X, b, outs):
    """Only the matrix products of one epoch of mini-batch backprop, batch size b."""
    Ws = [np.random.default_rng(0).standard_normal((i, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    n = X.shape[0]
    L = len(Ws)

    def run():
        for i in range(0, n, b):
            j = min(i + b, n)
            bufs = outs[j - i]
            a = X[i:j]
            for k in range(L):  # forward
                np.matmul(a, Ws[k], out=bufs["A"][k])
                a = bufs["A"][k]
            d = bufs["A"][L - 1]
            for k in range(L - 1, -1, -1):  # backward
                a_prev = X[i:j] if k == 0 else bufs["A"][k - 1]
                if k > 0:
                    np.matmul(d, Ws[k].T, out=bufs["D"][k - 1])
                np.matmul(a_prev.T, d, out=bufs["G"][k])
                d = bufs["D"][k - 1] if k > 0 else d

    return run


def floor_epoch_plain(sizes, X, b):
    """The same matrix products written plainly (``a @ W``, a new array each time)."""
    Ws = [np.random.default_rng(0).standard_normal((i, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    n = X.shape[0]
    L = len(Ws)

    def run():
        for i in range(0, n, b):
            acts = [X[i : i + b]]
            for k in range(L):  # forward
                acts.append(acts[-1] @ Ws[k])
            d = acts[-1]
            for k in range(L - 1, -1, -1):  # backward
                if k > 0:
                    d_prev = d @ Ws[k].T
                _ = acts[k].T @ d
                if k > 0:
                    d = d_prev

    return run


def buffers(sizes, b):
    return {
        "A": [np.empty((b, s)) for s in sizes[1:]],
        "D": [np.empty((b, s)) for s in sizes[1:]],
        "G": [np.empty((i, o)) for i, o in zip(sizes[:-1], sizes[1:])],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    d = bpkit.load_digits()
    X, Y = d.X_train, bpkit.one_hot(d.labels_train, 10)
    n = X.shape[0]
    sizes = [784, 30, 10]
    E = args.epochs
    print(f"one epoch of {sizes} over {n} digits (sgd: {E}-epoch calls / {E}), "
          f"median of {args.repeats}, 1 thread, candidates timed in turn each round")
    print(f"{'batch':>6} {'sgd ex/s':>10} {'floor ex/s':>11} {'sgd/floor':>10} {'target':>7}"
          f"   {'unshuffled/floor':>16}   {'plain-@ floor ex/s':>18} {'sgd/plain':>9}")
    for b, target in ((10, 1.6), (100, 1.15), (n, 1.1)):
        outs = {b: buffers(sizes, b)}
        if n % b:
            outs[n % b] = buffers(sizes, n % b)
        net = bpkit.Network(sizes, seed=0)
        floor = floor_epoch(sizes, X, b, outs)
        plain = floor_epoch_plain(sizes, X, b)

        def train(shuffle):
            return lambda: bpkit.sgd(net, X, Y, epochs=E, batch_size=b, lr=0.1, kind="cross_entropy",
                                     shuffle=shuffle)

        t = paired_medians(
            {
                "sgd": train(True),
                "unshuffled": train(False),  # the same epochs without the shuffle's gather
                "floor": lambda: [floor() for _ in range(E)],
                "plain": lambda: [plain() for _ in range(E)],
            },
            args.repeats,
        )
        t = {k: v / E for k, v in t.items()}
        label = "full" if b == n else str(b)
        print(f"{label:>6} {n / t['sgd']:10.0f} {n / t['floor']:11.0f} {t['sgd'] / t['floor']:9.2f}x "
              f"{target:6.2f}x   {t['unshuffled'] / t['floor']:15.2f}x   {n / t['plain']:18.0f} "
              f"{t['sgd'] / t['plain']:8.2f}x")


if __name__ == "__main__":
    main()
