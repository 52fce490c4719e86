"""Every exercise and its judge, one module each: `EXERCISES["ex01"].judge(context)`.

A module `exNN.py` here defines `EXERCISE = Exercise(name, title, notebook, judge)`; the judge
is a coroutine `judge(context)` that returns the success message or raises Failed with what to
change. Adding an exercise is adding a module: this package finds them by name (a module
without `EXERCISE` yet is skipped, so one can be written step by step).

What a judge can use (course.grading.judging, .probes, .sources):
- `context.view(name, route)`: the learner's view mounted at `route` (or Failed saying what is
  missing); views found this way get their forgotten `await`s named first when the judge fails.
- `context.hidden`: True in the grader's run (`python -m course grade`, `check(..., hidden=True)`).
  Add cases the learner's check() does not show (other delays, another service failing, other
  records) with `await hidden_case(context, "another delay_s", step(context))`: while `step`
  runs, notes and runs are muted, and on failure the learner reads only the words given
  (never the hidden inputs).
- `context.note(line, **numbers)` / `context.keep(run)`: what the check shows under its verdict.
- `get_within`, `measure_probed`, `require_overlap(..., delay_s=…)` (or both in one step:
  `require_concurrent`), `require_follows`, `require_waited` (judging); `json_of`,
  `require_async`, `require_safe_environment` (probes); `require_awaited`, `same_code`,
  `unawaited` (sources); `parsed`, `names_in` (exercises/code_names.py: what a function's code
  names).
Before every judge, checks.py fails on a syntax error in a cell mentioning the exercise's name
and on Django's async-unsafe variable in the environment (again after the judge). Time limits in a
judge: state their slack beside them, and prefer judging relative to the run (overlap from the
views' start/end stamps, a longer delay taking longer) over absolute wall-clock limits.
"""

import importlib
import pkgutil

__all__ = ["EXERCISES"]


def _discover():
    found = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("ex"):
            exercise = getattr(importlib.import_module(f"{__name__}.{module.name}"),
                               "EXERCISE", None)
            if exercise is not None:
                found[exercise.name] = exercise
    return found


EXERCISES = _discover()
