"""Where the course teaches each graded point: a part's (or one named mistake's) lesson section.

The class report and a learner's progress table link every diagnosis to the
lesson section to revisit. A link is ``lessons/NN_topic.ipynb#Heading-text``,
the anchor JupyterLab gives a Markdown heading (its text, spaces as ``-``).
``tests/grader/test_class_report.py`` checks that every heading named here is
a heading of its lesson, so a renamed section fails a test rather than a link.

A part's section is :data:`PART_SECTIONS`; a named mistake that a different
section teaches better has its own entry in :data:`MISTAKE_SECTIONS`
(``"NN.K:name"``, or ``"*:name"`` for a generic mistake in any part). A part
not listed (a new exercise) links to the top of the lesson with its number.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

LESSONS_DIR = "lessons"

# lesson notebook per exercise number
LESSONS = {
    "01": "01_cost", "02": "02_chain_rule", "03": "03_sigmoid_derivative", "04": "04_delta_accumulation",
    "05": "05_regularization", "06": "06_sgd", "07": "07_gradient_checking", "08": "08_deep_networks",
    "09": "09_computational_graphs",
}

# part key -> heading of its lesson (the lesson is the part's exercise number), or (lesson, heading) for a part
# taught in another notebook (lesson 4 is two: 04_delta_accumulation and 04b_vectorized_backprop)
PART_SECTIONS = {
    "01.1": "2. The network and forward propagation, with shapes",
    "01.2": "3. The cost",
    "02.1": "2. One neuron, three links",
    "02.2": "5. A whole matrix at once: $\\partial J/\\partial W^{(2)}$ for lesson 1's network",
    "02.3": "4. Several paths: add them up",
    "03.1": "5. A sigmoid that does not overflow",
    "03.2": "1. Deriving $\\sigma'$",
    # issue 21: the predictions (01.3, 02.4, 03.3) and the transfer parts (01.4, 02.5, 03.4) of exercises 1-3
    "01.3": "6. The cost along one weight: the slope is what we need",
    "01.4": "3. The cost",
    "02.4": "4. Several paths: add them up",
    "02.5": "4. Several paths: add them up",
    "03.3": "3. The maximum is 0.25, and saturation",
    "03.4": "1. Deriving $\\sigma'$",
    "04.1": "4.2 One example at a time",
    # lesson 4's second notebook (04b) teaches the vectorized form and the Theta loop
    "04.2": ("04b_vectorized_backprop", "4.5 All examples at once: the matrix product does the sum"),
    "04.3": ("04b_vectorized_backprop", "4.7 The same step in $\\Theta$ notation"),
    "05.1": "The L2 penalty and its gradient",
    "05.2": "The L2 penalty and its gradient",
    "05.3": "The L2 penalty and its gradient",
    "05.4": "The L2 penalty and its gradient",
    "06.1": "Learning rate and batch size",
    "06.2": "Learning rate and batch size",
    "06.3": "Learning rate and batch size",
    "06.4": "Learning rate and batch size",
    "07.1": "Central differences",
    "07.2": "The relative error",
    "07.3": "Bug hunt",
    "08.1": "2. Why the scale matters: vanishing and exploding",
    "08.2": "2. Why the scale matters: vanishing and exploding",
    "08.3": "3. During training: learning speed per layer, and dead ReLUs",
    "07.4": "Central differences",  # the complex step: Taylor's series, as for central differences
    "07.5": "Central differences",  # two cost evaluations per parameter
    "08.4": "2. Why the scale matters: vanishing and exploding",  # the delta recursion unrolled
    "08.5": "2. Why the scale matters: vanishing and exploding",  # one W.T and one f' per layer
    "09.1": "Local derivative × upstream",
    "09.2": "Softmax and cross-entropy",
    "09.3": "Order and accumulation",
    "09.4": "Order and accumulation",
    "09.5": "Local derivative × upstream",
}

# a named mistake taught elsewhere than its part's section: "NN.K:name" or "*:name" -> (lesson, heading)
MISTAKE_SECTIONS = {
    "*:sigma_for_sigma_prime": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:z_prime": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:missing_sigma_prime": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:last_only": ("04_delta_accumulation", "4.2 One example at a time"),
    "*:forgot_1/m": ("04_delta_accumulation", "4.2 One example at a time"),
    "*:missing_1/m": ("02_chain_rule", "3. Many examples: the sum rule"),
    "*:regularized_bias": ("05_regularization", "The L2 penalty and its gradient"),
    "*:transposed": ("02_chain_rule", "5. A whole matrix at once: $\\partial J/\\partial W^{(2)}$ for lesson 1's network"),
    "01.2:sum_not_mean": ("01_cost", "3. The cost"),
    "03.1:overflow": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "03.1:nan": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "08.1:zeros": ("08_deep_networks", "1. Why weights start random: symmetry"),
    "08.1:constant": ("08_deep_networks", "1. Why weights start random: symmetry"),
    "08.3:diverged": ("06_sgd", "Too large a learning rate"),
    "09.2:temperature_dropped": ("09_computational_graphs", "Local derivative × upstream"),
    "09.2:times_temperature": ("09_computational_graphs", "Local derivative × upstream"),
    "09.5:overflow": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "09.5:nan": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    # the checks' named mistakes of issue 21 (sigma' at a, reshape for a transpose, the gradient-check threshold...)
    "*:prime_of_a": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:sigma_prime_of_a": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:g_for_g_prime": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:tanh_prime_of_a": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:reshaped_not_transposed": ("02_chain_rule",
                                  "5. A whole matrix at once: $\\partial J/\\partial W^{(2)}$ for lesson 1's network"),
    "*:reshaped_W2": ("02_chain_rule", "4. Several paths: add them up"),
    "*:bias_over_units": ("04b_vectorized_backprop", "4.5 All examples at once: the matrix product does the sum"),
    "*:first_layer_unregularized": ("05_regularization", "The L2 penalty and its gradient"),
    "03.1:clipped": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "03.2:exp_ratio_overflow": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "07.1:theta_changed": ("07_gradient_checking", "Central differences"),
    "07.4:real_central_differences": ("07_gradient_checking", "Choosing $\\varepsilon$"),
    "07.4:real_one_sided": ("07_gradient_checking", "Choosing $\\varepsilon$"),
    "08.4:only_its_layer": ("07_gradient_checking", "Bug hunt"),
    "08.4:upward": ("07_gradient_checking", "Bug hunt"),
    "08.4:m_spreads": ("07_gradient_checking", "Bug hunt"),
    "08.5:slope_at_a": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "08.5:slope_is_a": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
    "*:threshold_or_pooled": ("07_gradient_checking", "The relative error"),
    "*:max_norm_denominator": ("07_gradient_checking", "The relative error"),
    "*:cs231n_elementwise": ("07_gradient_checking", "The relative error"),
    "08.3:not_shuffled": ("06_sgd", "Learning rate and batch size"),
    "08.3:same_order": ("06_sgd", "Learning rate and batch size"),
    "08.3:summed_steps": ("06_sgd", "Learning rate and batch size"),
    "08.3:steps_too_small": ("06_sgd", "Learning rate and batch size"),
    "08.3:uphill": ("06_sgd", "Learning rate and batch size"),
    "08.3:biases_never_updated": ("06_sgd", "Learning rate and batch size"),
    "08.3:layer_never_updated": ("06_sgd", "Learning rate and batch size"),
    "08.3:shuffled_X_in_place": ("06_sgd", "Learning rate and batch size"),
    # exercises 1-3's transfer parts: a stable log and softplus (lesson 3's overflow), tanh (lesson 3's contrast)
    "01.4:log_of_zero": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "01.4:log_of_zero_nan": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "01.4:overflow": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "01.4:clipped": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "02.5:sigmoid_slope_for_tanh": ("03_sigmoid_derivative", "4. Many layers: products of small factors vanish"),
    "02.5:tanh_slope_at_a": ("03_sigmoid_derivative", "4. Many layers: products of small factors vanish"),
    "02.5:tanh_shortcut_at_z": ("03_sigmoid_derivative", "4. Many layers: products of small factors vanish"),
    "02.5:sigmoid_hidden": ("03_sigmoid_derivative", "4. Many layers: products of small factors vanish"),
    "02.5:bias_over_units": ("02_chain_rule", "3. Many examples: the sum rule"),
    "02.5:bias_keepdims": ("02_chain_rule", "3. Many examples: the sum rule"),
    "02.5:weight_gradient": ("02_chain_rule", "2. One neuron, three links"),
    "03.4:overflow": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "03.4:nan": ("03_sigmoid_derivative", "5. A sigmoid that does not overflow"),
    "03.4:second_derivative": ("03_sigmoid_derivative", "1. Deriving $\\sigma'$"),
}

# exercise 4's prediction (a slip in the loop) and its transfer part (tanh, one more layer) go back to where the
# loop and its recursion are taught: 04.1's section, whichever heading lesson 4 gives it
PART_SECTIONS.setdefault("04.4", PART_SECTIONS["04.1"])
PART_SECTIONS.setdefault("04.5", PART_SECTIONS["04.1"])


@dataclass(frozen=True)
class Section:
    """One lesson section: its notebook (``"03_sigmoid_derivative"``), heading (may be ``""``) and link."""

    lesson: str
    heading: str

    @property
    def title(self):
        """How the section is named to a reader: ``lesson 3, "5. A sigmoid that does not overflow"``."""
        number = self.lesson.split("_", 1)[0].lstrip("0")  # "04b_vectorized_backprop": lesson 4b
        heading = self.heading
        return f'lesson {number}, "{heading}"' if heading else f"lesson {number}"

    def link(self, base=""):
        """``base + lessons/NN_topic.ipynb#Heading-text`` (JupyterLab's anchor of the heading)."""
        href = f"{base}{LESSONS_DIR}/{self.lesson}.ipynb"
        heading = self.heading
        return href + ("#" + quote(heading.replace(" ", "-"), safe="-.()'$,:") if heading else "")


