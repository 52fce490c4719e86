"""The five exercises and how each one is judged: by running the learner's views.

    EXERCISES["ex01"].judge(context)      # a coroutine: returns the success message or
                                          # raises Failed with what to change

Each judge calls the views through Django's ASGI handler (course.get, course.measure) and
looks at behaviour: status and JSON, overlap of concurrent requests, the event loop's lag,
the exceptions a view raised, and time limits. course.checks runs the judges and shows them.
"""

import math
from dataclasses import dataclass, field

from asgiref.sync import iscoroutinefunction

from course import plots
from course.grading_probes import (
    Failed,
    as_number,
    blocking_hint,
    describe,
    find_view,
    json_of,
    require_async,
    require_setup,
)
from course.invoke import RequestTimeout, get
from course.looplag import LoopLag
from course.records import Run
from course.timing import measure

__all__ = ["EXERCISES", "Context", "Failed", "draw", "require_setup"]

DELAY_S = 0.5  # each request of a concurrent measurement waits this long
SHORT_DELAY_S = 0.3  # the single request that checks the answer's JSON
REQUESTS = 3  # sent at once to judge overlap
REQUEST_LIMIT_S = 5.0  # no exercise view needs longer; beyond this it is hanging
BLOCKED_LAG_S = 0.4  # the loop standing still this long (most of DELAY_S) means a view blocked it;
# shorter stalls happen on a busy machine, and overlap is judged separately
TOO_FAST = 0.8  # answering in less than this fraction of the delay means it didn't wait
SPEEDUP_MARGIN = 1.5  # a stated speed-up may differ from the check's by this factor
SPEEDUP_OWN_RUNS = 1.1  # … and from the learner's own runs' ratio by this factor

UPSTREAM_DELAY_S = 0.4  # ex04: how slow each fake upstream API is made
UPSTREAM_SLOW_S = 3.0  # ex04: the one slow service
GATHERED_MAX = 1.8  # ex04: calls at once take about one delay; one after another, three
DEADLINE_S = 1.0  # ex04: the deadline the exercise states
DEADLINE_GRACE_S = 0.6  # ex04: time allowed past the deadline
SERVICES = ("weather", "news", "stocks")


@dataclass
class Context:
    """What a judge works with (the learner's variables) and leaves behind (what it saw)."""

    exercise: str
    namespace: dict
    details: list = field(default_factory=list)
    measured: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)  # measured runs, drawn under the verdict

    def note(self, line, **numbers):
        self.details.append(line)
        self.measured.update(numbers)


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    notebook: str
    judge: object  # async (Context) -> success message


def draw(context):
    """The timeline(s) a check measured, as one Figure (None when nothing was measured)."""
    runs = [run for run in context.runs if run.records]
    if not runs:
        return None
    return plots.timeline(runs[0]) if len(runs) == 1 else plots.timelines(*runs)


async def _get(target, name, timeout_s=None):
    timeout_s = timeout_s or REQUEST_LIMIT_S
    try:
        return await get(target, timeout_s=timeout_s)
    except RequestTimeout:
        raise Failed(
            f"{name} did not answer {target} within {timeout_s:g} s. It should take about a "
            "second at most: is it waiting on something that never finishes, or for far "
            "longer than asked?"
        ) from None


async def _measure_probed(context, target, name, title, n=REQUESTS, timeout_s=None):
    """Send n requests at once while watching the loop; keep the run for the plot."""
    timeout_s = timeout_s or REQUEST_LIMIT_S
    try:
        async with LoopLag() as lag:
            run = await measure(target, n=n, title=title, timeout_s=timeout_s)
    except RequestTimeout:
        raise Failed(
            f"{n} requests at once to {target}: not all answered within {timeout_s:g} s. "
            f"{name} should finish in about a second; is it waiting on something that never "
            "finishes?"
        ) from None
    context.runs.append(run)
    return run, lag.worst_s


def _require_waited(reply, name, delay_s):
    if reply.elapsed_s < TOO_FAST * delay_s:
        raise Failed(
            f"{name} answered in {reply.elapsed_s:.3f} s, but it should wait delay_s = "
            f"{delay_s:g} s. Did you forget `await` in front of asyncio.sleep(...)? Without it "
            "the sleep is only created, never run."
        )


