"""Exercise 5, regularization: lesson 5's penalty in two forms it does not work out, a prediction, and L1.

* 05.1 ``regularized_cost`` (practice): a framework's weight decay, lam1 on W1 and lam2 on W2, given by
  its slopes and the same for any batch: the core's cost plus :func:`bpkit.costs.l2_penalty` per layer
  with m = 1 (lam/2 * sum(W**2)), which the learner derives from the slopes.
* 05.2 ``regularized_gradients`` (practice): the gradient of lam/(2m) * sum((W - W0)**2), a pull toward
  earlier weights (fine-tuning): the core's backward pass for the data term plus its averaging rule
  :func:`bpkit.backprop.average` given W - W0 where lesson 5's L2 has W.
* 05.3 ``penalty_factors(c, k)`` (predict, then run): by what factors the L2 penalty and its gradient
  grow when every weight is multiplied by c and lambda by k, measured on the core's own
  :func:`bpkit.costs.l2_penalty` and :func:`bpkit.backprop.average`.
* 05.4 ``l1_gradients`` (transfer): the gradient with an L1 penalty lam/m * sum|W| (weights only,
  slope 0 at w = 0), which no lesson derives: the core's backward pass with its averaging rule given
  sign(W) where L2 has W.
"""
from __future__ import annotations

import numpy as np

from ..backprop import average, layer_sums, output_error
from ..costs import cost, l2_penalty, sum_of_squares
from ._nets import BP_FORBIDDEN, GRADS, NET_ARGS, TRANSPOSE_W, lesson_net, m_of, network, planted, \
    random_net_case
from ._records import Mistake, Part
from ..network import Network
from .ex04 import backprop_mistakes, not_averaged, single_row


# ------------------------------------------------------ 05.1 regularized_cost
# Weight decay as deep-learning frameworks define it, one strength per layer: the contract gives the penalty by
# its slope (lam1 * W1, lam2 * W2, the same for any batch), so the learner derives the penalty itself,
# lam1/2 * sum(W1**2) + lam2/2 * sum(W2**2): lesson 5's L2 term with m = 1 and a strength per layer.
def _decay(weights, lams, m=1.0):
    """Each layer's L2 term of the core, ``l2_penalty([W], lam, m)``, with its own strength, summed."""
    return sum(l2_penalty([W], lam, m) for W, lam in zip(weights, lams))


def regularized_cost(X, Y, W1, b1, W2, b2, lam1, lam2):
    """The right answer: the core's mean cost plus lam1/2 * sum(W1**2) + lam2/2 * sum(W2**2) (no m)."""
    net = network(W1, b1, W2, b2)
    return cost(net, X, Y) + _decay(net.weights, (lam1, lam2))


def _two_lams(rng):
    """Two strengths, 0.01-0.4, apart by at least 0.05 (so swapping them shows)."""
    lam1 = lam2 = float(np.round(rng.uniform(0.01, 0.4), 3))
    while abs(lam2 - lam1) < 0.05:
        lam2 = float(np.round(rng.uniform(0.01, 0.4), 3))
    return lam1, lam2


def decay_cases(rng):
    """The lesson's network, three random ones, one with lam1 = 0, one single-row batch and one in float32."""
    cases = [lesson_net() + (0.3, 0.08)]
    cases += [random_net_case(rng) + _two_lams(rng) for _ in range(3)]
    cases.append(random_net_case(rng) + (0.0, _two_lams(rng)[1]))
    cases.append(single_row(random_net_case(rng) + _two_lams(rng)))
    cases.append(tuple(a.astype(np.float32) for a in random_net_case(rng)) + _two_lams(rng))
    return cases


def _priced(X, Y, W1, b1, W2, b2, lam1, lam2, *, data_times=1.0, penalty=None):
    """The core's data term (times ``data_times``) plus ``penalty(net, (lam1, lam2), m)``, a mistaken one."""
    net = network(W1, b1, W2, b2)
    return data_times * cost(net, X, Y) + penalty(net, (lam1, lam2), X.shape[0])


