"""Exercise 8's capstone, ``train_digits``: the solution notebook's loop against bpkit.sgd on the same case.

    python benchmarks/bench_capstone.py [--repeats 3]

The tests only check what the training reaches (test accuracy >= 0.91 on six secret
seeds, tests/feedback/test_checks_exercise_8.py) and that the cases stay small; how
long it takes is measured here, as a ratio against a baseline in the same process:

* ``solution``: ``train_digits`` from the solution notebook's solution cells (the
  model answer a learner's code is compared with: its own backprop_deep and loop);
* ``sgd``: the checker's reference, ``bpkit.sgd`` on the same network, the same epochs,
  batch size, learning rate and seed (the fast kernel).

For the fixed lesson case and both secret architectures (``bpkit.checks.ex08``) it prints
the seconds of each, their ratio and the test accuracy each reached. A learner's loop
written like the solution takes about the solution's time; a ratio that grows means the
model answer (or the exercise's case) got heavier for everyone who does the exercise.
"""
import argparse
import sys
from pathlib import Path

from _common import paired_medians  # first: sets one BLAS thread before numpy loads

import nbformat
import numpy as np

import bpkit
from bpkit.checks import ex08

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "08_deep_networks_solution.ipynb"


def solution_trainer():
    """``train_digits`` as the solution notebook defines it (its solution cells, executed here)."""
    ns = {"np": np, "bpkit": bpkit}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(compile(cell.source, str(SOLUTION), "exec"), ns)
    return ns["train_digits"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not SOLUTION.is_file():
        sys.exit(f"{SOLUTION.relative_to(ROOT)} is missing: run this from a clone of the course")
    solution = solution_trainer()
    d = bpkit.load_digits()
    Y = bpkit.one_hot(d.labels_train, 10)
    cases = {"lesson": ex08.LESSON_TRAINING}
    cases.update({f"secret {i}": arch for i, arch in enumerate(ex08.TRAINING)})
    print(f"train_digits on {len(d.X_train)} digits, median of {args.repeats}; accuracy on {len(d.X_test)} test digits")
    print(f"{'case':>9} {'sizes':>22} {'act':>5} {'solution s':>11} {'sgd s':>8} {'solution/sgd':>13} "
          f"{'acc solution':>13} {'acc sgd':>8}")
    for name, (sizes, activation, epochs, batch_size, lr) in cases.items():
        case = (d.X_train, Y, list(sizes), activation, epochs, batch_size, lr, 1)
        outs = {}

        def run(label, fn):
            return lambda: outs.__setitem__(label, fn(*case))

        t = paired_medians({"solution": run("solution", solution), "sgd": run("sgd", ex08.train_digits)},
                           args.repeats)
        # test_accuracy reads the parameters as one list, the weights then the biases
        acc = {k: ex08.test_accuracy(sizes, activation, [*v[0], *v[1]]) for k, v in outs.items()}
        print(f"{name:>9} {str(list(sizes)):>22} {activation:>5} {t['solution']:11.2f} {t['sgd']:8.2f} "
              f"{t['solution'] / t['sgd']:12.2f}x {acc['solution']:13.3f} {acc['sgd']:8.3f}")


if __name__ == "__main__":
    main()