def _require_overlap(context, run, lag_s, view, name, overlap=True):
    """Fail unless all answered 200 and the loop kept ticking (and, if asked, they overlapped)."""
    context.note(
        f"{run.title}: {run.total_s:.2f} s in total, the event loop stood still for at most "
        f"{lag_s * 1000:.0f} ms",
        total_s=round(run.total_s, 3), worst_loop_lag_s=round(lag_s, 3),
    )
    statuses = [r.status for r in run.records]
    if any(status != 200 for status in statuses):
        raise Failed(f"Under concurrent requests {name} answered statuses {statuses}; expected "
                     f"200 each. Call it with course.get to see the error.")
    serial = overlap and not run.overlapping()
    if lag_s > BLOCKED_LAG_S or serial:
        how = (f"the {len(run.records)} requests ran one after another ({run.total_s:.2f} s in "
               "all) instead of together" if serial else
               f"the event loop stood still for {lag_s:.2f} s while it ran")
        raise Failed(f"{name} blocks the event loop: {how}. {blocking_hint(view)}")


async def judge_ex01(context):
    name, delay_s = "ex01_view", SHORT_DELAY_S
    view = find_view(context.namespace, name, "ex01/")
    require_async(view, name, "wait with `await asyncio.sleep(delay_s)`")
    reply = await _get(f"/ex01/?delay_s={delay_s}", name)
    data = json_of(reply, name)
    if not isinstance(data, dict) or data.get("waited_s") != delay_s:
        raise Failed(f"For /ex01/?delay_s={delay_s} the JSON should be "
                     f'{{"waited_s": {delay_s}}} (the number read from the query string), '
                     f"got {describe(data)}.")
    _require_waited(reply, name, delay_s)
    context.note(f"one request with delay_s={delay_s}: {reply.elapsed_s:.2f} s, JSON {data}")
    run, lag_s = await _measure_probed(context, f"/ex01/?delay_s={DELAY_S}", name,
                                       f"your ex01_view: {REQUESTS} requests of {DELAY_S:g} s")
    _require_overlap(context, run, lag_s, view, name)
    return (f"{REQUESTS} requests of {DELAY_S:g} s overlapped and finished together in "
            f"{run.total_s:.2f} s, and the event loop kept ticking.")


def _book_titles():
    from django.db import connections

    from demo_project.catalog.models import Book

    try:
        return list(Book.objects.values_list("title", flat=True))
    finally:
        connections.close_all()


async def judge_ex02(context):
    from asgiref.sync import sync_to_async

    name = "ex02_view"
    view = find_view(context.namespace, name, "ex02/")
    require_async(view, name, "await the database call (sync_to_async or the async ORM)")
    expected = await sync_to_async(_book_titles, thread_sensitive=False)()
    data = json_of(await _get("/ex02/", name), name)
    books = data.get("books") if isinstance(data, dict) else None
    if not isinstance(books, list) or not all(isinstance(book, dict) for book in books):
        raise Failed(f'The JSON should be {{"books": [{{"title": …, "published": …}}, …]}}, '
                     f"got {describe(data)}.")
    titles = [book.get("title") for book in books]
    if len(titles) != len(expected):
        raise Failed(f"Expected all {len(expected)} books; got {len(titles)}. Return every book, "
                     "each as {'title': …, 'published': …}, without slicing or filtering.")
    if titles != expected:
        raise Failed(
            f"Expected the books in the model's order (by year published, then title), "
            f"starting {expected[:2]}; got {titles[:2]}. Keep the order the query gives."
        )
    context.note(f"one request: {len(books)} books, as expected")
    run, lag_s = await _measure_probed(context, "/ex02/", name,
                                       f"your ex02_view: {REQUESTS} requests at once")
    # Fast queries need not overlap; what matters is that none blocked the loop.
    _require_overlap(context, run, lag_s, view, name, overlap=False)
    return (f"All {len(books)} books, and {REQUESTS} concurrent requests answered in "
            f"{run.total_s:.2f} s with no SynchronousOnlyOperation.")


