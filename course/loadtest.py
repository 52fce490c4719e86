"""Load a real server with many concurrent requests, and time the load generator itself.

    run = await course.loadtest.load(server.url + "/sleep/async/?delay_s=1", requests=1000)
    course.loadtest.latency_percentiles(run)          # {'p50': …, 'p95': …, 'p99': …}

Two clients: `aiohttp` (the default: a well-kept client whose pool keeps up with 1,000
concurrent requests) and `raw`, a minimal HTTP/1.1 client on asyncio streams that does
nothing but send a GET and read the answer, the yardstick for what a client costs.
httpx's pool is measurably slower at this concurrency (see notebook 08), so the course
uses httpx for single calls and aiohttp for load.
"""

import asyncio
import contextlib
import functools
import statistics
from urllib.parse import urlsplit

from course._batch import send_together
from course._threads import thread_probe
from course._validate import request_count
from course.records import Run

__all__ = ["LoadError", "latency_percentiles", "load"]

DEFAULT_TIMEOUT_S = 60.0


class LoadError(RuntimeError):
    """A request of a load test failed or timed out."""


async def load(url, requests=100, *, client="aiohttp", title=None, timeout_s=DEFAULT_TIMEOUT_S,
               server_pid=None):
    """Send `requests` concurrent GETs to a server `url`; return a Run (with server threads
    if `server_pid` is given).

    >>> with course.serve("uvicorn") as server:
    ...     run = await course.loadtest.load(server.url + "/sleep/async/?delay_s=1", requests=1000,
    ...                             server_pid=server.pid)
    """
    n = _checked(url, requests, client)
    async with CLIENTS[client](url, timeout_s) as get, thread_probe(server_pid) as probe:
        records = await send_together(_reporting(get, url, n), n)
    watched = server_pid is not None
    return Run(title or f"{client}: {n} × GET {url}", records,
               peak_threads=probe.peak if watched else None,
               baseline_threads=probe.baseline if watched else None,
               notes={"client": client, "peak_rss_mb": probe.peak_rss_mb if watched else None})


def _checked(url, requests, client):
    """Return the request count once the arguments are valid; else raise ValueError."""
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ValueError(f"load() needs a server URL such as 'http://127.0.0.1:8000/', got {url!r}.")
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {tuple(CLIENTS)}, got {client!r}.")
    return request_count(requests)


def _reporting(get, url, n):
    """The fetch for send_together: `get()`, with a failure named by its request."""

    async def fetch(index):
        try:
            return await get()
        except (TimeoutError, OSError, ValueError) as error:
            raise LoadError(f"request {index + 1} of {n} (GET {url}) failed: "
                            f"{type(error).__name__}: {error or 'timed out'}") from None

    return fetch


@contextlib.asynccontextmanager
async def _aiohttp_client(url, timeout_s):
    """Yield `get()`: one GET of `url` through a shared aiohttp session without a pool limit."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:

        async def get():
            async with session.get(url) as response:
                await response.read()
                return response.status, response.headers  # aiohttp's headers ignore case

        yield get


@contextlib.asynccontextmanager
async def _raw_client(url, timeout_s):
    """Yield `get()`: one GET of `url` over a fresh TCP connection each time."""
    yield functools.partial(_raw_get, url, timeout_s)


async def _raw_get(url, timeout_s):
    """GET `url` over a fresh TCP connection; return (status, headers with lower-case names)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        try:
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            head, _, _ = (await reader.read(-1)).partition(b"\r\n\r\n")
        finally:
            writer.close()
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return status, {k.lower(): v for k, v in headers.items()}


CLIENTS = {"aiohttp": _aiohttp_client, "raw": _raw_client}


def latency_percentiles(run, percentiles=(50, 95, 99)):
    """Return {'p50': seconds, …} of the requests' latencies (end - start)."""
    latencies = sorted(r.duration_s for r in run.records)
    if len(latencies) < 2:
        return {f"p{p}": latencies[0] if latencies else None for p in percentiles}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {f"p{p}": cuts[p - 1] for p in percentiles}
