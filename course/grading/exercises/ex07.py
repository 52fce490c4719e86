"""ex07: how it is judged — the learner's async test must pass on correct views, fail on a blocking one.

The learner's test class runs with `target` set to each view's URL, through unittest in a thread
of its own (Django gives an `async def` test its own event loop there).
"""

import asyncio
import inspect
import io
import threading
import time
import unittest
import uuid

from course.grading.exercises import code_names
from course.grading.judging import Exercise, hidden_case
from course.grading.probes import Failed

NAME = "Ex07Tests"
DELAY_S = 0.2  # how long the check's views wait
RUN_LIMIT_S = 15.0  # one run of the learner's tests; they need about a second


def _view(wait, answer="ready", status=200):
    """One of the check's views: they all come from here, so that their names, qualified
    names, code, constants and docstrings are the same; only what `wait` does differs."""

    async def report(request):
        from django.http import JsonResponse

        await wait()
        return JsonResponse({"report": answer}, status=status)

    report.__doc__ = None
    return report


def _legacy_total():
    time.sleep(DELAY_S)  # a sync library call, one level down
    return asyncio.sleep(0)


VIEWS = {  # _view's arguments for each kind; each wait a lambda, so no name tells them apart
    "good": (lambda: asyncio.sleep(DELAY_S),),
    "threaded": (lambda: asyncio.to_thread(time.sleep, DELAY_S),),  # blocks a worker thread
    "blocking": (lambda: (time.sleep(DELAY_S), asyncio.sleep(0))[1],),  # holds the event loop
    "wrong answer": (lambda: asyncio.sleep(DELAY_S), "not ready", 503),
    "hidden blocking": (lambda: _legacy_total(),),  # holds the loop one call further down
}


def _mount_views():
    """Mount the check's views at fresh URLs that say nothing about the view; return {kind: URL}.

    A test that looks at its URL ("fail if it contains 'blocking'") or at the view (its name,
    qualified name, code or docstring) learns nothing from them: one factory made them all.
    """
    from course.routes import route

    targets = {}
    for kind, arguments in VIEWS.items():
        targets[kind] = f"/ex07/check/{uuid.uuid4().hex[:12]}/"
        route(targets[kind].lstrip("/"))(_view(*arguments))
    return targets


def _test_class(namespace):
    from django.test import SimpleTestCase

    cls = namespace.get(NAME)
    if cls is None:
        raise Failed(f"There is no class named {NAME} in this notebook. Define it in the answer "
                     f"cell (`class {NAME}(SimpleTestCase):`) and run that cell.")
    if not (inspect.isclass(cls) and issubclass(cls, SimpleTestCase)):
        raise Failed(f"{NAME} should be a class that subclasses django.test.SimpleTestCase "
                     f"(or TestCase); got {cls!r}.")
    tests = {name: getattr(cls, name) for name in unittest.defaultTestLoader.getTestCaseNames(cls)}
    if not tests:
        raise Failed(f"{NAME} has no test methods: unittest runs only methods whose names start "
                     "with `test`, e.g. `async def test_report(self):`.")
    sync = [name for name, method in tests.items() if not inspect.iscoroutinefunction(method)]
    if sync:
        raise Failed(f"{NAME}.{sync[0]} is a plain `def`. Write `async def {sync[0]}(self):` "
                     "and `await self.async_client.get(self.target)` inside it.")
    return cls, _names_used(tests.values())


def _require_async_client(names):
    if names is not None and not names & {"async_client", "AsyncClient"}:
        raise Failed(f"{NAME}'s tests should call the view with Django's AsyncClient: "
                     "`response = await self.async_client.get(self.target)`.")


def _names_used(methods):
    """Every name and attribute name the methods' code uses (not comments), or None if unknown."""
    names = set()
    for method in methods:
        tree = code_names.parsed(method)
        if tree is None:
            return None
        names |= code_names.names_in(tree)
    return names


def _run_tests(cls, target):
    """Run the learner's tests with `target` set; return (tests run, [(test name, reason)])."""
    case = type(f"{NAME}_on_{target.strip('/').replace('/', '_')}", (cls,),
                {"target": target, "__module__": cls.__module__})
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    problems = [(test._testMethodName, _reason(trace))
                for test, trace in result.failures + result.errors]
    return result.testsRun, problems


