"""The ``bpkit`` a grading kernel imports: the course's package with nothing to steal in it.

A submission's kernel needs bpkit (the notebooks import it), but not all of it:

* ``bpkit.checks`` holds every part's reference and the secret-case makers, so
  the kernel gets a small stand-in package instead (:data:`CHECKS_STUB`): its
  ``check`` says that instant checks are off while grading, and nothing else
  of the real package exists there;
* the functions an exercise asks the learner to write (every part's
  ``forbidden`` names, e.g. ``bpkit.sigmoid_prime`` for exercise 3) keep their
  signature but lose their body: calling one raises ``RuntimeError`` with the
  reason, so the answer is not in the kernel at all, however it is reached
  (an alias, a module reloaded from disk, a worker thread, a replaced grader
  helper).

:func:`kernel_package` writes that copy once per set of forbidden names and
process, into a temporary folder, and returns the folder that holds it (the
kernel's ``PYTHONPATH``; in a sandbox it is bound at the neutral mount point
and over any other copy of bpkit the kernel could see).
"""
from __future__ import annotations

import ast
import atexit
import importlib
import os
import shutil
import tempfile
from pathlib import Path

from .inkernel import _resolve

CHECKS_STUB = '''"""bpkit.checks while bpkit's grader runs this notebook: the checks are off, since they hold the answers."""

OFF = ("(the instant checks are off while bpkit's grader runs this notebook: "
       "each function is graded on secret cases instead)")


def check(*args, **kwargs):
    """Off while grading: prints why and returns None."""
    print(OFF)


def run(*args, **kwargs):
    """Off while grading: returns None."""
    return None


def __getattr__(name):
    raise AttributeError(f"bpkit.checks.{name} is not available while bpkit's grader runs this notebook")
'''

STUB_BODY = ("raise RuntimeError({name!r} ' is not available while bpkit\\'s grader runs this notebook: '\n"
             "                   'it is what a part of this exercise asks you to write')")
_SKIP = ("checks", "course", "__pycache__")
_BUILT = {}


def kernel_package(forbidden_names):
    """The folder holding the kernel's copy of bpkit (``<folder>/bpkit``), made once per name set and process.

    ``forbidden_names``: dotted names (``"bpkit.activations.sigmoid_prime"``) whose
    bodies are replaced by a ``RuntimeError``.
    """
    key = tuple(sorted(set(forbidden_names)))
    folder = _BUILT.get(key)
    if folder is None or not Path(folder, "bpkit", "__init__.py").is_file():
        folder = tempfile.mkdtemp(prefix="bpkit-kernel-package-")
        os.chmod(folder, 0o755)  # a sandboxed kernel may run under a user id of its own
        atexit.register(shutil.rmtree, folder, True)
        build(Path(folder) / "bpkit", key)
        _BUILT[key] = folder
    return folder


def build(dest, forbidden_names):
    """Write the kernel's bpkit at ``dest``: a copy of the package without the checks and the course files,
    with the stub checks package and the forbidden functions' bodies replaced."""
    import bpkit

    src = Path(bpkit.__file__).resolve().parent
    shutil.copytree(src, dest, ignore=lambda d, names: [n for n in names if n in _SKIP or n.endswith(".pyc")])
    (dest / "checks").mkdir()
    (dest / "checks" / "__init__.py").write_text(CHECKS_STUB)
    by_file = {}
    for name in forbidden_names:
        code = _resolve(name)
        path = Path(code.co_filename).resolve()
        try:
            rel = path.relative_to(src)
        except ValueError:
            raise ValueError(f"forbidden name {name} is not defined in the bpkit package ({path})") from None
        by_file.setdefault(rel, {})[(code.co_firstlineno, code.co_name)] = name
    for rel, targets in by_file.items():
        target = dest / rel
        target.write_text(stub_functions(target.read_text(), targets))
    importlib.invalidate_caches()
    return dest


def stub_functions(source, targets):
    """``source`` with the body of each function in ``targets`` ((first line, name) -> dotted name) replaced.

    The first line is a code object's ``co_firstlineno``: the first decorator's
    line for a decorated function. Raises ValueError if a target is not found.
    """
    tree = ast.parse(source)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if (first, node.name) in targets:
                found[(first, node.name)] = node
    missing = set(targets) - set(found)
    if missing:
        raise ValueError(f"could not find {sorted(targets[m] for m in missing)} in their source file")
    lines = source.splitlines(keepends=True)
    for key in sorted(found, key=lambda k: -found[k].body[0].lineno):
        node = found[key]
        body = node.body[0]
        indent = " " * (body.col_offset if body.lineno > node.lineno else node.col_offset + 4)
        stub = indent + STUB_BODY.format(name=targets[key]).replace("\n", "\n" + indent) + "\n"
        start, end = body.lineno - 1, node.body[-1].end_lineno
        if body.lineno == node.lineno:  # a one-line def: keep the header up to the body's column
            header = lines[start][: body.col_offset]
            lines[start:end] = [header + "\n", stub]
        else:
            lines[start:end] = [stub]
    return "".join(lines)
