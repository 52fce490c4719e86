"""What the threads of this server process are doing, and a slow query to watch.

    GET /budget/threads/?window_s=0.2&at_least=20&wait_s=1
                                          every thread but the main one and this request's
                                          own, by state: free, idle, blocked or busy (first
                                          waiting until `at_least` threads are held)
    GET /budget/threads/?collect=1         the same, after a garbage collection (see below)
    GET /budget/slow-query/?delay_s=1     an async view whose one ORM call takes delay_s

The census is how notebook 03 measures its thread budget table: while requests are in
flight it asks the server what each thread is doing. States:

- busy: used at least BUSY_CPU_S of CPU in the window (runs Python code or a query);
- free: a waitress worker waiting for a new request (held by no request);
- idle: waiting for its next piece of work: a `sync_to_async` executor thread between
  calls, or an event loop with nothing ready (held by a request, but doing nothing);
- blocked: waiting inside a call (`time.sleep`, a query, `async_to_sync` waiting for
  the event loop): it holds its request's place and can do nothing else.
"""

import gc
import os
import sys
import threading
import time
import traceback
from collections import Counter

from django.db.backends.signals import connection_created
from django.db.models import Func, IntegerField, Value
from django.http import JsonResponse
from django.urls import path

from demo_project.catalog.models import Author
from demo_project.params import BadParameter, delay_from
from demo_project.stamping import stamp_view
from demo_project.streaming import number_from

# Busy: at least this much CPU in the window (Linux counts CPU time in 10-ms ticks; a
# waiting thread uses none, a running one gets its share even on a crowded machine).
BUSY_CPU_S = 0.02
MAX_WINDOW_S = 2.0
MAX_WAIT_S = 10.0  # the longest a census waits for the requests it watches
SAMPLE_EVERY_S = 0.01  # while waiting for them
SETTLED_SAMPLES = 3  # the held count must stay put this many samples running
STATES = ("free", "idle", "blocked", "busy")
_EXECUTOR = os.path.join("concurrent", "futures", "thread.py")


def _cpu_seconds():
    """CPU seconds used so far by each thread of this process, by native thread id."""
    import psutil

    return {t.id: t.user_time + t.system_time for t in psutil.Process().threads()}


def _waiting_state(frame):
    """free, idle or blocked, from where a thread that used no CPU is waiting."""
    stack = traceback.extract_stack(frame)  # outermost first
    top, caller = stack[-1], stack[-2] if len(stack) > 1 else None
    if caller is not None and caller.name == "handler_thread" and top.name == "wait":
        return "free"  # waitress's worker loop, waiting for the next request
    if top.name == "_worker" and top.filename.endswith(_EXECUTOR):
        return "idle"  # a ThreadPoolExecutor thread waiting for work
    if os.path.basename(top.filename) == "selectors.py":
        return "idle"  # an event loop with nothing ready
    return "blocked"


def _snapshot():
    """{thread: state from where it waits} for every thread but this one and the main one."""
    frames = sys._current_frames()
    skip = {threading.get_ident(), threading.main_thread().ident}
    return {thread: _waiting_state(frames[thread.ident]) for thread in threading.enumerate()
            if thread.ident not in skip and thread.ident in frames}


def _settled_snapshot(at_least, wait_s):
    """Wait (up to `wait_s`) until `at_least` threads are held and the count stays put."""
    deadline, seen, steady = time.monotonic() + wait_s, None, 0
    while True:
        snapshot = _snapshot()
        held = sum(state != "free" for state in snapshot.values())
        steady = steady + 1 if held == seen else 0
        seen = held
        if (held >= at_least and steady >= SETTLED_SAMPLES) or time.monotonic() > deadline:
            return snapshot
        time.sleep(SAMPLE_EVERY_S)


def census(window_s, at_least=0, wait_s=0.0):
    """Count the other threads of this process by state; busy = CPU used over `window_s`.

    With `at_least`, first wait (up to `wait_s`) until that many threads are held (not
    free) and their number has settled: the requests being watched are all in flight.
    """
    snapshot = _settled_snapshot(at_least, wait_s)
    before = _cpu_seconds()
    time.sleep(window_s)
    after = _cpu_seconds()
    states = Counter(dict.fromkeys(STATES, 0))
    for thread, state in snapshot.items():
        used_s = after.get(thread.native_id, 0.0) - before.get(thread.native_id, 0.0)
        states["busy" if used_s >= BUSY_CPU_S else state] += 1
    held = sum(n for state, n in states.items() if state != "free")
    return {"threads": threading.active_count(), "states": dict(states), "held": held}


def thread_census(request):
    """A sync view on purpose: it runs on a thread of its own, which it leaves out.

    ?window_s= CPU window; ?at_least= and ?wait_s= wait for the requests to be in flight.
    ?collect=1 first collects garbage: under WSGI, each async view's `async_to_sync` leaves
    behind a one-thread executor whose idle thread exits only once the executor has been
    collected, so between two measurements the budget collects them.
    """
    try:
        window_s = number_from(request, "window_s", 0.2, 0.01, MAX_WINDOW_S)
        at_least = number_from(request, "at_least", 0, 0, 10_000, whole=True)
        wait_s = number_from(request, "wait_s", 0, 0, MAX_WAIT_S)
        collect = number_from(request, "collect", 0, 0, 1, whole=True)
    except BadParameter as error:
        return error.response()
    if collect:
        gc.collect()
    return JsonResponse(census(window_s, at_least, wait_s))


def _register_sleep(sender, connection, **kwargs):
    # SQLite has no pg_sleep(): give each SQLite connection one, so a query can be slow.
    if connection.vendor == "sqlite":
        connection.connection.create_function("demo_sleep", 1, _sleep_then_zero)


def _sleep_then_zero(seconds):
    time.sleep(min(float(seconds), 30.0))
    return 0


connection_created.connect(_register_sleep)


@stamp_view
async def slow_query(request):
    """One async ORM call whose query takes `?delay_s=` (the database sleeps)."""
    try:
        delay_s = delay_from(request)
    except BadParameter as error:
        return error.response()
    slept = Func(Value(delay_s), function="demo_sleep", output_field=IntegerField())
    author = await Author.objects.annotate(slept=slept).order_by("pk").afirst()
    return JsonResponse({"waited_s": delay_s, "author": author.name if author else None,
                         "thread": threading.current_thread().name})


urlpatterns = [
    path("threads/", thread_census, name="thread-census"),
    path("slow-query/", slow_query, name="slow-query"),
]
