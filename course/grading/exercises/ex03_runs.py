"""ex03's judging of the learner's own measurements: what was measured, and what they state.

    sync_run, async_run, server_run = learner_runs(namespace)
    require_what_was_measured(context, sync_run, async_run, server_run)
    own, server = require_stated(context, sync_run, async_run, server_run)

A ratio alone can be produced by measuring the same kind of view twice; the runs' records say
which thread served each request and whether they overlapped, so those are judged. Only Runs
that course.measure made count (it remembers them, with the server it measured, if any): a Run
built by hand, or one whose records were changed afterwards, is refused.
"""

import math
from urllib.parse import urlsplit

from course.grading.judging import REQUESTS, TOO_FAST
from course.grading.probes import Failed, as_number
from course.records import Run
from course.timing import measured

MEASURED_DELAY_S = 1.0  # the task: measure each with ?delay_s=1
SPEEDUP_MARGIN = 1.5  # the stated speed-up may differ from the check's fresh one by this factor
# (the two measurements run at different moments; on a busy machine either can be slower)
SPEEDUP_OWN_RUNS = 1.1  # … and from the learner's own runs' ratio by this factor (rounding)
QUEUED = 2.0  # three requests one after another on one worker take ≈3× one: ≥2× means queued
EXAMPLES = {
    "ex03_sync_run": 'await course.measure("/ex03/sync/?delay_s=1", requests=3)',
    "ex03_async_run": 'await course.measure("/ex03/async/?delay_s=1", requests=3)',
    "ex03_server_run": 'await course.measure(server.url + "/sleep/sync/?delay_s=1", requests=3)'
                       ' inside `with course.serve("waitress", workers=1) as server:`',
}
PATHS = {"ex03_sync_run": "/ex03/sync/", "ex03_async_run": "/ex03/async/", "ex03_server_run": None}
ONE_WORKER = ("waitress", 1)  # what course.serve("waitress", workers=1) started


def require_measured(variable, run):
    """The Run came from course.measure, and its records are as measure() returned them."""
    facts, example = measured(run), EXAMPLES[variable]
    if facts is None:
        raise Failed(f"{variable} was not made by course.measure (a Run built or copied by hand "
                     f"proves nothing): measure it, `{variable} = {example}`.")
    if tuple(run.records) != facts.records:
        raise Failed(f"{variable}'s records were changed after course.measure returned them: "
                     f"measure again, `{variable} = {example}`, and leave the run as it is.")


def require_targets(*runs):
    """Each run measured what the task names: the two views' paths, and a one-worker server."""
    for (variable, example), run in zip(EXAMPLES.items(), runs, strict=True):
        facts, path = measured(run), PATHS[variable]
        if path is not None and urlsplit(facts.target).path != path:
            raise Failed(f"{variable} measured {facts.target}, not {path}: "
                         f"`{variable} = {example}`.")
        if path is None and facts.server != ONE_WORKER:
            started = ("no course.serve server" if facts.server is None
                       else "a {} server with {} worker(s)".format(*facts.server))
            raise Failed(f"{variable} measured {facts.target} on {started}; the task asks for "
                         f"a one-worker sync server: {example}.")


def learner_runs(namespace):
    runs = []
    for variable, example in EXAMPLES.items():
        run = namespace.get(variable)
        if not isinstance(run, Run):
            raise Failed(f"{variable} should hold a measurement, e.g. `{variable} = {example}`; "
                         f"it is {run!r}.")
        require_measured(variable, run)
        if len(run.records) < REQUESTS or run.statuses != [200]:
            raise Failed(f"{variable} should measure at least {REQUESTS} requests that all "
                         f"answered 200; it has {len(run.records)} with statuses {run.statuses}.")
        shortest = min(r.duration_s for r in run.records)
        if shortest < TOO_FAST * MEASURED_DELAY_S:
            raise Failed(f"A request of {variable} took only {shortest:.2f} s: measure with "
                         f"?delay_s={MEASURED_DELAY_S:g}, as the task says: `{example}`.")
        runs.append(run)
    return runs


def _threads(run):
    return {r.thread for r in run.records}


def require_what_was_measured(context, sync_run, async_run, server_run):
    """Async: one thread (the loop). Sync: other threads. Server: one worker, one at a time."""
    loop = _threads(async_run)
    context.note(f"your runs' threads: sync {sorted(_threads(sync_run))}, async {sorted(loop)}, "
                 f"server {sorted(_threads(server_run))}")
    if len(loop) != 1 or "" in loop or not async_run.overlapping():
        raise Failed("ex03_async_run should measure the async view: its requests overlap on one "
                     f"thread, the event loop's; yours ran on {sorted(loop)}"
                     f"{'' if async_run.overlapping() else ', one after another'}. Measure "
                     "/ex03/async/?delay_s=1.")
    if _threads(sync_run) & loop or "" in _threads(sync_run):
        raise Failed("ex03_sync_run ran on the event loop's thread, like ex03_async_run: it "
                     "measured an async view, or the same view twice. Measure /ex03/sync/"
                     "?delay_s=1 (Django runs a sync view on a worker thread).")
    if server_run.overlapping() or len(_threads(server_run)) != 1 or \
            _threads(server_run) & (loop | _threads(sync_run)):
        raise Failed("ex03_server_run should measure the sync view on a server with one worker "
                     "thread: its requests run one after another on a thread of the server, "
                     f"but yours ran on {sorted(_threads(server_run))}"
                     f"{', overlapping' if server_run.overlapping() else ''}. Use "
                     f"{EXAMPLES['ex03_server_run']}.")


def _stated(namespace, variable, runs, formula):
    own = runs[0].total_s / runs[1].total_s
    stated = as_number(namespace.get(variable), variable)
    if abs(math.log(max(stated, 1e-9) / own)) > math.log(SPEEDUP_OWN_RUNS):
        raise Failed(f"{variable} is {stated:g}, but your own runs give {formula} = {own:.2f}. "
                     f"State what you measured: compute {variable} from your runs.")
    return own


def require_stated(context, sync_run, async_run, server_run):
    ns = context.namespace
    own = _stated(ns, "ex03_speedup", (sync_run, async_run),
                  "ex03_sync_run.total_s / ex03_async_run.total_s")
    server = _stated(ns, "ex03_server_speedup", (server_run, async_run),
                     "ex03_server_run.total_s / ex03_async_run.total_s")
    context.note(f"you stated ex03_speedup = {own:.2f} and ex03_server_speedup = {server:.2f}",
                 stated_speedup=round(own, 3), stated_server_speedup=round(server, 3))
    if server < QUEUED:
        raise Failed(f"Your one-worker server run took only {server:.2f}× the async run: three "
                     "requests on one worker should queue (≈3×). Did you start it with "
                     "workers=1 and send the three requests at once?")
    return own, server


def require_agrees(own, measured):
    if abs(math.log(own / measured)) > math.log(SPEEDUP_MARGIN):
        raise Failed(f"Your runs give a speed-up of {own:.2f}, but the check measured "
                     f"{measured:.2f} for the same views. Did you measure other views, or "
                     "with fewer requests? Re-run your measurement cell, then check again.")