async def _ex03_views(context):
    sync_view = find_view(context.namespace, "ex03_sync", "ex03/sync/")
    async_view = find_view(context.namespace, "ex03_async", "ex03/async/")
    if iscoroutinefunction(sync_view):
        raise Failed("ex03_sync should be the sync version: `def ex03_sync(request):` "
                     "with time.sleep(delay_s), so that you can compare it with ex03_async.")
    require_async(async_view, "ex03_async", "wait with `await asyncio.sleep(delay_s)`")
    for view_name, route in (("ex03_sync", "ex03/sync/"), ("ex03_async", "ex03/async/")):
        reply = await _get(f"/{route}?delay_s={SHORT_DELAY_S}", view_name)
        data = json_of(reply, view_name)
        if not isinstance(data, dict) or data.get("waited_s") != SHORT_DELAY_S:
            raise Failed(f'{view_name} should answer {{"waited_s": {SHORT_DELAY_S}}} for '
                         f"?delay_s={SHORT_DELAY_S}, got {describe(data)}.")
        _require_waited(reply, view_name, SHORT_DELAY_S)
    return async_view


def _learner_runs(namespace):
    runs = []
    for variable in ("ex03_sync_run", "ex03_async_run"):
        run = namespace.get(variable)
        if not isinstance(run, Run):
            raise Failed(
                f"{variable} should hold a measurement, e.g. `{variable} = await course.measure("
                f'"/ex03/{variable.split("_")[1]}/?delay_s=1", n=3)`; it is {run!r}.')
        if len(run.records) < REQUESTS or run.statuses != [200]:
            raise Failed(f"{variable} should measure at least {REQUESTS} requests that all "
                         f"answered 200; it has {len(run.records)} with statuses {run.statuses}.")
        runs.append(run)
    return runs


async def judge_ex03(context):
    async_view = await _ex03_views(context)
    query = f"?delay_s={DELAY_S}"
    sync_run, _ = await _measure_probed(context, "/ex03/sync/" + query, "ex03_sync",
                                        f"check: ex03_sync, {REQUESTS} requests")
    async_run, lag_s = await _measure_probed(context, "/ex03/async/" + query, "ex03_async",
                                             f"check: ex03_async, {REQUESTS} requests")
    _require_overlap(context, async_run, lag_s, async_view, "ex03_async")
    measured = sync_run.total_s / async_run.total_s
    context.note(f"the check measured sync {sync_run.total_s:.2f} s / async "
                 f"{async_run.total_s:.2f} s = speed-up {measured:.2f}",
                 check_speedup=round(measured, 3))
    learner_sync, learner_async = _learner_runs(context.namespace)
    own = learner_sync.total_s / learner_async.total_s
    stated = as_number(context.namespace.get("ex03_speedup"), "ex03_speedup")
    context.note(f"you stated ex03_speedup = {stated:.2f}; your runs give {own:.2f}",
                 stated_speedup=round(stated, 3))
    if abs(math.log(max(stated, 1e-9) / own)) > math.log(SPEEDUP_OWN_RUNS):
        raise Failed(f"ex03_speedup is {stated:g}, but your own runs give "
                     f"ex03_sync_run.total_s / ex03_async_run.total_s = {own:.2f}. State what "
                     "you measured: compute ex03_speedup from your two runs.")
    if abs(math.log(own / measured)) > math.log(SPEEDUP_MARGIN):
        raise Failed(f"Your runs give a speed-up of {own:.2f}, but the check measured "
                     f"{measured:.2f} for the same views. Did you measure other views, or "
                     "with fewer requests? Re-run your measurement cell, then check again.")
    return (f"Your speed-up {stated:.2f} matches the check's {measured:.2f}: under Django's "
            "ASGI handler each sync request gets a thread of its own.")


