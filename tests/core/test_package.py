"""The package as users meet it: fast import, public API, dependency lists in agreement."""
import pathlib
import re
import subprocess
import sys

import pytest

import bpkit

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[2]

PUBLIC = [
    "Network", "sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime", "cost",
    "backprop_loop", "backprop", "numerical_gradient", "relative_error", "gradient_check",
    "gradient_descent", "sgd", "one_hot", "accuracy", "sleep_study", "make_moons",
    "make_circles", "load_digits", "TrainingDiverged",
]


def test_public_api_is_exported_and_documented():
    readme = (ROOT / "README.md").read_text()
    for name in PUBLIC:
        assert hasattr(bpkit, name), name
        assert name in bpkit.__all__, name
        assert getattr(bpkit, name).__doc__, f"{name} has no docstring"
        assert f"`{name}" in readme, f"{name} is not documented in README.md"


# what would make `import bpkit` slow: the views, the notebook machinery and the test tools load only when used
HEAVY = ("ipywidgets", "matplotlib", "matplotlib.pyplot", "IPython", "ipympl", "nbformat", "nbclient",
         "jupyter_client", "scipy", "hypothesis")


def test_import_does_not_load_widgets_or_pyplot():
    code = f"import sys; import bpkit; print(repr([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    bad = eval(out)
    assert bad == [], f"import bpkit loaded {bad}"


def _names(reqs):
    return {re.split(r"[<>=!~ \[;]", r.strip(), maxsplit=1)[0].lower().replace("_", "-") for r in reqs}


#: test dependencies that conda-forge does not package: environment.yml installs them with pip
PYPI_ONLY = {"axe-playwright-python"}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    test = _names(project["optional-dependencies"]["test"])
    env = (ROOT / "environment.yml").read_text()
    conda = set()
    pip_section = []
    in_pip = False
    deps = env.split("\ndependencies:", 1)[1]
    for line in deps.splitlines():
        item = line.strip()
        if item.startswith("- pip:"):
            in_pip = True
            continue
        if item.startswith("- ") and not item.startswith("- pip:"):
            entry = item[2:].split("#")[0].strip()
            if in_pip and line.startswith("      "):
                pip_section.append(entry)
            else:
                in_pip = False
                conda.add(_names([entry]).pop())
    conda.discard("python")
    conda.discard("pip")
    # every runtime and test dependency comes from conda-forge, except those only PyPI has, which the pip
    # section installs; nothing is listed twice or left out
    pip_only = {e.split("#")[0].strip() for e in pip_section if not e.startswith("-e")}
    pip_only = _names(sorted(pip_only)) if pip_only else set()
    assert pip_only <= PYPI_ONLY, f"{sorted(pip_only - PYPI_ONLY)} come from pip: say why in PYPI_ONLY"
    assert conda | pip_only == runtime | test and not conda & pip_only, (
        sorted((conda | pip_only) - (runtime | test)), sorted((runtime | test) - (conda | pip_only)))
    assert any(e.startswith("-e .") for e in pip_section), "environment.yml must pip-install the repo itself"
    py = re.search(r"python\s*>=\s*([\d.]+)", env)
    assert py and py.group(1) == project["requires-python"].lstrip(">=")


def test_the_distribution_has_a_name_of_its_own_and_no_docs_install_a_strangers():
    """`bpkit` on the package registry is someone else's project: nothing may tell anyone to install it by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "backprop-by-hand"
    texts = {p: p.read_text() for p in [ROOT / "README.md", ROOT / "environment.yml", *ROOT.glob("docs/*.md"),
                                         *ROOT.glob("tests/**/*.py"), ROOT / "course.py"]}
    pattern = re.compile(r"(pip|uv pip|conda|mamba) install[^\n`]*?(?<![\w./-])bpkit(\[[\w,]+\])?(?![\w./-])")
    bad = {str(p.relative_to(ROOT)): m.group(0) for p, t in texts.items() for m in [pattern.search(t)] if m}
    bad.pop("tests/core/test_package.py", None)
    assert not bad, bad


def test_every_subpackage_is_listed_for_the_build():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bpkit").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


# the built wheel, installed in a fresh environment, is tested in tests/course/test_installed_wheel.py
