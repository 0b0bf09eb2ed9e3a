"""Internals of the grading command :mod:`bpkit.grade`.

* :mod:`.notebooks` -- read a submission, tell which exercise it is, restore the
  locked cells from the solution and add the grader's own cells;
* :mod:`.execute` -- run that notebook in a fresh kernel with time limits,
  capped output and restarts when the kernel stops answering;
* :mod:`.inkernel` -- the code the grader's cells run *inside* the kernel: call
  the learner's function on the secret cases and write the results to disk;
* :mod:`.codec` -- turn results into JSON + ``.npz`` and back, without pickle.

Nothing here imports matplotlib or ipywidgets; :mod:`.inkernel` and :mod:`.codec`
import only the standard library and numpy, because they run in the kernel.
"""