def _right_penalty(net, lams, m):
    return _decay(net.weights, lams)


def _norms(net, lams, m):
    """lam/2 * ||W|| (the Frobenius norm, not its square)."""
    return sum(lam / 2.0 * np.sqrt(sum_of_squares([W])) for W, lam in zip(net.weights, lams))


REGULARIZED_COST = Part(
    key="05.1", notebook="05_regularization", grade_id="part1_tests", function="regularized_cost", points=3,
    forbidden=("bpkit.cost", "bpkit.costs.cost", "bpkit.costs.l2_penalty"),
    make_cases=decay_cases, reference=regularized_cost, args=NET_ARGS + ("lam1", "lam2"), kind="scalar",
    m_of=m_of,
    mistakes=(
        Mistake.variant("lesson_convention",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: _decay(net.weights, lams, m)),
                        "Your penalty is divided by m = {m}: that is lesson 5's convention, lam/(2m) * sum(W**2). "
                        "This contract's penalty is the same for any batch (its slope is lam1 * W1, whatever m "
                        "is), so no m belongs in it."),
        Mistake.variant("penalty_no_half",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: 2 * _decay(net.weights, lams)),
                        "Your penalty is twice too large: the slope of lam1 * w**2 is 2 * lam1 * w, not the "
                        "contract's lam1 * w. Which function of w has the slope lam1 * w?"),
        Mistake.variant("lams_swapped",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: _decay(net.weights, lams[::-1])),
                        "Your two strengths are swapped: lam1 prices W1 (the first layer's weights) and lam2 "
                        "prices W2."),
        Mistake.variant("one_lam",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: _decay(net.weights, lams[:1] * 2)),
                        "Your penalty prices both weight matrices with lam1: W2's part has its own strength, lam2."),
        Mistake.variant("first_layer_only",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: _decay(net.weights[:1], lams)),
                        "Your penalty prices W1 only: W2 pays too, with its own strength lam2."),
        Mistake.variant("mean_of_squares",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: sum(
                            _decay([W], [lam], W.size) for W, lam in zip(net.weights, lams))),
                        "You averaged the squares over the entries of each matrix (a mean, as np.mean does): "
                        "the penalty is a sum over every weight, so that each weight's slope is its own "
                        "lam * w, however many weights the matrix has."),
        Mistake.variant("norm_not_squared", lambda *a: _priced(*a, penalty=_norms),
                        "Your penalty uses the length of each weight matrix, the square root of its sum of "
                        "squares (np.linalg.norm): the penalty takes the sum of squares itself, with no root."),
        Mistake.variant("regularized_bias",
                        lambda *a: _priced(*a, penalty=lambda net, lams, m: _decay(net.weights, lams)
                                           + _decay(net.biases, lams)),
                        "You regularized the biases: weight decay here is on W1 and W2 only, never on b1 or b2 "
                        "(the contract's penalty depends on the weights alone)."),
        Mistake.variant("no_penalty", lambda *a: _priced(*a, penalty=lambda net, lams, m: 0.0),
                        "Your cost has no penalty term: add the price of the weights, one term for W1 with lam1 "
                        "and one for W2 with lam2."),
        Mistake.variant("sum_not_mean",
                        lambda *a: _priced(*a, data_times=a[0].shape[0], penalty=_right_penalty),
                        "The data term is a sum over the examples, m = {m} times too large: the course uses the "
                        "mean, sum((Y - Yhat)**2) / (2m). (Only the penalty leaves m out.)"),
    ),
)