async def judge_ex04(context):
    name = "ex04_view"
    view = find_view(context.namespace, name, "ex04/")
    require_async(view, name, "await the three calls together with asyncio.gather")
    fast = "&".join(f"{service}={UPSTREAM_DELAY_S}" for service in SERVICES)
    reply = await _get(f"/ex04/?{fast}", name)
    _require_services(json_of(reply, name), name, failed=())
    context.note(f"three services of {UPSTREAM_DELAY_S:g} s each: {reply.elapsed_s:.2f} s",
                 all_fast_s=round(reply.elapsed_s, 3))
    if reply.elapsed_s > GATHERED_MAX * UPSTREAM_DELAY_S:
        raise Failed(
            f"Three services that take {UPSTREAM_DELAY_S:g} s each took {reply.elapsed_s:.2f} s:"
            " your view called them one after another. Start all three at once with "
            "`await asyncio.gather(...)`."
        )
    broken = await _get("/ex04/?fail=stocks", name)
    if broken.error or broken.status != 200:
        raise Failed(
            f"When one service answers 503, {name} should still answer 200 with an error for "
            f"that service, but it answered {broken.status}"
            f"{' and raised ' + broken.error if broken.error else ''}. Check each upstream "
            "response's status_code before reading its data."
        )
    _require_services(json_of(broken, name), name, failed=("stocks",))
    limit_s = DEADLINE_S + DEADLINE_GRACE_S
    slow = f"/ex04/?news={UPSTREAM_SLOW_S:g}"
    try:
        slow_reply = await get(slow, timeout_s=UPSTREAM_SLOW_S + 1.0)
    except RequestTimeout:
        slow_reply = None
    if slow_reply is None or slow_reply.elapsed_s > limit_s:
        took = "no answer at all" if slow_reply is None else f"{slow_reply.elapsed_s:.2f} s"
        raise Failed(f"With one service taking {UPSTREAM_SLOW_S:g} s, {name} took {took}; "
                     f"the deadline is DEADLINE_S = {DEADLINE_S:g} s. Wrap each call in "
                     "`async with asyncio.timeout(DEADLINE_S):` and report an error for it.")
    _require_services(json_of(slow_reply, name), name, failed=("news",))
    context.note(f"news taking {UPSTREAM_SLOW_S:g} s: answered in {slow_reply.elapsed_s:.2f} s",
                 one_slow_s=round(slow_reply.elapsed_s, 3))
    run, lag_s = await _measure_probed(
        context, slow, name, f"your ex04_view, news takes {UPSTREAM_SLOW_S:g} s: "
        f"{REQUESTS} requests", timeout_s=limit_s + 1.0)
    _require_overlap(context, run, lag_s, view, name)
    return (f"Three services at once in {reply.elapsed_s:.2f} s; a slow one cut off at the "
            f"deadline ({run.total_s:.2f} s for {REQUESTS} requests); a broken one reported.")


def _require_services(data, name, failed):
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or set(services) != set(SERVICES):
        raise Failed(f'The JSON should be {{"services": {{"weather": …, "news": …, "stocks": …}}}}'
                     f", got {describe(data)}.")
    for service, entry in services.items():
        key = "error" if service in failed else "data"
        if not isinstance(entry, dict) or key not in entry:
            situation = "failed or was too slow" if service in failed else "answered in time"
            raise Failed(f'{service} {situation}, so services["{service}"] should have a '
                         f'"{key}" entry; got {describe(entry)}.')


async def judge_ex05(context):
    name, delay_s = "ex05_view", SHORT_DELAY_S
    view = find_view(context.namespace, name, "ex05/")
    require_async(view, name, "run the blocking call on a worker thread with "
                  "`await sync_to_async(legacy_report)(delay_s)`")
    reply = await _get(f"/ex05/?delay_s={delay_s}", name)
    data = json_of(reply, name)
    if not isinstance(data, dict) or data.get("took_s") != delay_s:
        raise Failed(f"ex05_view should return the report of legacy_report(delay_s), e.g. "
                     f'{{"report": "ready", "took_s": {delay_s}}}; got {describe(data)}.')
    run, lag_s = await _measure_probed(context, f"/ex05/?delay_s={DELAY_S}", name,
                                       f"your ex05_view: {REQUESTS} requests of {DELAY_S:g} s")
    _require_overlap(context, run, lag_s, view, name)
    return (f"The blocking call no longer blocks the loop: {REQUESTS} requests of {DELAY_S:g} s "
            f"overlapped ({run.total_s:.2f} s in all).")


EXERCISES = {
    exercise.name: exercise
    for exercise in (
        Exercise("ex01", "an async view that waits", "ex01_async_sleep.ipynb", judge_ex01),
        Exercise("ex02", "database records without blocking", "ex02_database.ipynb", judge_ex02),
        Exercise("ex03", "sync vs async, measured", "ex03_sync_vs_async.ipynb", judge_ex03),
        Exercise("ex04", "three APIs with a deadline", "ex04_upstream_apis.ipynb", judge_ex04),
        Exercise("ex05", "unblock the event loop", "ex05_unblock.ipynb", judge_ex05),
    )
}
