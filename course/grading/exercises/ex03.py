"""ex03: how it is judged."""

import math

from asgiref.sync import iscoroutinefunction

from course.grading.judging import (
    DELAY_S,
    REQUESTS,
    SHORT_DELAY_S,
    Exercise,
    get_within,
    measure_probed,
    require_overlap,
    require_waited,
)
from course.grading.probes import (
    Failed,
    as_number,
    describe,
    find_view,
    json_of,
    require_async,
)
from course.records import Run

SPEEDUP_MARGIN = 1.5  # a stated speed-up may differ from the check's by this factor
SPEEDUP_OWN_RUNS = 1.1  # … and from the learner's own runs' ratio by this factor

async def _ex03_views(context):
    sync_view = find_view(context.namespace, "ex03_sync", "ex03/sync/")
    async_view = find_view(context.namespace, "ex03_async", "ex03/async/")
    if iscoroutinefunction(sync_view):
        raise Failed("ex03_sync should be the sync version: `def ex03_sync(request):` "
                     "with time.sleep(delay_s), so that you can compare it with ex03_async.")
    require_async(async_view, "ex03_async", "wait with `await asyncio.sleep(delay_s)`")
    for view_name, route in (("ex03_sync", "ex03/sync/"), ("ex03_async", "ex03/async/")):
        reply = await get_within(f"/{route}?delay_s={SHORT_DELAY_S}", view_name)
        data = json_of(reply, view_name)
        if not isinstance(data, dict) or data.get("waited_s") != SHORT_DELAY_S:
            raise Failed(f'{view_name} should answer {{"waited_s": {SHORT_DELAY_S}}} for '
                         f"?delay_s={SHORT_DELAY_S}, got {describe(data)}.")
        require_waited(reply, view_name, SHORT_DELAY_S)
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


async def judge(context):
    async_view = await _ex03_views(context)
    query = f"?delay_s={DELAY_S}"
    sync_run, _ = await measure_probed(context, "/ex03/sync/" + query, "ex03_sync",
                                        f"check: ex03_sync, {REQUESTS} requests")
    async_run, lag_s = await measure_probed(context, "/ex03/async/" + query, "ex03_async",
                                             f"check: ex03_async, {REQUESTS} requests")
    require_overlap(context, async_run, lag_s, async_view, "ex03_async")
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


EXERCISE = Exercise("ex03", "sync vs async, measured", "ex03_sync_vs_async.ipynb", judge)