# ------------------------------------------------- 05.2 regularized_gradients
# A pull toward earlier weights (fine-tuning): the penalty lam/(2m) * sum((W - W0)**2), which no lesson
# differentiates. Its gradient is the core's averaging rule given W - W0 where lesson 5's L2 has W.
def _pulled(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0, *, toward=(np.subtract, np.subtract), lam_times=1.0,
            m_times=1.0, on_b=False, data=None, **changed):
    """05.2's gradient with one thing changed: the data term of the core's backward pass (its rules ``changed``,
    or ``data(X, Y, W1, b1, W2, b2)``) plus each layer's pull ``average(0, 0, toward(W, W0), b, lam, m)``,
    ``toward`` per layer, lam and m scaled, and a pull of the biases toward 0 when ``on_b``."""
    grads = planted(X, Y, W1, b1, W2, b2, 0.0, **changed) if data is None else data(X, Y, W1, b1, W2, b2)
    lam_, m = lam * lam_times, X.shape[0] * m_times
    out = []
    for (dW, db), W, b, W0, diff in zip((grads[:2], grads[2:]), (W1, W2), (b1, b2), (W1_0, W2_0), toward):
        W, b, W0 = (np.asarray(v, dtype=float) for v in (W, b, W0))
        out.append(dW + average(0.0 * W, 0.0 * b, diff(W, W0), b, lam_, m)[0])
        out.append(db + (average(0.0 * b, 0.0 * b, b, b, lam_, m)[0] if on_b else 0.0))
    return tuple(out)


def regularized_gradients(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0):
    """The right answer: the core's gradient of the data term plus lam * (W - W0) / m on each weight matrix."""
    return _pulled(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0)


def _earlier(rng, W):
    """Earlier weights near W (a network fine-tuned from them has not moved far), never equal to it."""
    return W + rng.choice([-1.0, 1.0], W.shape) * rng.uniform(0.2, 0.8, W.shape)


def pull_cases(rng):
    """The lesson's network pulled toward another seed's weights, three random ones, one with lam = 0 and one
    single-row batch; the earlier weights are near the weights, never equal to them."""
    X, Y, W1, _, W2, _ = lesson_net()
    earlier = Network([2, 3, 1], seed=1).weights
    cases = [(X, Y, W1, np.array([0.1, -0.2, 0.3]), W2, np.array([0.05]), 1.0, earlier[0].copy(),
              earlier[1].copy())]
    for kind in ("plain", "plain", "lam_0", "plain", "single_row"):
        X, Y, W1, b1, W2, b2, lam = random_net_case(rng, lam=True)
        if kind == "lam_0":
            lam = 0.0
        if kind == "single_row":
            X, Y = X[:1], Y[:1]
        cases.append((X, Y, W1, b1, W2, b2, lam, _earlier(rng, W1), _earlier(rng, W2)))
    return cases


def _away(W, W0):
    return W0 - W


def _from_zero(W, W0):
    return W


def _with_pull(mk):
    """One of exercise 4's data-term mistakes (the backward pass with a slip) with this part's right pull added."""
    return Mistake.variant(mk.name, lambda *a: _pulled(*a, data=lambda *p: mk.test(*p)), mk.message)


