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
import statistics
import time
from urllib.parse import urlsplit

from course._threads import ThreadProbe
from course._validate import request_count
from course.records import Record, Run
from demo_project.stamping import END_HEADER, START_HEADER, THREAD_HEADER

__all__ = ["LoadError", "latency_percentiles", "load"]

CLIENTS = ("aiohttp", "raw")
DEFAULT_TIMEOUT_S = 60.0


class LoadError(RuntimeError):
    """A request of a load test failed or timed out."""


async def _raw_get(url, timeout_s):
    """GET `url` over a fresh TCP connection; return (status, headers dict)."""
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


def _stamp(headers, name, wall_started):
    value = headers.get(name.lower())
    try:
        return float(value) - wall_started if value else None
    except ValueError:
        return None


async def load(url, requests=100, *, client="aiohttp", title=None, timeout_s=DEFAULT_TIMEOUT_S,
               server_pid=None):
    """Send `requests` concurrent GETs to a server `url`; return a Run (with server threads
    if `server_pid` is given).

    >>> with course.serve("uvicorn") as server:
    ...     run = await course.loadtest.load(server.url + "/sleep/async/?delay_s=1", requests=1000,
    ...                             server_pid=server.pid)
    """
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ValueError(f"load() needs a server URL such as 'http://127.0.0.1:8000/', got {url!r}.")
    n = request_count(requests)
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {CLIENTS}, got {client!r}.")
    session = None
    if client == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                        timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def get(index):
        try:
            if session is None:
                return await _raw_get(url, timeout_s)
            async with session.get(url) as response:
                await response.read()
                return response.status, {k.lower(): v for k, v in response.headers.items()}
        except (TimeoutError, OSError, ValueError) as error:
            raise LoadError(f"request {index + 1} of {n} (GET {url}) failed: "
                            f"{type(error).__name__}: {error or 'timed out'}") from None

    try:
        async with ThreadProbe(pid=server_pid) as probe:
            started, wall_started = time.perf_counter(), time.time()

            async def one(index):
                begin = time.perf_counter() - started
                status, headers = await get(index)
                return Record(f"request {index + 1}", begin, time.perf_counter() - started,
                              thread=headers.get(THREAD_HEADER.lower(), ""), status=status,
                              view_start_s=_stamp(headers, START_HEADER, wall_started),
                              view_end_s=_stamp(headers, END_HEADER, wall_started))

            records = await asyncio.gather(*(one(i) for i in range(n)))
    finally:
        if session is not None:
            await session.close()
    watched = server_pid is not None
    return Run(title or f"{client}: {n} × GET {url}", list(records),
               peak_threads=probe.peak if watched else None,
               baseline_threads=probe.baseline if watched else None,
               notes={"client": client, "peak_rss_mb": probe.peak_rss_mb if watched else None})


def latency_percentiles(run, percentiles=(50, 95, 99)):
    """Return {'p50': seconds, …} of the requests' latencies (end - start)."""
    latencies = sorted(r.duration_s for r in run.records)
    if len(latencies) < 2:
        return {f"p{p}": latencies[0] if latencies else None for p in percentiles}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {f"p{p}": cuts[p - 1] for p in percentiles}
