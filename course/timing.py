"""Fire N requests at once and record when each started and ended, and on which thread.

    run = await course.measure("/sleep/async/?delay_s=2", requests=3)
    run.total_s, run.threads, run.peak_threads

Returns a Run of Records, never a plot: plotting is course.timeline(run).
"""

import asyncio
import time

from course._http import DEFAULT_TIMEOUT_S, check_target, client, is_url, send_within
from course._threads import ThreadProbe
from course._validate import request_count
from course.records import Record, Run
from demo_project.stamping import END_HEADER, START_HEADER, THREAD_HEADER


def _view_time(response, header, wall_started):
    stamp = response.headers.get(header)
    try:
        return float(stamp) - wall_started if stamp else None
    except ValueError:
        return None


async def _all_or_none(coroutines):
    """Await all; if one fails, cancel the rest before raising its error."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def measure(target, requests=3, *, title=None, timeout_s=DEFAULT_TIMEOUT_S, server_pid=None):
    """Send `requests` GET requests to `target` all at once; return a Run with one Record each.

    >>> run = await course.measure("/sleep/sync/?delay_s=2", requests=3, title="sync view")

    `target` is a path of the embedded project (through Django's ASGI handler, no
    sockets) or a server URL. Threads are counted in this process, or in `server_pid`.
    Each request must answer within `timeout_s`, or RequestTimeout names the one that didn't.
    """
    check_target(target)
    n = request_count(requests)
    over_network = is_url(target)
    async with client(timeout_s=timeout_s, server=over_network, max_connections=n) as http:
        async with ThreadProbe(pid=server_pid if over_network else None) as probe:
            started = time.perf_counter()
            wall_started = time.time()  # the views' start stamps are wall-clock times

            async def one(index):
                begin = time.perf_counter() - started
                what = f"request {index + 1} of {n} (GET {target})"
                response = await send_within(http, "GET", target, timeout_s, what=what)
                return Record(
                    label=f"request {index + 1}",
                    start_s=begin,
                    end_s=time.perf_counter() - started,
                    thread=response.headers.get(THREAD_HEADER, ""),
                    status=response.status_code,
                    view_start_s=_view_time(response, START_HEADER, wall_started),
                    view_end_s=_view_time(response, END_HEADER, wall_started),
                )

            records = await _all_or_none([one(i) for i in range(n)])
    track_threads = server_pid is not None or not over_network
    return Run(
        title=title or f"GET {target}",
        records=list(records),
        peak_threads=probe.peak if track_threads else None,
        baseline_threads=probe.baseline if track_threads else None,
    )