REGULARIZED_GRADIENTS = Part(
    key="05.2", notebook="05_regularization", grade_id="part2_tests", function="regularized_gradients", points=4,
    forbidden=BP_FORBIDDEN, make_cases=pull_cases, reference=regularized_gradients,
    args=NET_ARGS + ("lam", "W1_0", "W2_0"), kind="arrays", out_names=GRADS, m_of=m_of,
    transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("lesson_gradient", lambda *a: _pulled(*a, toward=(_from_zero, _from_zero)),
                        "Your penalty's term is lam * W / m, lesson 5's pull toward 0. This penalty prices each "
                        "weight's distance from its earlier value w0: differentiate (w - w0)**2, which is 0 "
                        "and flat where w = w0."),
        Mistake.variant("prior_first_layer_only", lambda *a: _pulled(*a, toward=(np.subtract, _from_zero)),
                        "dW1 is right, but dW2 is pulled toward 0 (lam * W2 / m): W2 is pulled toward its own "
                        "earlier weights W2_0, as W1 is toward W1_0."),
        Mistake.variant("pull_sign", lambda *a: _pulled(*a, toward=(_away, _away)),
                        "Wrong sign on the penalty's term: the penalty grows as w moves away from w0, so its "
                        "slope has the sign of w - w0 (a gradient step then brings w back toward w0). Yours "
                        "pushes the weights away from W1_0 and W2_0."),
        Mistake.variant("penalty_no_m", lambda *a: _pulled(*a, m_times=1.0 / a[0].shape[0]),
                        "The penalty's term is missing its 1/m: with lam/(2m) in front of the sum, its slope "
                        "carries 1/m too (m = {m})."),
        Mistake.variant("penalty_half", lambda *a: _pulled(*a, lam_times=0.5),
                        "The penalty's term is half what it should be: the 2 from differentiating the square "
                        "(w - w0)**2 cancels the 1/2 of lam/(2m)."),
        Mistake.variant("penalty_double", lambda *a: _pulled(*a, lam_times=2.0),
                        "The penalty's term is twice what it should be: the 2 from differentiating the square "
                        "(w - w0)**2 is cancelled by the 1/2 of lam/(2m); it does not stay."),
        Mistake.variant("regularized_bias", lambda *a: _pulled(*a, on_b=True),
                        "You regularized the biases: the penalty prices the weights' distance from W1_0 and W2_0 "
                        "only (there are no earlier biases), so db1 and db2 are those of the data term alone."),
        Mistake.variant("no_penalty", lambda *a: _pulled(*a, lam_times=0.0),
                        "Your gradients are those of the data term alone: the penalty adds its slope to dW1 "
                        "and dW2."),
        Mistake.variant("forgot_1/m", lambda *a: _pulled(*a, m_times=1.0 / a[0].shape[0], average=not_averaged),
                        "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a "
                        "mean (and its penalty carries 1/m), so divide by m."),
    ) + tuple(_with_pull(mk) for mk in backprop_mistakes(loop=False)  # bias_sum, weight_sum, the data term's slips
              if mk.name != "forgot_1/m"),
)


# ------------------------------------------------------ 05.3 penalty_factors (predict)
def _penalty_and_step(W, lam, m):
    """The L2 term of the cost and its part of dJ/dW for the weights ``W``, both from the core."""
    zero = [np.zeros_like(w) for w in W]
    return (l2_penalty(W, lam, m),
            np.concatenate([average(z, np.zeros(1), w, None, lam, m)[0].ravel() for z, w in zip(zero, W)]))


def penalty_factors(c, k):
    """The right answer, measured on the core: ``(penalty factor, gradient factor)`` when every weight is
    multiplied by ``c`` and lam by ``k`` (the biases unchanged): ``k c**2`` and ``k c``."""
    rng = np.random.default_rng(5)
    W = [rng.standard_normal((2, 3)), rng.standard_normal((3, 1))]
    lam, m = 0.7, 6
    p0, g0 = _penalty_and_step(W, lam, m)
    p1, g1 = _penalty_and_step([c * w for w in W], k * lam, m)
    return float(p1 / p0), float(np.dot(g1, g0) / np.dot(g0, g0))


def factor_cases(rng):
    """The prompt's question first (weights doubled, lam unchanged), then c != 1 and k != 1 drawn per term."""
    cs = rng.permutation([0.5, 3.0, 1.5, 4.0, 0.25, 5.0])[:3]
    ks = rng.permutation([2.0, 3.0, 0.5, 4.0, 10.0])[:3]
    return [(2.0, 1.0)] + [(float(c), float(k)) for c, k in zip(cs, ks)] + [(1.0, float(rng.choice([2.0, 5.0])))]


