"""Random test problems shared by the core tests."""
import bpkit


def random_problem(rng, sizes, m, kind):
    """A network with non-zero biases and matching random X, Y for a given cost kind."""
    net = bpkit.Network(sizes, seed=int(rng.integers(1 << 30)))
    net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
    X = rng.standard_normal((m, sizes[0]))
    if kind == "cross_entropy":
        Y = rng.uniform(0, 1, (m, sizes[-1]))
    else:
        Y = rng.uniform(-0.5, 1.5, (m, sizes[-1]))
    return net, X, Y