def _reason(trace):
    """The exception line at the end of a traceback text, e.g. 'AssertionError: 404 != 200'."""
    lines = [line for line in trace.strip().splitlines() if line and not line.startswith(" ")]
    return lines[-1] if lines else trace.strip()[-200:]


async def _run_on(cls, target):
    """Run the tests on a daemon thread (a stuck test must not keep the check waiting)."""
    loop, done = asyncio.get_running_loop(), asyncio.Event()
    outcome = {}

    def run():
        try:
            outcome["value"] = _run_tests(cls, target)
        except BaseException as error:  # handed back to the check
            outcome["error"] = error
        loop.call_soon_threadsafe(done.set)

    threading.Thread(target=run, name="ex07-tests", daemon=True).start()
    try:
        await asyncio.wait_for(done.wait(), RUN_LIMIT_S)
    except TimeoutError:
        raise Failed(f"Your tests did not finish within {RUN_LIMIT_S:g} s on {target}: does a "
                     "test wait for something that never happens?") from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _require_pass(label, target, ran, problems, names):
    if problems:
        test, reason = problems[0]
        if "NotImplementedError" in reason:
            raise Failed(f"Not solved yet: {NAME}.{test} still raises the exercise's placeholder "
                         f"({reason}). Replace that line with your test.")
        _require_async_client(names)
        hint = (" Did you forget `await` in front of self.async_client.get(...)?"
                if "coroutine" in reason else "")
        raise Failed(f"Your test {test} fails on {label} ({target}): {reason}. A test must pass "
                     f"on correct code: fix the test, not the view.{hint}")
    if not ran:
        raise Failed(f"No test of {NAME} ran on {target}: are they all skipped?")


async def _require_fails(cls, names, target):
    """The learner's tests must fail on the blocking view at `target`; return the first failure."""
    ran, problems = await _run_on(cls, target)
    if not problems:
        hint = ("" if names is None or "target" in names else
                " Also, your tests never use self.target, so they did not even call it.")
        raise Failed(f"Your tests passed on the view that blocks the event loop ({target}: it "
                     "calls time.sleep). Checking one answer cannot see that: wrap the request "
                     "in `with blockbuster_ctx(\"django\"):`, or send several requests at once and assert "
                     f"that together they took about one delay.{hint}")
    return problems[0]


async def judge(context):
    from course.routes import unmount

    cls, names = _test_class(context.namespace)
    targets = _mount_views()
    try:
        return await _judge_on(context, cls, names, targets)
    finally:
        unmount(*targets.values())


async def _judge_on(context, cls, names, targets):
    for label, target in (("the correct view", targets["good"]),
                          ("a correct view that waits on a worker thread", targets["threaded"])):
        started = time.perf_counter()
        ran, problems = await _run_on(cls, target)
        _require_pass(label, target, ran, problems, names)
        context.note(f"{label} ({target}): {ran} test(s) passed in "
                     f"{time.perf_counter() - started:.2f} s")
    _require_async_client(names)
    blocking, wrong_answer = targets["blocking"], targets["wrong answer"]
    test, reason = await _require_fails(cls, names, blocking)
    ran, problems = await _run_on(cls, wrong_answer)
    if not problems:
        raise Failed(f"Your tests passed on a view that does not block but answers 503 with "
                     f'{{"report": "not ready"}} ({wrong_answer}). Check the answer too: '
                     "`self.assertEqual(response.status_code, 200)` and "
                     '`self.assertEqual(response.json(), {"report": "ready"})`.')
    context.note(f"a view with the wrong answer ({wrong_answer}): {problems[0][0]} failed")
    if context.hidden:
        await hidden_case(context, "a view that blocks inside a helper function",
                          _require_fails(cls, names, targets["hidden blocking"]))
    context.note(f"the blocking view ({blocking}): {test} failed — {reason}")
    return (f"Your tests pass on both correct views and fail on the blocking one "
            f"({test}: {reason}).")


EXERCISE = Exercise("ex07", "write the test that catches blocking", "ex07_test_the_view.ipynb",
                    judge)
