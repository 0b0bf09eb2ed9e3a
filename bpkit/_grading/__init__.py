"""Internals of the grading command :mod:`bpkit.grade`.

* :mod:`.notebooks` -- read a submission, tell which exercise it is, restore the
  locked cells from the solution and add the grader's own cells;
* :mod:`.execute` -- run that notebook in a fresh kernel with time limits,
  capped output and restarts when the kernel stops answering;
* :mod:`.sandbox` -- start that kernel inside bubblewrap (read-only system,
  a scratch folder, no network, no answer key, limits), where it works;
* :mod:`.inkernel` -- the code the grader's cells run *inside* the kernel: call
  the learner's function on the secret cases and write the results to disk;
* :mod:`.scoring` -- a part's points and message, from the kernel's report and
  how the part's cells ran, run in the grader's process;
* :mod:`.codec` -- turn results into JSON + ``.npz`` and back, without pickle,
  and read a part's report into a record;
* :mod:`.records` -- the typed records both sides share (a part's result with
  its :class:`~.records.Status`, a submission's result, a CSV row, the kernel's
  report) and the names of the files and columns they are written to.

Nothing here imports matplotlib or ipywidgets; :mod:`.inkernel`, :mod:`.codec`
and :mod:`.records` import only the standard library and numpy, because they
run in the kernel.
"""
