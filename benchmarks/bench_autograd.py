"""The autograd engine's forward + backward against bpkit.backprop, on 784-30-10 digits (lesson 9).

    python benchmarks/bench_autograd.py [--repeats 30] [--batches 10,100,8000]

For each batch size: the median time of ``bpkit.backprop`` (forward and backward, vectorized),
of the engine (``bpkit.autograd.network_graph`` builds the graph, which is the forward pass, then
``cost.backward()``), and of PyTorch CPU float64 doing the same when torch is installed; the
candidates are timed in turn within each repeat (one BLAS thread), and the ratios are printed.
Aim (issue 20): engine within 1.5x of backprop at batch 100.
"""
import argparse

from _common import paired_medians  # first: sets one BLAS thread before numpy loads

import numpy as np

import bpkit
from bpkit import autograd


def candidates(net, X, Y):
    def engine():
        g = autograd.network_graph(net, X, Y, kind="cross_entropy")
        g.cost.backward()
        return g.gradients()

    fns = {"backprop": lambda: bpkit.backprop(net, X, Y, kind="cross_entropy"), "engine": engine}
    try:
        import torch
    except ImportError:
        return fns, None
    torch.set_num_threads(1)
    Wt = [torch.tensor(W, requires_grad=True) for W in net.weights]
    bt = [torch.tensor(b, requires_grad=True) for b in net.biases]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def pytorch():
        for p in Wt + bt:
            p.grad = None
        a = torch.sigmoid(Xt @ Wt[0] + bt[0])
        z = a @ Wt[1] + bt[1]
        J = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt, reduction="sum") / Xt.shape[0]
        J.backward()
        return [p.grad for p in Wt + bt]

    fns["pytorch"] = pytorch
    return fns, torch.__version__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--batches", default="10,100,8000")
    args = ap.parse_args()
    d = bpkit.load_digits()
    net = bpkit.Network([784, 30, 10], seed=0)
    torch_version = None
    rows = []
    for m in (int(s) for s in args.batches.split(",")):
        X, Y = d.X_train[:m], bpkit.one_hot(d.labels_train[:m], 10)
        fns, torch_version = candidates(net, X, Y)
        # the engine's gradients are backprop's (checked here too, so a timing is never of a wrong answer)
        G, B = fns["engine"](), fns["backprop"]()
        assert all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(G.dW + G.db, B.dW + B.db))
        repeats = max(3, args.repeats // 10) if m > 1000 else args.repeats
        rows.append((m, paired_medians(fns, repeats)))
    print(f"784-30-10, cross-entropy, forward + backward, median of paired repeats, 1 thread; "
          f"PyTorch: {torch_version or 'not installed (pip install torch)'}")
    for m, t in rows:
        line = (f"  batch {m:5d}: backprop {t['backprop'] * 1e3:8.3f} ms   engine {t['engine'] * 1e3:8.3f} ms"
                f"   engine / backprop {t['engine'] / t['backprop']:.2f}x")
        if "pytorch" in t:
            line += f"   pytorch {t['pytorch'] * 1e3:8.3f} ms   engine / pytorch {t['engine'] / t['pytorch']:.2f}x"
        print(line)
    print("  aim: engine / backprop <= 1.5x at batch 100")


if __name__ == "__main__":
    main()