PENALTY_FACTORS = Part(
    key="05.3", notebook="05_regularization", grade_id="part3_tests", function="penalty_factors", points=2,
    forbidden=(), make_cases=factor_cases, reference=penalty_factors, args=("c", "k"), kind="array",
    mistakes=(
        Mistake.variant("penalty_linear", lambda c, k: (k * c, k * c),
                        "Your penalty grows like the weights themselves. It is a sum of squared weights: "
                        "multiply every weight by c and each square is multiplied by c**2."),
        Mistake.variant("gradient_quadratic", lambda c, k: (k * c * c, k * c * c),
                        "Your penalty's factor is right, but its gradient grows more slowly than the "
                        "penalty: the derivative of a square w**2 is proportional to w itself, not to w**2."),
        Mistake.variant("swapped", lambda c, k: (k * c, k * c * c),
                        "Your two factors are swapped: the penalty is the one made of squares, its gradient "
                        "the one made of the weights themselves."),
        Mistake.variant("lam_ignored", lambda c, k: (c * c, c),
                        "You left out lambda: both the penalty and its gradient are proportional to lambda, "
                        "so multiplying lambda by k multiplies both by k."),
        Mistake.variant("gradient_constant", lambda c, k: (k * c * c, k),
                        "Your gradient's factor ignores c, as if the derivative of w**2 were a constant. It "
                        "is proportional to w, so it follows the weights."),
        Mistake.variant("lam_squared", lambda c, k: (k * k * c * c, k * k * c),
                        "You squared lambda's factor: lambda multiplies the sum of squares once, it is not "
                        "squared itself."),
    ),
)


# ------------------------------------------------------ 05.4 l1_gradients (transfer)
def _l1_average(Delta_W, Delta_b, W, b, lam, m):
    """The core's averaging rule with sign(W) where the L2 rule has W: ``(Delta + lam * sign(W)) / m``."""
    return average(Delta_W, Delta_b, np.sign(W), b, lam, m)


def l1_gradients(X, Y, W1, b1, W2, b2, lam):
    """The right answer: the core's backward pass, its averaging rule given sign(W) (0 where W is 0)."""
    return planted(X, Y, W1, b1, W2, b2, lam, average=_l1_average)


def l1_cases(rng):
    """The lesson's network (a weight set to 0), random ones with zero weights, and one single-row batch."""
    X, Y, W1, b1, W2, b2 = lesson_net()
    W1[0, 1] = 0.0
    cases = [(X, Y, W1, 0.1 * np.arange(1.0, 4.0), W2, np.array([-0.2]), 0.5)]
    for kind in ("plain", "plain", "single_row", "plain"):
        X, Y, W1, b1, W2, b2, lam = random_net_case(rng, lam=True)
        if kind == "single_row":
            X, Y = X[:1], Y[:1]
        W1.ravel()[rng.choice(W1.size, 2, replace=False)] = 0.0   # the subgradient at 0 shows
        W2.ravel()[int(rng.integers(W2.size))] = 0.0
        cases.append((X, Y, W1, b1, W2, b2, lam))
    return cases


def _l1(*a, sign=np.sign, lam_times=1.0, m_times=1.0, on_b=False, **changed):
    """05.4's gradient with one thing changed: ``sign(W)`` for the sign, lam and m scaled, sign(b) on biases."""
    X, Y, W1, b1, W2, b2, lam = a

    def rule(Delta_W, Delta_b, W, b, lam_, m):
        dW, db = average(Delta_W, Delta_b, W, b, 0.0, m)                      # the data term
        pen_W = average(0.0 * W, 0.0 * b, sign(W), b, lam_ * lam_times, m * m_times)[0]
        pen_b = average(0.0 * b, 0.0 * b, np.sign(b), b, lam_ * lam_times, m * m_times)[0] if on_b else 0.0
        return dW + pen_W, db + pen_b

    return planted(X, Y, W1, b1, W2, b2, lam, **{"average": rule, **changed})


def _plus_at_zero(W):
    return np.where(W >= 0, 1.0, -1.0)


def _nan_at_a_zero_weight(args, ref, out):
    """nan exactly at the weights that are 0 (W / |W|), the right numbers elsewhere."""
    X, Y, W1, b1, W2, b2, lam = args
    zero = [W1 == 0, np.zeros(b1.shape, bool), W2 == 0, np.zeros(b2.shape, bool)]
    return all(o.shape == z.shape and np.array_equal(np.isnan(o), z) and np.allclose(o[~z], r[~z])
               for o, r, z in zip(out, ref, zero)) and any(z.any() for z in zero)


def _flipped_output(cost, z, a, Y):
    return -output_error(cost, z, a, Y)