def section_for(key, diagnosis=None):
    """The :class:`Section` to revisit for part ``key`` and (optional) diagnosis id ``"NN.K:name"``."""
    if diagnosis:
        name = diagnosis.split(":", 1)[-1]
        for k in (diagnosis, f"*:{name}"):
            if k in MISTAKE_SECTIONS:
                return Section(*MISTAKE_SECTIONS[k])
    number = str(key).split(".", 1)[0]
    section = PART_SECTIONS.get(key, "")
    if isinstance(section, tuple):
        return Section(*section)
    return Section(LESSONS.get(number, f"{number}_lesson"), section)


class _Blank(dict):
    """Format fields a template names but a summary does not know: shown as ``…``."""

    def __missing__(self, key):
        return "…"


def diagnosis_record(part, said):
    """What grades.json keeps of a part's named mistake: ``{"id", "text", "lesson"}``, or None.

    ``part`` is the checks' :class:`~bpkit.checks.Part`; ``said`` the message
    :func:`bpkit.checks.diagnose` returned (a :class:`~bpkit.checks._records.Said`
    naming its mistake, else not a named one: None). ``id`` is ``"NN.K:name"`` for
    the part's own mistake, ``"*:name"`` for a generic one (as
    :func:`bpkit.checks.diagnosis_names` lists them); ``text`` the mistake's
    words with only the function's name filled in (the same for every
    learner); ``lesson`` the section to revisit, as a relative link.
    """
    mistake = getattr(said, "mistake", None)
    if mistake is None:
        return None
    own = any(m is mistake for m in getattr(part, "mistakes", ()))
    ident = f"{part.key}:{mistake.name}" if own else f"*:{mistake.name}"
    try:
        text = mistake.message.format_map(_Blank(fn=part.function, names=", ".join(part.out_names)))
    except (ValueError, IndexError, AttributeError):
        text = mistake.message
    section = section_for(part.key, ident)
    return {"id": ident, "text": " ".join(text.split()), "lesson": section.link(), "section": section.title}
