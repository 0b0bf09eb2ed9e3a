"""Vectorized backprop vs the per-example loop, on 5,000 real digits (lesson 4's claim).

    python benchmarks/bench_backprop.py [--repeats 5]

Prints the median time of each and their ratio, from one run, on one BLAS thread.
"""
import argparse

from _common import median_time  # first: sets one BLAS thread before numpy loads

import bpkit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--m", type=int, default=5000)
    args = ap.parse_args()
    d = bpkit.load_digits()
    X, Y = d.X_train[: args.m], bpkit.one_hot(d.labels_train[: args.m], 10)
    net = bpkit.Network([784, 30, 10], seed=0)
    t_vec = median_time(lambda: bpkit.backprop(net, X, Y, kind="cross_entropy"), args.repeats)
    t_loop = median_time(lambda: bpkit.backprop_loop(net, X, Y, kind="cross_entropy"), args.repeats)
    print(f"784-30-10, m = {args.m} digits, median of {args.repeats}, 1 thread")
    print(f"  backprop_loop : {t_loop * 1e3:8.1f} ms")
    print(f"  backprop      : {t_vec * 1e3:8.1f} ms")
    print(f"  ratio loop / vectorized: {t_loop / t_vec:.1f}x  (target >= 10x)")


if __name__ == "__main__":
    main()
