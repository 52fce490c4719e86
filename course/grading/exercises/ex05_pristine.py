"""ex05's provided function, as the course ships it: the learner may call it, not change it.

    require_provided(namespace)   # Failed unless namespace["legacy_report"] is the course's code
    report(0.3)                   # what the pristine legacy_report(0.3) returns (no waiting)

The pristine definition is read from the exercise notebook's own cell (solutions/, else
exercises/), so the check and the notebook cannot drift apart.
"""

import functools
import json
from pathlib import Path
from unittest import mock

from course.grading.probes import Failed
from course.grading.sources import same_code

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = "ex05_unblock.ipynb"
NAME = "legacy_report"


@functools.cache
def pristine():
    """The course's legacy_report, compiled from the notebook cell that defines it."""
    for folder in ("solutions", "exercises"):
        path = ROOT / folder / NOTEBOOK
        if path.exists():
            # json, not nbformat: importing nbformat costs seconds (jsonschema) in every kernel
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
                       and "answer" not in c.get("metadata", {}).get("tags", [])]
            source = next(text for text in sources if f"def {NAME}(" in text)
            namespace = {"__name__": "ex05_pristine", "time": __import__("time")}
            exec(compile(source, f"<{NOTEBOOK}>", "exec"), namespace)  # noqa: S102 - the course's own cell
            return namespace[NAME]
    raise FileNotFoundError(f"{NOTEBOOK} is in neither solutions/ nor exercises/ under {ROOT}")


def report(delay_s):
    """What the pristine function returns for delay_s (its sleep skipped)."""
    with mock.patch.dict(pristine().__globals__, {"time": mock.Mock()}):
        return pristine()(delay_s)


def require_provided(namespace):
    function = namespace.get(NAME)
    if function is None:
        raise Failed(f"{NAME} is gone from the notebook: run the cell that defines it (under "
                     "'The blocking library call') again, unchanged.")
    if not same_code(getattr(function, "__wrapped__", function), pristine()):
        raise Failed(f"{NAME} is not the function the exercise provides: the task says you may "
                     "not change it. Run its cell again as given (or restart the kernel and "
                     "run all), and change only ex05_view.")
