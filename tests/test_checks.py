"""The exercise checks, both ways: they pass on the solutions, and fail with the right message on
the untouched exercises and on typical wrong answers. Views are mounted in this process from
the notebooks' own cells (with small edits for the wrong answers), so no kernel is needed."""

import ast
import asyncio
import functools
import inspect
import linecache
from pathlib import Path

import nbformat
import pytest

import course
from course import routes
from course.grading import judging
from course.grading.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_OF = {name: exercise.notebook for name, exercise in EXERCISES.items()}
SHOWN = ("course.check(", "course.get(", "course.measure(\"/ex05")  # demo cells, not needed


@functools.cache
def server_run():
    """ex03's one-worker server run, measured once (starting waitress takes seconds)."""
    namespace = load("ex03", preset=None)
    return namespace["ex03_server_run"]


def load(exercise, folder="solutions", edits=(), drop_decorator=False, preset=()):
    """Run a notebook's code cells (not its demo and check cells) into a fresh namespace.

    `edits` are (old, new) replacements applied to the notebook's code first: each must match.
    For ex03 the one-worker server cell is replaced by a run measured once (unless preset=None)."""
    nb = nbformat.read(ROOT / folder / NOTEBOOK_OF[exercise], as_version=4)
    skip = SHOWN + (("course.serve(",) if exercise == "ex03" and preset is not None else ())
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"
            and not any(shown in cell.source for shown in skip)]
    for old, new in edits:
        matches = [i for i, source in enumerate(code) if old in source]
        if len(matches) != 1:
            raise ValueError(f"edit {old!r} matches {len(matches)} cells of {exercise}")
        code[matches[0]] = code[matches[0]].replace(old, new, 1)
    namespace = {"__name__": f"{folder}_{exercise}", **dict(preset or ())}
    if len(skip) > len(SHOWN):
        namespace["ex03_server_run"] = server_run() if folder == "solutions" else None
    for index, source in enumerate(code):
        filename = f"<{folder}-{exercise}-cell{index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        compiled = compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(compiled, namespace)  # noqa: S307 - the course's own notebooks
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    return namespace


@pytest.fixture(autouse=True)
def no_exercise_routes(lab):
    """Each test starts with no exercise view mounted."""
    routes.unmount(*[path for path in routes.mounted() if path.startswith("/ex")])
    routes._rebuild()
    yield


def check(exercise, namespace, **kwargs):
    result = course.check(exercise, namespace=namespace, plot=False, **kwargs)
    print(repr(result))
    return result


@pytest.mark.parametrize("exercise", list(NOTEBOOK_OF))
def test_every_check_passes_on_its_solution(exercise):
    result = check(exercise, load(exercise))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise", list(NOTEBOOK_OF))
def test_every_check_fails_on_the_untouched_exercise(exercise):
    result = check(exercise, load(exercise, "exercises"))
    assert not result.passed
    expected = "calls `legacy_report(...)` directly" if exercise == "ex05" else "Not solved yet"
    assert expected in result.message


