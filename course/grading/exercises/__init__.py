"""Every exercise and its judge, one module each: `EXERCISES["ex01"].judge(context)`.

A module `exNN.py` here defines `EXERCISE = Exercise(name, title, notebook, judge)`; the judge
is a coroutine that returns the success message or raises Failed with what to change. Adding
an exercise is adding a module: this package finds them by name.
"""

import importlib
import pkgutil

__all__ = ["EXERCISES"]


def _discover():
    found = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("ex"):
            exercise = importlib.import_module(f"{__name__}.{module.name}").EXERCISE
            found[exercise.name] = exercise
    return found


EXERCISES = _discover()
