"""Fire N requests at once and record when each started and ended, and on which thread.

    run = await course.measure("/sleep/async/?delay_s=2", requests=3)
    run.total_s, run.threads, run.peak_threads

Returns a Run of Records, never a plot: plotting is course.timeline(run).
"""

import asyncio
import dataclasses
import weakref
from dataclasses import dataclass

from course._batch import send_together
from course._http import DEFAULT_TIMEOUT_S, TIMEOUTS, check_target, client_for, is_url, timed_out
from course._threads import thread_probe
from course._validate import request_count
from course.records import Run


async def measure(target, requests=3, *, title=None, timeout_s=DEFAULT_TIMEOUT_S, server_pid=None,
                  headers=None):
    """Send `requests` GET requests to `target` all at once; return a Run with one Record each.

    >>> run = await course.measure("/sleep/sync/?delay_s=2", requests=3, title="sync view")

    `target` is a path of the embedded project (through Django's ASGI handler, no
    sockets) or a server URL. Threads are counted in this process, or in `server_pid`.
    Each request must answer within `timeout_s`, or RequestTimeout names the one that didn't.
    `headers` go with every request (e.g. a session cookie).
    """
    check_target(target)
    n = request_count(requests)
    in_process = not is_url(target)
    async with client_for(target, timeout_s=timeout_s, max_connections=n) as http:
        async with thread_probe(None if in_process else server_pid) as probe:
            records = await _send_all(http, target, n, timeout_s, headers)
    counted = in_process or server_pid is not None
    run = Run(title or f"GET {target}", records,
              peak_threads=probe.peak if counted else None,
              baseline_threads=probe.baseline if counted else None)
    _remember(run, target, None if in_process else _server_of(target))
    return run


@dataclass(frozen=True)
class Measured:
    """What measure() knew about a Run it returned; the exercise checks read it.

    >>> facts = measured(run)   # None for a Run that measure() did not make
    >>> facts.target, facts.records, facts.server   # e.g. ("waitress", 1): kind, workers
    """

    target: str
    records: tuple  # copies of the Records as measure() returned them
    server: tuple | None  # (kind, workers) of the course.serve server measured, if any


_measured = {}  # id(run) → (weak reference to the Run, Measured); leaves with the Run


def _remember(run, target, server):
    key = id(run)
    forget = lambda _ref: _measured.pop(key, None)  # noqa: E731 - runs when the Run is freed
    # Copies: a record of the Run changed in place (object.__setattr__) then differs from them.
    records = tuple(dataclasses.replace(record) for record in run.records)
    _measured[key] = (weakref.ref(run, forget), Measured(target, records, server))


def measured(run):
    """The Measured facts of `run` if course.measure made it (in this process), else None."""
    reference, facts = _measured.get(id(run), (None, None))
    return facts if reference is not None and reference() is run else None


def _server_of(target):
    """(kind, workers) of the running course.serve server that `target` is on, or None."""
    from course.server import serving

    server = serving(target)
    return None if server is None else (server.kind, server.workers)


async def _send_all(http, target, n, timeout_s, headers=None):
    """GET `target` `n` times at once; a RequestTimeout names the first that did not answer.

    One deadline for the batch: the requests all start together, so it is each one's limit
    too, and it takes one timer instead of one per request."""
    answered = set()

    async def fetch(index):
        response = await http.get(target, headers=headers)
        answered.add(index)
        return response.status_code, dict(response.headers.multi_items())  # one pass

    try:
        async with asyncio.timeout(timeout_s):
            return await send_together(fetch, n)
    except TIMEOUTS:
        first = next((i for i in range(n) if i not in answered), n - 1)
        raise timed_out(f"request {first + 1} of {n} (GET {target})", timeout_s) from None
