"""Self-checks for the exercises: one synchronous call per exercise, a result that shows itself.

    course.check("ex01")      # runs your view through Django's ASGI handler and judges it
    course.grading.check_all()        # every exercise, as a score table

No `await` needed: the check runs on a worker thread with an event loop of its own, so your
async views run on that loop (and Django's SynchronousOnlyOperation check applies there,
exactly as under a real ASGI server) while the notebook's own loop stays untouched.
"""

import asyncio
import base64
import gc
import html
import sys
import threading
import traceback
from dataclasses import dataclass, field

from course.grading import judging, probes, sources
from course.grading.exercises import EXERCISES
from course.grading.judging import Context
from course.grading.probes import Failed

CHECK_LIMIT_S = 45.0  # a check that takes longer than this is stuck in the learner's code
LOOP_THREAD_NAME = "check-event-loop"  # what the check's timelines show as the view's thread


@dataclass
class CheckResult:
    """The verdict on one exercise: passed or not, what to change, what was measured."""

    exercise: str
    passed: bool
    message: str
    details: list = field(default_factory=list)  # what the check measured, one line each
    measured: dict = field(default_factory=dict)  # the numbers behind the details
    figure: object = field(default=None, repr=False)  # a course.charts.Figure, or None

    def __bool__(self):
        return self.passed

    @property
    def verdict(self):
        return "passed" if self.passed else "not yet"

    def as_dict(self):
        return {"exercise": self.exercise, "passed": self.passed, "message": self.message,
                "measured": self.measured}

    def __repr__(self):
        lines = [f"{self.exercise}: {self.verdict.upper()} — {self.message}"]
        lines += [f"  · {line}" for line in self.details]
        return "\n".join(lines)

    def _repr_html_(self):
        colour, mark = ("#1a7f37", "✔") if self.passed else ("#cf222e", "✘")
        details = "".join(f"<li>{html.escape(line)}</li>" for line in self.details)
        picture = ""
        if self.figure is not None:
            png = base64.b64encode(self.figure._repr_png_()).decode("ascii")
            picture = f"<br><img src='data:image/png;base64,{png}' style='max-width:100%'>"
        return (
            f"<div><b style='color:{colour}'>{mark} {html.escape(self.exercise)}: "
            f"{self.verdict}</b><br>{html.escape(self.message)}"
            f"{f'<ul>{details}</ul>' if details else ''}{picture}</div>"
        )


@dataclass
class ScoreTable:
    """All check results: `table.score` is e.g. '4/5'; it displays as a table."""

    results: list

    @property
    def passed(self):
        return sum(result.passed for result in self.results)

    @property
    def score(self):
        return f"{self.passed}/{len(self.results)}"

    def __repr__(self):
        width = max((len(EXERCISES[r.exercise].title) for r in self.results), default=0)
        lines = [f"Score {self.score}"]
        for r in self.results:
            lines.append(f"{r.exercise}  {EXERCISES[r.exercise].title:<{width}}  "
                         f"{'✔' if r.passed else '✘'}  {r.message}")
        return "\n".join(lines)

    def _repr_html_(self):
        rows = "".join(
            f"<tr><td>{html.escape(r.exercise)}</td>"
            f"<td>{html.escape(EXERCISES[r.exercise].title)}</td>"
            f"<td style='color:{'#1a7f37' if r.passed else '#cf222e'}'>"
            f"{'✔' if r.passed else '✘'}</td>"
            f"<td style='text-align:left'>{html.escape(r.message)}</td></tr>"
            for r in self.results
        )
        return (f"<b>Score {html.escape(self.score)}</b><table><tr><th>exercise</th><th>title"
                f"</th><th></th><th style='text-align:left'>feedback</th></tr>{rows}</table>")


def _notebook_namespace():
    """The notebook's variables: in a Jupyter kernel, the module `__main__` is the notebook."""
    return vars(sys.modules["__main__"])


def _run_on_worker_thread(coroutine, limit_s, started=None):
    """Run `coroutine` with asyncio.run on a daemon thread; give up after `limit_s`.

    A daemon thread, not a ThreadPoolExecutor: a view stuck in a loop forever must not keep
    the kernel from exiting, and an executor's threads are joined at exit."""
    outcome = {}

    def run():
        if started is not None:  # told on this thread, before the loop runs
            started()
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error
        # Free what the views left now: a coroutine they forgot to await then warns here,
        # under the check that says so, rather than in some later cell.
        gc.collect()

    worker = threading.Thread(target=run, name=LOOP_THREAD_NAME, daemon=True)
    worker.start()
    worker.join(limit_s)
    if worker.is_alive():
        raise Failed(
            f"The check gave up after {limit_s:g} s: your code never finished. Something in "
            "the view blocks forever (a `while` loop, time.sleep with a huge value, a lock "
            "that is never released?). Fix it, then restart the kernel (Kernel → Restart "
            "Kernel): the stuck call is still running in the background."
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _lookup(name):
    if name not in EXERCISES:
        raise ValueError(
            f"There is no exercise {name!r}. The exercises are: {', '.join(EXERCISES)} "
            f"(for example course.check({next(iter(EXERCISES))!r}))."
        )
    return EXERCISES[name]


def _judged(exercise, context, limit_s):
    """The judge's success message; Failed (naming the likeliest cause first) otherwise."""
    probes.require_setup()
    probes.require_safe_environment()
    sources.require_compiles(context.namespace, [exercise.name])
    with probes.LoopQueries() as on_the_loop:  # the ORM on the loop, however it got there
        try:
            message = _run_on_worker_thread(exercise.judge(context), limit_s,
                                            started=on_the_loop.mark_loop_thread)
        except Failed as failure:
            on_the_loop.require_none(context.views)
            for view in context.views:  # a forgotten await explains most odd behaviour
                try:
                    sources.require_awaited(view, view.__name__)
                except Failed as cause:
                    raise Failed(f"{cause} (The check saw: {failure})") from None
            raise
    on_the_loop.require_none(context.views)
    probes.require_safe_environment(*context.views)  # a view may switch it on while it runs
    return message


def check(name, *, namespace=None, plot=True, limit_s=CHECK_LIMIT_S, hidden=False):
    """Judge exercise `name` by running your view; return a CheckResult that shows itself.

    >>> course.check("ex01")

    `namespace` is where your variables live (the notebook's, by default). `hidden=True` is
    the grader's run: it adds cases this check does not show, and never prints their inputs.
    """
    exercise = _lookup(name)
    context = Context(name, _notebook_namespace() if namespace is None else namespace,
                      hidden=hidden)
    try:
        message, passed = _judged(exercise, context, limit_s), True
    except Failed as failure:
        message, passed = str(failure), False
    except Exception as error:  # the check must always answer, even on odd answers
        message, passed = (
            f"The check could not finish: {type(error).__name__}: {error}. This may be a bug "
            "in the check; tell your instructor and show them this message.", False)
        context.details.append("".join(traceback.format_exception_only(error)).strip())
    figure = judging.draw(context) if plot else None
    return CheckResult(name, passed, message, context.details, context.measured, figure)


def check_all(names=None, *, namespace=None, plot=False, hidden=False):
    """Check every exercise (or those in `names`); return a ScoreTable.

    >>> course.grading.check_all()
    """
    chosen = list(EXERCISES) if names is None else [_lookup(n).name for n in names]
    return ScoreTable([check(n, namespace=namespace, plot=plot, hidden=hidden) for n in chosen])