L1_GRADIENTS = Part(
    key="05.4", notebook="05_regularization", grade_id="part4_tests", function="l1_gradients", points=4,
    forbidden=BP_FORBIDDEN, make_cases=l1_cases, reference=l1_gradients, args=NET_ARGS + ("lam",),
    kind="arrays", out_names=GRADS, m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("l2_gradient", lambda *a: _l1(*a, sign=lambda W: W),
                        "Your penalty term is lam * W / m, the gradient of L2's squares. The L1 penalty is a "
                        "sum of absolute values: what is the slope of |w| on each side of 0?"),
        Mistake.variant("abs_not_slope", lambda *a: _l1(*a, sign=np.abs),
                        "Your penalty term uses |W| itself: that is the penalty, not its slope. The slope of "
                        "|w| is -1 for negative w and +1 for positive w."),
        Mistake.variant("plus_one_at_zero", lambda *a: _l1(*a, sign=_plus_at_zero),
                        "Right everywhere except at the weights that are exactly 0: there the contract asks "
                        "for 0 (|w| has no slope at 0), and yours adds +lam / m (a test like w >= 0 puts 0 "
                        "with the positive weights)."),
        Mistake.nan("nan_at_zero", _nan_at_a_zero_weight,
                    "nan exactly at the weights that are 0: w / |w| is 0 / 0 there. The contract asks for "
                    "0 at w = 0; np.sign gives -1, 0 or +1."),
        Mistake.variant("penalty_no_m", lambda *a: _l1(*a, m_times=1.0 / a[0].shape[0]),
                        "The penalty's term is missing its 1/m: with the cost's lam / m in front of the sum, "
                        "its slope carries 1/m too (m = {m})."),
        Mistake.variant("penalty_half", lambda *a: _l1(*a, lam_times=0.5),
                        "The penalty's term is half what it should be: there is no square here, so no 2 to "
                        "cancel a 1/2. The L1 penalty of this part is lam / m times the sum of |w|."),
        Mistake.variant("penalty_sign", lambda *a: _l1(*a, lam_times=-1.0),
                        "Wrong sign on the penalty's term: |w| grows as w moves away from 0, so its slope has "
                        "the sign of w."),
        Mistake.variant("regularized_bias", lambda *a: _l1(*a, on_b=True),
                        "You penalized the biases: the L1 penalty runs over the weights only, so db1 and db2 "
                        "are those of the data term alone."),
        Mistake.variant("no_penalty", lambda *a: planted(*a[:6]),
                        "Your gradients are those of the unpenalized cost: the L1 term adds its slope to dW1 "
                        "and dW2."),
        Mistake.variant("forgot_1/m", lambda *a: tuple(g * a[0].shape[0] for g in l1_gradients(*a)),
                        "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a "
                        "mean (and its penalty carries 1/m), so divide by m."),
        Mistake.variant("bias_sum", lambda *a: _l1(*a, **{"layer_sums": _bias_times_m(a[0].shape[0])}),
                        "Your weight gradients are right, but the bias gradients are a sum over the examples, "
                        "m = {m} times too large. Divide them by m as well."),
        Mistake.variant("missing_sigma_prime", lambda *a: _l1(*a, slope=lambda activation, z, a_: 1.0),
                        "dW2 and db2 are right, but dW1 and db1 are not: the error sent back to the hidden "
                        "layer is multiplied by sigma'(z(2)). That factor is missing."),
        Mistake.variant("output_sign", lambda *a: _l1(*a, output_error=_flipped_output),
                        "The data term's part has the wrong sign: the output error is (a - y), not (y - a)."),
    ),
)


def _bias_times_m(m):
    """``layer_sums`` whose bias sum is m times too large, so that after the division by m it stays a sum."""
    def sums(a, delta):
        DW, Db = layer_sums(a, delta)
        return DW, Db * m
    return sums


PARTS = (REGULARIZED_COST, REGULARIZED_GRADIENTS, PENALTY_FACTORS, L1_GRADIENTS)
