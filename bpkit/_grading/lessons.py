"""Where the course teaches each graded point: a part's (or one named mistake's) lesson section.

The checks' verdicts, the class report and a learner's progress table link every
diagnosis to the lesson section to revisit. A link is
``lessons/NN_topic.ipynb#cell-id=<id>``: the id of the Markdown cell that opens
with the section's heading (:data:`SECTION_CELLS`). JupyterLab 4 scrolls a
notebook to a ``#cell-id=`` fragment on the click that opens it (it looks the
id up in the notebook's model); a heading-text anchor (``#Heading-text``) is
looked up among the *rendered* headings, so it does nothing on that first click,
and never matches a heading whose text holds math or a non-ASCII character.
nbconvert's HTML (classic and lab templates) gives every cell the same
``id="cell-id=<id>"``, so the links work in an HTML export too; GitHub's
notebook view opens the lesson at its top.
``tests/grader/test_class_report.py`` checks that every heading named here
opens the cell its id names, so a renamed heading or a changed cell id fails a
test rather than a link: a linked cell's id must not change.

A part's section is :data:`PART_SECTIONS`; a named mistake that a different
section teaches better has its own entry in :data:`MISTAKE_SECTIONS`
(``"NN.K:name"``, or ``"*:name"`` for a generic mistake in any part). A part
not listed (a new exercise) links to the top of the lesson with its number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

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

# the Markdown cell that opens with each heading named above (lesson -> heading -> cell id): the link's anchor,
# ``#cell-id=<id>``. Keep these ids when editing a lesson; the test of the links fails on a changed one.
SECTION_CELLS = {
    "01_cost": {
        "2. The network and forward propagation, with shapes": "cell-04",
        "3. The cost": "cell-10",
        "6. The cost along one weight: the slope is what we need": "cell-23",
    },
    "02_chain_rule": {
        "2. One neuron, three links": "one-neuron-three-links",
        "3. Many examples: the sum rule": "cell-09",
        "4. Several paths: add them up": "several-paths",
        "5. A whole matrix at once: $\\partial J/\\partial W^{(2)}$ for lesson 1's network": "cell-14",
    },
    "03_sigmoid_derivative": {
        "1. Deriving $\\sigma'$": "cell-02",
        "3. The maximum is 0.25, and saturation": "cell-07",
        "4. Many layers: products of small factors vanish": "cell-09",
        "5. A sigmoid that does not overflow": "cell-14",
    },
    "04_delta_accumulation": {
        "4.2 One example at a time": "bdabc657",
    },
    "04b_vectorized_backprop": {
        "4.5 All examples at once: the matrix product does the sum": "f2f0e22b",
        "4.7 The same step in $\\Theta$ notation": "c392c306",
    },
    "05_regularization": {
        "The L2 penalty and its gradient": "l2-penalty",
    },
    "06_sgd": {
        "Learning rate and batch size": "aeb2cd27",
        "Too large a learning rate": "004def82",
    },
    "07_gradient_checking": {
        "Central differences": "93bf17b0",
        "Choosing $\\varepsilon$": "11a5d9bc",
        "The relative error": "relative-error",
        "Bug hunt": "8d80c0bd",
    },
    "08_deep_networks": {
        "1. Why weights start random: symmetry": "6e317410",
        "2. Why the scale matters: vanishing and exploding": "4129fbf5",
        "3. During training: learning speed per layer, and dead ReLUs": "e3b386a6",
    },
    "09_computational_graphs": {
        "Local derivative × upstream": "local-derivative-upstream",
        "Softmax and cross-entropy": "softmax-cross-entropy",
        "Order and accumulation": "436a3460",
    },
}

# exercise 4's prediction (a slip in the loop) and its transfer part (tanh, one more layer) go back to where the
# loop and its recursion are taught: 04.1's section, whichever heading lesson 4 gives it
PART_SECTIONS.setdefault("04.4", PART_SECTIONS["04.1"])
PART_SECTIONS.setdefault("04.5", PART_SECTIONS["04.1"])


# JupyterLab 4 (measured with 4.6) applies a link's fragment as soon as the lesson's file has loaded,
# before its cells are laid out: on the click that opens the lesson it lands at the top, or near the
# section, or above it, depending on how far rendering got (in the default windowing mode cells take
# their real height only once drawn). A click on a lesson that is already open lands. So a diagnosis
# link carries this script (it runs in the check's output, which JupyterLab trusts): when its click
# opens the lesson, it finds the heading in the lesson's tab once rendered and keeps it at the top of
# the view until the layout has not moved for 30 frames (at most 20 s), and lets go as soon as the
# learner scrolls, clicks or types there. Elsewhere (a lesson already open, an export, an untrusted
# notebook) the link works as a plain ``#cell-id=`` link.
_FOLLOW_JS = """(function (me, name, head) {
  var a = me && me.previousElementSibling;
  if (!a || a.tagName !== 'A') return;
  function tab() {
    var tabs = document.querySelectorAll('.lm-TabBar-tab[data-type="document-title"]');
    for (var i = 0; i < tabs.length; i++) {
      var label = tabs[i].querySelector('.lm-TabBar-tabLabel');
      if (label && label.textContent === name) return tabs[i];
    }
    return null;
  }
  function heading(panel) {
    var hs = panel.querySelectorAll('.jp-MarkdownOutput h1, .jp-MarkdownOutput h2, .jp-MarkdownOutput h3, '
                                    + '.jp-MarkdownOutput h4, .jp-MarkdownOutput h5, .jp-MarkdownOutput h6');
    for (var i = 0; i < hs.length; i++) if (hs[i].textContent.trim().indexOf(head) === 0) return hs[i];
    return null;
  }
  a.addEventListener('click', function () {
    if (tab()) return;
    var start = Date.now(), quit = false, outer = null, at = null, still = 0;
    function stop() { quit = true; }
    (function step() {
      if (quit || Date.now() - start > 20000) return;
      var t = tab(), panel = t && document.getElementById(t.getAttribute('data-id'));
      var h = panel && heading(panel), o = panel && panel.querySelector('.jp-WindowedPanel-outer');
      if (h && o) {
        if (o !== outer) {
          outer = o;
          ['wheel', 'keydown', 'pointerdown', 'touchstart'].forEach(function (e) {
            o.addEventListener(e, stop, {once: true, passive: true});
          });
        }
        var top = h.getBoundingClientRect().top - o.getBoundingClientRect().top;
        if (at === null || Math.abs(top - at) > 2) {
          h.scrollIntoView({block: 'start'});
          at = h.getBoundingClientRect().top - o.getBoundingClientRect().top;
          still = 0;
        } else if (++still >= 30) {
          return;
        }
      }
      requestAnimationFrame(step);
    })();
  });
})(document.currentScript, %s, %s);"""


def heading_prefix(heading):
    """The start of a heading that its rendered text starts with too: the text before any math."""
    return heading.split("$", 1)[0].strip()


def follow_script(href):
    """``<script>`` to put right after a diagnosis link ``href`` in a trusted HTML output, or ``""``.

    See :data:`_FOLLOW_JS`: it makes the click that opens the lesson land on the section.
    """
    path, _, fragment = str(href).partition("#cell-id=")
    lesson = path.rsplit("/", 1)[-1].removesuffix(".ipynb")
    heading = next((h for h, cell in SECTION_CELLS.get(lesson, {}).items() if cell == fragment), None)
    if not fragment or heading is None:
        return ""
    args = (json.dumps(f"{lesson}.ipynb"), json.dumps(heading_prefix(heading)))
    return "<script>" + (_FOLLOW_JS % args).replace("</", "<\\/") + "</script>"


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

    @property
    def cell(self):
        """Id of the lesson's Markdown cell that opens with the heading (:data:`SECTION_CELLS`), or None."""
        return SECTION_CELLS.get(self.lesson, {}).get(self.heading) if self.heading else None

    def link(self, base=""):
        """``base + lessons/NN_topic.ipynb#cell-id=<id>``: the heading's cell (the lesson's top without one)."""
        href = f"{base}{LESSONS_DIR}/{self.lesson}.ipynb"
        return href + (f"#cell-id={self.cell}" if self.cell else "")


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
