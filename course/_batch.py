"""Send a batch of requests at once and time each one: what measure() and load() share.

    async def fetch(index):                    # one request; return (status, headers)
        response = await http.get("/sleep/async/")
        return response.status_code, response.headers
    records = await send_together(fetch, 100)  # a Record per request, in order

The demo project stamps each response with the thread that ran its view and when the
view started and ended (demo_project/stamping.py); this is the one place that reads them.
"""

import asyncio
import time

from course.records import Record
from demo_project.stamping import END_HEADER, START_HEADER, THREAD_HEADER


def stamp_seconds(headers, name, wall_started):
    """Seconds from `wall_started` (a time.time()) to the wall-clock stamp in header `name`.

    >>> stamp_seconds({"x-view-start": "1700000000.5"}, "X-View-Start", 1700000000.0)
    0.5

    `headers` is looked up with the lower-case name (httpx's and aiohttp's headers ignore
    case); a missing or malformed stamp gives None.
    """
    stamp = headers.get(name.lower())
    try:
        return float(stamp) - wall_started if stamp else None
    except ValueError:
        return None


class Stopwatch:
    """Seconds since the batch started, on two clocks: perf_counter for the client's own
    times, and time.time() to read the views' wall-clock stamps against."""

    def __init__(self):
        self.started = time.perf_counter()
        self.wall_started = time.time()

    def now(self):
        return time.perf_counter() - self.started

    def record(self, index, start_s, status, headers):
        """The Record of request `index`, which was sent at `start_s` and has just answered."""
        return Record(f"request {index + 1}", start_s, self.now(),
                      thread=headers.get(THREAD_HEADER.lower(), ""), status=status,
                      view_start_s=stamp_seconds(headers, START_HEADER, self.wall_started),
                      view_end_s=stamp_seconds(headers, END_HEADER, self.wall_started))


async def all_or_none(coroutines):
    """Await all; if one fails, cancel the rest before raising its error."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def send_together(fetch, requests):
    """Start `fetch(index)` for every index at once; return their Records, in index order.

    `fetch` returns (status, headers). If one fails, the others are cancelled and its
    error is raised.
    """
    watch = Stopwatch()

    async def one(index):
        start_s = watch.now()
        status, headers = await fetch(index)
        return watch.record(index, start_s, status, headers)

    return list(await all_or_none([one(index) for index in range(requests)]))
