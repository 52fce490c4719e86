"""What the threads of this server process are doing, and a slow query to watch.

    GET /budget/threads/?window_s=0.2     every thread but the main one and this request's own,
                                          counted by state: free, idle, blocked or busy
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


def census(window_s):
    """Count the other threads of this process by state over `window_s` seconds."""
    before = _cpu_seconds()
    time.sleep(window_s)
    after, frames = _cpu_seconds(), sys._current_frames()
    skip = {threading.get_ident(), threading.main_thread().ident}
    states = Counter(dict.fromkeys(STATES, 0))
    for thread in threading.enumerate():
        if thread.ident in skip or thread.ident not in frames:
            continue
        used_s = after.get(thread.native_id, 0.0) - before.get(thread.native_id, 0.0)
        busy = used_s >= BUSY_CPU_S
        states["busy" if busy else _waiting_state(frames[thread.ident])] += 1
    return {"threads": threading.active_count(), "states": dict(states)}


def thread_census(request):
    """A sync view on purpose: it runs on a thread of its own, which it leaves out."""
    try:
        window_s = number_from(request, "window_s", 0.2, 0.01, MAX_WINDOW_S)
    except BadParameter as error:
        return error.response()
    return JsonResponse(census(window_s))


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
