"""The thread budget: how many threads each kind of request holds while it is in flight.

    rows = await course.budget.thread_budget("uvicorn", requests=10, delay_s=0.5)
    print(course.budget.text_table(rows))

It starts one demo-project server per configuration with `course.serve` (one for the
plain project, migrated once for the ORM row, and one with a sync-only middleware), and
for each row waits until the threads of the row before have exited (`settle`), counts
the server's threads, sends `requests` concurrent GETs with `course.loadtest.load`, and
meanwhile asks the server what every thread is doing (GET /budget/threads/,
demo_project/budget_views.py). Two measurements per row:

- new threads per request: (peak threads − threads before) / requests in flight;
- threads held per request, by state: threads that are busy, blocked or idle (not the
  server's free pool workers) while the requests are in flight, minus those held before.
"""

import asyncio
import time

import httpx

from course.loadtest import load
from course.server import serve

__all__ = ["KINDS", "ROWS", "settle", "text_table", "thread_budget"]

KINDS = ("uvicorn", "waitress")
MIDDLEWARE_APPS = {"uvicorn": "demo_project.budget_apps:asgi_application",
                   "waitress": "demo_project.budget_apps:wsgi_application"}
# (row, path with {delay_s}, served with a sync-only middleware, needs the database)
ROWS = (
    ("sync view", "/sleep/sync/?delay_s={delay_s}", False, False),
    ("async view", "/sleep/async/?delay_s={delay_s}", False, False),
    ("async view, sync-only middleware", "/sleep/async/?delay_s={delay_s}", True, False),
    ("long-poll waiter", "/poll/wait/?timeout_s={delay_s}", False, False),
    ("async ORM call (slow query)", "/budget/slow-query/?delay_s={delay_s}", False, True),
)
HELD = ("busy", "blocked", "idle")  # the states of a thread that some request holds
CENSUS_AT = 0.1  # of the delay: when the census request leaves, after the load
CENSUS_WAIT = 0.5  # of the delay: how long it may wait for the requests to be in flight
CENSUS_WINDOW = 0.25  # of the delay: how long it then watches CPU use
MAX_REQUESTS = 200  # a thread each: keep the budget table small and quick
SETTLE_EVERY_S = 0.05  # how often settle() counts the server's threads
SETTLED_S = 0.5  # settle(): a count that stays put this long has stopped falling


async def _census(server, window_s, at_least=0, wait_s=0.0, collect=False):
    query = f"window_s={window_s:g}&at_least={at_least}&wait_s={wait_s:g}&collect={collect:d}"
    async with httpx.AsyncClient(timeout=30.0) as http:
        reply = await http.get(f"{server.url}/budget/threads/?{query}")
    reply.raise_for_status()
    return reply.json()


async def _census_after(server, after_s, **census):
    await asyncio.sleep(after_s)
    return await _census(server, **census)


def _held(states):
    return {state: states.get(state, 0) for state in HELD}


def _row(kind, name, run, before, during, requests):
    extra = {s: (during[s] - before[s]) / requests for s in HELD}
    shown = [f"{extra[s]:.1f} {s}" for s in HELD if abs(extra[s]) >= 0.05]
    return {"server": kind, "row": name, "requests": requests,
            "total_s": round(run.total_s, 2),
            "new threads/request": round(run.extra_threads / requests, 2),
            "held/request": round(sum(extra.values()), 2),
            "held threads are": ", ".join(shown) or "none", "states": extra}


async def measure_row(server, kind, name, path, *, requests, delay_s):
    """Measure one row against a running server; return its dict.

    The census waits until `requests` more threads than before are held (every request
    is in flight) before it looks; if it gave up waiting, the row says so.
    """
    before = await _census(server, CENSUS_WINDOW * delay_s)
    url = server.url + path.format(delay_s=delay_s)
    run, during = await asyncio.gather(
        load(url, requests, server_pid=server.pid, timeout_s=delay_s + 30),
        _census_after(server, CENSUS_AT * delay_s, window_s=CENSUS_WINDOW * delay_s,
                      at_least=before["held"] + requests, wait_s=CENSUS_WAIT * delay_s))
    row = _row(kind, name, run, _held(before["states"]), _held(during["states"]), requests)
    if during["held"] < before["held"] + requests:
        row["held threads are"] += " (the census saw fewer than all requests: run it again)"
    return row


async def settle(server, threads=None, *, timeout_s=5.0):
    """Wait until the server's thread count is back to `threads` (or stops falling); return it.

    >>> with course.serve("uvicorn") as server:
    ...     at_start = await course.budget.settle(server)
    ...     run = await course.loadtest.load(server.url + "/sleep/sync/?delay_s=1", 100)
    ...     await course.budget.settle(server, at_start)  # the run's threads have exited

    Threads a request used exit a moment after it ends; a run measured on the same server
    before they have would count them. Gives up after `timeout_s` and returns the count.
    """
    import psutil

    process = psutil.Process(server.pid)
    deadline = time.monotonic() + timeout_s
    count, steady_since = process.num_threads(), time.monotonic()
    while time.monotonic() < deadline:
        if threads is not None and count <= threads:
            break
        if time.monotonic() - steady_since >= SETTLED_S:
            break  # not falling any more
        await asyncio.sleep(SETTLE_EVERY_S)
        now = process.num_threads()
        if now != count:
            count, steady_since = now, time.monotonic()
    return count


def _checked(kind, requests, delay_s):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    if not isinstance(requests, int) or not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be a whole number from 1 to {MAX_REQUESTS}, "
                         f"got {requests!r}.")
    if not isinstance(delay_s, int | float) or not 0.5 <= delay_s <= 10:
        raise ValueError(f"delay_s must be from 0.5 to 10 seconds, got {delay_s!r}.")


async def thread_budget(kind="uvicorn", *, requests=10, delay_s=0.5):
    """Return one dict per row of ROWS for server `kind` ("uvicorn" or "waitress").

    >>> rows = await course.budget.thread_budget("waitress", requests=10, delay_s=0.5)

    waitress gets `requests` + 2 worker threads, so that every request (and the census)
    has a worker. One server serves every row of the plain demo project (migrated once,
    for the ORM row); a second serves the middleware row, with a sync-only middleware
    added (demo_project/budget_middleware.py). Before each row, `settle` waits until the
    threads of the row before have exited, so that they do not count for this one (the
    census first collects garbage: under WSGI the loop threads `async_to_sync` started
    exit only once their executors have been collected).
    """
    _checked(kind, requests, delay_s)
    rows = {}
    for with_middleware in (False, True):
        chosen = [row for row in ROWS if row[2] == with_middleware]
        app = MIDDLEWARE_APPS[kind] if with_middleware else None
        needs_db = any(row[3] for row in chosen)
        with serve(kind, workers=requests + 2, app=app, migrate=needs_db) as server:
            at_start = await settle(server)
            for name, path, _, _ in chosen:
                await _census(server, CENSUS_WINDOW * delay_s, collect=True)  # see below
                await settle(server, at_start)
                rows[name] = await measure_row(server, kind, name, path,
                                               requests=requests, delay_s=delay_s)
    return [rows[name] for name, *_ in ROWS]


def text_table(rows, columns=None):
    """A small text table of dicts: one line per dict, `columns` (default: the first's keys).

    >>> print(course.budget.text_table([{"n": 10, "total_s": 1.02}]))
    n   total_s
    10  1.02
    """
    rows = list(rows)
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0])
    cells = [[str(column) for column in columns]]
    cells += [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in cells)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
