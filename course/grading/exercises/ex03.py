"""ex03, sync vs async, measured (under Django's ASGI handler and on a one-worker sync server).

Task, sentence by sentence → step: ex03_sync (`def`, time.sleep) at ex03/sync/ and ex03_async
(`async def`) at ex03/async/ · each answers {"waited_s": delay_s} and waits it (views) · three
concurrent requests to each in ex03_sync_run / ex03_async_run, and to the one-worker sync
server in ex03_server_run (each made by course.measure and unchanged, of the paths named, the
server run on a course.serve("waitress", workers=1) server; what was measured: threads, overlap,
delay) · "plot all three": not graded (the plot is for the learner; the task says so) · the
speed-ups stated are the runs' own ratios, and agree with the check's fresh measurement.
Hidden: other delays for both views; no ?delay_s= at all (the given 1 s default).
"""

import asyncio

from asgiref.sync import iscoroutinefunction

from course.grading import judging
from course.grading.exercises import code_names, ex03_runs
from course.grading.judging import DELAY_S, REQUESTS, SHORT_DELAY_S, Exercise
from course.grading.probes import Failed, describe, json_of, require_async

VIEWS = (("ex03_sync", "ex03/sync/"), ("ex03_async", "ex03/async/"))
LONGER_S = 0.7  # a second delay: each view's wait must follow delay_s
HIDDEN_DELAYS_S = (0.2, 0.55)  # the grader's run: other delays than the visible check's
DEFAULT_S = 1.0  # the views' given first line: float(request.GET.get("delay_s", "1"))


async def answers_delay(view_name, route, delay_s):
    """delay_s=None: no ?delay_s= at all, and the view waits its default, DEFAULT_S."""
    query = "" if delay_s is None else f"?delay_s={delay_s}"
    reply = await judging.get_within(f"/{route}{query}", view_name)
    data, waited_s = json_of(reply, view_name), DEFAULT_S if delay_s is None else delay_s
    if data != {"waited_s": waited_s}:
        raise Failed(f'{view_name} should answer exactly {{"waited_s": {waited_s}}} for '
                     f"{query or 'a request without ?delay_s='}, got {describe(data)}.")
    judging.require_waited(reply, view_name, waited_s)
    return reply


async def default_delay(context):
    """Without ?delay_s=, both views wait the default of their given first line: 1 s."""
    await asyncio.gather(*(answers_delay(view_name, route, None) for view_name, route in VIEWS))


async def views_answer(context, delays):
    for view_name, route in VIEWS:
        replies = [await answers_delay(view_name, route, delay_s) for delay_s in delays]
        if len(delays) == 2:
            judging.require_follows(*replies, view_name, *delays)


def find_views(context):
    sync_view = context.view("ex03_sync", "ex03/sync/")
    async_view = context.view("ex03_async", "ex03/async/")
    if iscoroutinefunction(sync_view):
        raise Failed("ex03_sync should be the sync version: `def ex03_sync(request):` "
                     "with time.sleep(delay_s), so that you can compare it with ex03_async.")
    require_async(async_view, "ex03_async", "wait with `await asyncio.sleep(delay_s)`")
    return sync_view, async_view


def require_time_sleep(sync_view):
    """The task: ex03_sync waits with time.sleep (read from its code; unreadable code passes)."""
    tree = code_names.parsed(sync_view)
    if tree is not None and "sleep" not in code_names.names_in(tree):
        raise Failed("ex03_sync answers, but does not call `time.sleep(delay_s)`: the task asks "
                     "the sync view to wait with it, the blocking wait that holds its thread.")


async def check_speedup(context, async_view):
    """The check's own sync/async ratio, measured now."""
    query = f"?delay_s={DELAY_S}"
    sync_run, _ = await judging.measure_probed(context, "/ex03/sync/" + query, "ex03_sync",
                                                f"check: ex03_sync, {REQUESTS} requests")
    async_run = await judging.require_concurrent(
        context, "/ex03/async/" + query, async_view, "ex03_async",
        f"check: ex03_async, {REQUESTS} requests", delay_s=DELAY_S)
    measured = sync_run.total_s / async_run.total_s
    context.note(f"the check measured sync {sync_run.total_s:.2f} s / async "
                 f"{async_run.total_s:.2f} s = speed-up {measured:.2f}",
                 check_speedup=round(measured, 3))
    return measured


async def judge(context):
    sync_view, async_view = find_views(context)
    await views_answer(context, (SHORT_DELAY_S, LONGER_S))
    require_time_sleep(sync_view)
    if context.hidden:
        await judging.hidden_case(context, "other delays", views_answer(context, HIDDEN_DELAYS_S))
        await judging.hidden_case(context, "no delay_s: the default", default_delay(context))
    measured = await check_speedup(context, async_view)
    runs = ex03_runs.learner_runs(context.namespace)
    ex03_runs.require_what_was_measured(context, *runs)
    ex03_runs.require_targets(*runs)
    own, server = ex03_runs.require_stated(context, *runs)
    ex03_runs.require_agrees(own, measured)
    return (f"Under Django's ASGI handler your speed-up is {own:.2f} (the check measured "
            f"{measured:.2f}): each sync request got a thread of its own. On the one-worker "
            f"sync server the same three requests took {server:.2f}× as long: they queued.")


EXERCISE = Exercise("ex03", "sync vs async, measured", "ex03_sync_vs_async.ipynb", judge)