WRONG_ANSWERS = {
    "def instead of async def": ("ex01", [
        ("async def ex01_view", "def ex01_view"),
        ("await asyncio.sleep(delay_s)", "__import__('time').sleep(delay_s)")],
        "is a plain `def` view"),
    "time.sleep blocks the loop": ("ex01", [
        ("await asyncio.sleep(delay_s)", "__import__('time').sleep(delay_s)")],
        "blocks the event loop"),
    "forgot await": ("ex01", [("await asyncio.sleep(delay_s)", "asyncio.sleep(delay_s)")],
                     "forget `await`"),
    "response not JSON": ("ex01", [
        ('return JsonResponse({"waited_s": delay_s})',
         'return __import__("django.http").http.HttpResponse(f"waited {delay_s}")')],
        "is not JSON"),
    "wrong JSON": ("ex01", [('{"waited_s": delay_s}', '{"waited": delay_s}')],
                   '{"waited_s": 0.3}'),
    "the view raises": ("ex01", [("await asyncio.sleep(delay_s)", "1 / 0")],
                        "raised ZeroDivisionError: division by zero"),
    "wrong route": ("ex01", [('@course.route("ex01/")', '@course.route("ex1/")')],
                    "is mounted at /ex1/, but this exercise calls /ex01/"),
    "not mounted": ("ex01", [('@course.route("ex01/")\n', "")],
                    "is defined but not mounted"),
    "view missing": ("ex01", [('@course.route("ex01/")\nasync def ex01_view', 'async def view')],
                     "There is no view named ex01_view"),
    "lazy QuerySet": ("ex02", [
        ('await sync_to_async(list)(Book.objects.values("title", "published"))',
         '[b for b in await sync_to_async(Book.objects.values)("title", "published")]')],
        "SynchronousOnlyOperation"),
    "forgot await on sync_to_async": ("ex02", [("books = await sync_to_async", "books = sync_to_async")],
                                      "did you forget `await`"),
    "some books missing": ("ex02", [('"published"))', '"published")[:5])')],
                           "Expected all 12 books; got 5"),
    "speed-up typed in, not measured": ("ex03", [
        ("ex03_speedup = ex03_sync_run.total_s / ex03_async_run.total_s", "ex03_speedup = 3.0")],
        "but your own runs give"),
    "runs not measured": ("ex03", [
        ('ex03_sync_run = await course.measure("/ex03/sync/?delay_s=1", requests=3, title="ex03_sync")',
         "ex03_sync_run = None"),
        ("course.timelines(ex03_sync_run, ex03_async_run, ex03_server_run)", "pass"),
        ("ex03_speedup = ex03_sync_run.total_s / ex03_async_run.total_s", "ex03_speedup = 1.0")],
        "ex03_sync_run should hold a measurement"),
    "sync version written async": ("ex03", [("def ex03_sync(request)", "async def ex03_sync(request)")],
                                   "ex03_sync should be the sync version"),
    "upstream calls one after another": ("ex04", [
        ("results = await asyncio.gather(*(call_service(request, name) for name in SERVICES))",
         "results = [await call_service(request, name) for name in SERVICES]")],
        "called them one after another"),
    "no deadline": ("ex04", [("async with asyncio.timeout(DEADLINE_S):", "if True:")],
                    "the deadline is DEADLINE_S"),
    "a failing service fails the page": ("ex04", [
        ('    if response.status_code != 200:\n        return {"error": f"the service answered '
         '{response.status_code}"}\n', "")],
        "When one service answers 503"),
    "a deadline well past DEADLINE_S": ("ex04", [
        ("async with asyncio.timeout(DEADLINE_S):", "async with asyncio.timeout(2.3):")],
        "the check allows up to"),
    "a deadline shorter than DEADLINE_S": ("ex04", [  # Reviewer F2 A7
        ("async with asyncio.timeout(DEADLINE_S):", "async with asyncio.timeout(0.5):")],
        "it gave up on news before the deadline"),
    "a service slower than 0.5 s reported as an error": ("ex04", [
        ("    if response.status_code != 200:",
         "    if response.status_code != 200 or float(request.GET.get(name, 0)) > 0.5:")],
        'answered in time (0.7 s, within DEADLINE_S = 1 s), so services["weather"] should have a '
        '"data" entry'),
    "the view inflates the overhead allowance": ("ex04", [  # Reviewer F2 A8
        ("async with asyncio.timeout(DEADLINE_S):", "async with asyncio.timeout(1.9):"),
        ("results = await asyncio.gather(*(call_service(request, name) for name in SERVICES))",
         "results = await asyncio.gather(*(call_service(request, name) for name in SERVICES))\n"
         "    if all(float(request.GET.get(s, '0.3')) <= DEADLINE_S for s in SERVICES):\n"
         "        await asyncio.sleep(0.5)  # only when nothing is slow")],
        "took 1.9"),
    "upstream data typed in": ("ex04", [
        ('return {"data": response.json()["data"]}',
         'return {"data": {"greeting": f"hello from {name}"}}')],
        'Pass on `response.json()["data"]` as the service sent it'),
    "no error text": ("ex04", [
        ('return {"error": f"no answer within {DEADLINE_S:g} s"}', 'return {"error": None}'),
        ('return {"error": f"the service answered {response.status_code}"}',
         'return {"error": " "}')],
        '"error"] should be a text saying what happened'),
    "blocking fix made the view def": ("ex05", [("async def ex05_view", "def ex05_view"),
                                                ("await sync_to_async(legacy_report)", "legacy_report")],
                                       "is a plain `def` view"),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # "coroutine … was never awaited"
@pytest.mark.parametrize("kind", list(WRONG_ANSWERS))
def test_wrong_answers_fail_with_the_right_message(kind):
    exercise, edits, expected = WRONG_ANSWERS[kind]
    result = check(exercise, load(exercise, edits=edits))
    assert not result.passed
    assert expected in result.message


def test_time_sleep_is_named_in_the_message():
    namespace = load("ex01", edits=[("await asyncio.sleep(delay_s)", "time.sleep(delay_s)"),
                                    ("import asyncio", "import asyncio\nimport time")])
    result = check("ex01", namespace)
    assert "calls `time.sleep`" in result.message
    assert result.measured["worst_loop_lag_s"] > judging.BLOCKED_LAG_S


def test_a_view_that_never_answers_hits_the_time_limit(monkeypatch):
    monkeypatch.setattr(judging, "REQUEST_LIMIT_S", 1.0)
    namespace = load("ex01", edits=[("await asyncio.sleep(delay_s)", "await asyncio.sleep(60)")])
    result = check("ex01", namespace)
    assert not result.passed and "did not answer" in result.message


def test_a_view_that_blocks_forever_does_not_hang_the_check():
    namespace = load("ex01", edits=[("await asyncio.sleep(delay_s)",
                                     "__import__('time').sleep(20)")])
    result = check("ex01", namespace, limit_s=1.5)
    assert not result.passed and "gave up after 1.5 s" in result.message


def test_an_unknown_exercise_lists_the_valid_ones():
    with pytest.raises(ValueError, match="ex01, ex02, ex03, ex04, ex05"):
        course.check("ex1")


def test_results_display_themselves_with_escaped_html_and_a_plot():
    result = course.check("ex01", namespace=load("ex01"))
    assert result.passed and result.figure is not None
    assert "<img src='data:image/png;base64," in result._repr_html_()
    assert repr(result).startswith("ex01: PASSED")
    failed = course.check("ex02", namespace={"ex02_view": "<b>not a view</b>"})
    assert "&lt;b&gt;" in failed._repr_html_() and "<b>not a view" not in failed._repr_html_()


def test_check_all_returns_a_score_table():
    load("ex01")
    table = course.grading.check_all(["ex01", "ex02"], namespace={})
    assert table.score == "1/2"
    assert "Score 1/2" in repr(table) and "<table>" in table._repr_html_()


EX03_MEASURE = 'ex03_sync_run = await course.measure("/ex03/sync/?delay_s=1", requests=3, title="ex03_sync")'
EX03_BY_HAND = ("ex03_sync_run = course.Run('by hand', [course.Record(f'r{i}', 0.0, 1.02, "
                "thread=f'worker-{i}', status=200, view_start_s=0.01, view_end_s=1.01) "
                "for i in range(3)])")


@pytest.mark.parametrize("change, expected", [
    ("by hand", "ex03_sync_run was not made by course.measure"),
    ("records changed", "records were changed after course.measure"),
    ("a record changed in place", "records were changed after course.measure"),  # F2 A9
    ("in-process server run", "ex03_server_run should measure the sync view on a server"),
    ("no time.sleep", "does not call `time.sleep(delay_s)`"),
])
def test_ex03_refuses_runs_not_measured_as_asked(change, expected):
    edits = {"by hand": [(EX03_MEASURE, EX03_BY_HAND)],
             "no time.sleep": [("time.sleep(delay_s)  # blocks",
                                "__import__('threading').Event().wait(delay_s)  # blocks")]}
    namespace = load("ex03", edits=edits.get(change, ()))
    if change == "records changed":  # a measured run, its records swapped for others
        namespace["ex03_sync_run"].records = namespace["ex03_sync_run"].records[::-1]
    if change == "a record changed in place":  # the frozen Record itself, made to say "worker"
        object.__setattr__(namespace["ex03_async_run"].records[0], "thread", "worker")
    if change == "in-process server run":
        namespace["ex03_server_run"] = asyncio.run(course.measure("/sleep/sync/?delay_s=1"))
    result = check("ex03", namespace)
    assert not result.passed and expected in result.message


EX05_CALL = "report = await sync_to_async(legacy_report)(delay_s)  # runs on a worker thread"
EX05_BOUND = ('@course.route("ex05/")', 'report_async = sync_to_async(legacy_report)  # bound once'
              '\n\n\n@course.route("ex05/")')


# A learner's notebook has no '# STUB:' line naming legacy_report: the check must not need it.
EX05_NO_STUB = ("    # STUB: report = legacy_report(delay_s)  # blocks the event loop: fix this line\n", "")


@pytest.mark.parametrize("call, expected", [
    ("report = await sync_to_async(legacy_report)(0)\n    await asyncio.sleep(delay_s)\n"
     "    report['took_s'] = delay_s", "called legacy_report with 0, not with 0.3"),
    ("report = await report_async(0)\n    await asyncio.sleep(delay_s)\n"
     "    report['took_s'] = delay_s", "called legacy_report with 0, not with 0.3"),
    ("await asyncio.sleep(delay_s)\n    report = {'report': 'ready', 'took_s': delay_s}",
     "answered without running legacy_report"),
    ("report = await report_async(delay_s=delay_s)", None),
    ("report = await report_async(delay_s)", None),  # bound once at module level (Reviewer F2 B)
])
def test_ex05_legacy_report_must_get_the_requests_delay(call, expected):
    edits = [(EX05_CALL, call), EX05_NO_STUB] + ([EX05_BOUND] if "report_async" in call else [])
    namespace = load("ex05", edits=edits, preset={"asyncio": asyncio})
    view_source = inspect.getsource(namespace["ex05_view"])
    assert "STUB" not in view_source
    assert "report_async" not in call or "legacy_report" not in view_source
    result = check("ex05", namespace, hidden=True)
    assert result.passed is (expected is None), result.message
    assert expected is None or expected in result.message


@pytest.mark.parametrize("default, passes", [('"1"', True), ('"0.5"', False)])
def test_ex03_hidden_case_asks_without_delay_s(default, passes):
    edits = [('float(request.GET.get("delay_s", "1"))', f'float(request.GET.get("delay_s", {default}))')]
    result = check("ex03", load("ex03", edits=edits), hidden=True)
    assert result.passed is passes, result.message
    assert passes or "hidden case of the grader (no delay_s: the default)" in result.message


def test_ex03_runs_must_measure_the_named_paths_and_a_one_worker_server():
    """What the runs' behaviour may not show, course.measure's own record of each run does."""
    from course.grading.exercises import ex03_runs
    from course.grading.probes import Failed

    namespace = load("ex03")
    sync_run, async_run = namespace["ex03_sync_run"], namespace["ex03_async_run"]
    ex03_runs.require_targets(sync_run, async_run, namespace["ex03_server_run"])  # the solution
    in_process = asyncio.run(course.measure("/sleep/sync/?delay_s=0.1"))
    with pytest.raises(Failed, match="measured /sleep/sync/.delay_s=0.1 on no course.serve server"):
        ex03_runs.require_targets(sync_run, async_run, in_process)
    with pytest.raises(Failed, match="ex03_sync_run measured /sleep/sync/.delay_s=0.1, not /ex03/sync/"):
        ex03_runs.require_targets(in_process, async_run, namespace["ex03_server_run"])


# A view that writes the course's timing headers itself (Reviewer F2 A3): the course overwrites
# them, so forged times neither pass a view that holds the loop nor fail one that does not.
EX01_FORGED = '''
    response = JsonResponse({"waited_s": delay_s})
    response["X-View-Thread"] = "MainThread"
    response["X-View-Start"] = f"{_anchor[0]:.6f}"
    response["X-View-End"] = f"{_anchor[0] + delay_s:.6f}"
    return response
'''
EX01_HOLDS_LOOP = '''
    import threading, time
    if time.time() - _anchor[0] > 1.0:  # the first of a batch sets the time all will claim
        _anchor[0] = time.time()
    async with _locks.setdefault(threading.get_ident(), asyncio.Lock()):
        time.sleep(delay_s * 0.65)  # holds the loop, one view after another
        await asyncio.sleep(0.01)  # one tick for the lag timer between stalls
    await asyncio.sleep(delay_s * 0.35)'''


@pytest.mark.parametrize("holds_loop", [True, False])
def test_ex01_forged_timing_headers_are_overwritten(holds_loop):
    wait = EX01_HOLDS_LOOP if holds_loop else "\n    await asyncio.sleep(delay_s)"
    edits = [('@course.route("ex01/")', '_anchor, _locks = [0.0], {}\n\n\n@course.route("ex01/")'),
             ('    await asyncio.sleep(delay_s)  # gives the event loop back while waiting\n'
              '    return JsonResponse({"waited_s": delay_s})\n', wait + EX01_FORGED)]
    result = check("ex01", load("ex01", edits=edits))
    assert result.passed is not holds_loop, result.message
    assert not holds_loop or "blocks the event loop" in result.message


def test_ex04_success_message_says_what_was_measured():
    result = check("ex04", load("ex04"))
    assert result.passed, result.message
    cut_s = result.measured["one_slow_s"]
    from course.grading.exercises import ex04

    assert ex04.CUT_FLOOR * ex04.DEADLINE_S <= cut_s
    assert f"news taking 4 s cut off after {cut_s:.2f} s (DEADLINE_S = 1 s" in result.message
