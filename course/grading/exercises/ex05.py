"""ex05, unblock the event loop.

Task, sentence by sentence → step: ex05_view at ex05/ · stays `async def` (require_async) · still
answers what legacy_report(delay_s) returns (JSON equal to it, for several delays) · calls the
provided legacy_report, which may not be changed (its code equals the notebook's own, and a
watcher sees it called with the request's delay_s, off the event loop) · no longer blocks the loop (overlap of 3 requests).
Hidden: other delays.
"""

import math
import sys
import threading
from contextlib import contextmanager

from course.grading import judging
from course.grading.exercises import ex05_pristine
from course.grading.judging import DELAY_S, REQUESTS, SHORT_DELAY_S, Exercise
from course.grading.probes import Failed, describe, json_of, require_async

NAME, ROUTE, PROVIDED = "ex05_view", "ex05/", "legacy_report"
LONGER_S = 0.7  # a second delay: the report's time must follow delay_s
HIDDEN_DELAYS_S = (0.2, 0.45)  # the grader's run: other delays than the visible check's


class _SleepWatch:
    """Stands in for the module `time` in the notebook: records the time.sleep calls that the
    provided legacy_report's own code makes (thread, seconds)."""

    def __init__(self, real, calls, code):
        self._real, self._calls, self._code = real, calls, code

    def sleep(self, seconds):
        if sys._getframe(1).f_code is self._code:  # called from legacy_report's body
            self._calls.append((threading.current_thread().name, seconds))
        return self._real.sleep(seconds)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _delay_of(args, kwargs):
    return args[0] if args else kwargs.get("delay_s")


@contextmanager
def watched(namespace):
    """Record each call of legacy_report as (thread, delay_s): by its name, and (for a view that
    keeps it under another name) by the time.sleep its body calls through the notebook's `time`."""
    original, real_time, calls = namespace[PROVIDED], namespace.get("time"), []

    def legacy_report(*args, **kwargs):
        calls.append((threading.current_thread().name, _delay_of(args, kwargs)))
        return original(*args, **kwargs)

    namespace[PROVIDED] = legacy_report
    if real_time is not None:
        code = getattr(getattr(original, "__wrapped__", original), "__code__", None)
        namespace["time"] = _SleepWatch(real_time, calls, code)
    try:
        yield calls
    finally:
        namespace[PROVIDED] = original
        if real_time is not None:
            namespace["time"] = real_time


def _same(delay, delay_s):
    return isinstance(delay, int | float) and math.isclose(delay, delay_s)


def require_called(calls, delay_s):
    """legacy_report ran (the watcher saw its body run, under whatever name the view calls it),
    with the request's delay_s, and never on the event loop's thread."""
    if not calls:
        raise Failed(f"For ?delay_s={delay_s}, ex05_view answered without running {PROVIDED}: "
                     "call the provided function (on a worker thread) instead of writing its "
                     f"work again, `await sync_to_async({PROVIDED})(delay_s)`.")
    if threading.current_thread().name in {thread for thread, _ in calls}:
        raise Failed(f"ex05_view calls `{PROVIDED}(...)` directly, on the event loop's thread, "
                     "so it blocks the loop for every request. Run it on a worker thread: "
                     f"`await sync_to_async({PROVIDED})(delay_s)`.")
    if not any(_same(delay, delay_s) for _, delay in calls):
        given = ", ".join(sorted({repr(delay) for _, delay in calls}))
        raise Failed(f"For ?delay_s={delay_s}, ex05_view called {PROVIDED} with {given}, not "
                     f"with {delay_s}: pass the request's delay_s on, "
                     f"`await sync_to_async({PROVIDED})(delay_s)`, and answer its report.")


async def answers_report(context, delay_s):
    expected = ex05_pristine.report(delay_s)
    with watched(context.namespace) as calls:
        reply = await judging.get_within(f"/{ROUTE}?delay_s={delay_s}", NAME)
    data = json_of(reply, NAME)
    if data != expected:
        raise Failed(f"ex05_view should return the report of legacy_report(delay_s): for "
                     f"delay_s={delay_s}, {describe(expected)}; got {describe(data)}.")
    require_called(calls, delay_s)
    return reply


async def reports_follow(context, delays):
    replies = [await answers_report(context, delay_s) for delay_s in delays]
    if len(delays) == 2:
        judging.require_follows(*replies, NAME, *delays)


async def judge(context):
    view = context.view(NAME, ROUTE)
    require_async(view, NAME, "run the blocking call on a worker thread with "
                  f"`await sync_to_async({PROVIDED})(delay_s)`")
    ex05_pristine.require_provided(context.namespace)
    await reports_follow(context, (SHORT_DELAY_S, LONGER_S))
    if context.hidden:
        await judging.hidden_case(context, "another delay_s",
                                  reports_follow(context, HIDDEN_DELAYS_S))
    run = await judging.require_concurrent(
        context, f"/{ROUTE}?delay_s={DELAY_S}", view, NAME,
        f"your ex05_view: {REQUESTS} requests of {DELAY_S:g} s", delay_s=DELAY_S)
    ex05_pristine.require_provided(context.namespace)  # not swapped while the views ran
    return (f"The blocking call no longer blocks the loop: {REQUESTS} requests of {DELAY_S:g} s "
            f"overlapped ({run.total_s:.2f} s in all).")


EXERCISE = Exercise("ex05", "unblock the event loop", "ex05_unblock.ipynb", judge)
