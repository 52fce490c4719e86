"""Async views that call an upstream server: what still works under WSGI, and what does not.

    GET /wsgi/gathered/?upstream_port=8001&delay_s=0.5   three upstream calls with asyncio.gather
    GET /wsgi/shared-client/?upstream_port=8001          one upstream call with a module-level client

The upstream is the demo project's `/upstream/<name>/` view, served by another server on
127.0.0.1 (`upstream_port`): a view must not call its own one-worker WSGI server, which is
busy serving the view. Each answer says which thread ran the view, so a notebook can see that
under WSGI every request gets an event loop of its own, on a new thread (`async_to_sync`).
"""

import asyncio
import threading
import time

import httpx
from django.http import JsonResponse

from demo_project.params import BadParameter, delay_from

SERVICES = ("weather", "news", "stocks")
UPSTREAM_TIMEOUT_S = 5.0

# The mistake under WSGI: one client for the whole process, made on the first request's
# event loop. Its kept-alive connection belongs to that loop, which async_to_sync closes
# when the request ends.
shared_client = None


def _upstream_url(request):
    raw = request.GET.get("upstream_port", "")
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise BadParameter(f"upstream_port must be a port number from 1024 to 65535, got {raw!r}")
    return f"http://127.0.0.1:{raw}"


async def _fetch(client, name, delay_s, t0):
    started_s = time.perf_counter() - t0
    response = await client.get(f"/upstream/{name}/", params={"delay_s": delay_s})
    return {"service": name, "status": response.status_code,
            "start_s": started_s, "end_s": time.perf_counter() - t0}


async def gathered(request):
    """Ask three upstream services at once (asyncio.gather); report when each call ran."""
    try:
        base_url, delay_s = _upstream_url(request), delay_from(request, default_s=0.5)
    except BadParameter as error:
        return error.response()
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, timeout=UPSTREAM_TIMEOUT_S) as client:
        calls = await asyncio.gather(*(_fetch(client, name, delay_s, t0) for name in SERVICES))
    return JsonResponse({"calls": calls, "view_s": time.perf_counter() - t0,
                         "thread": threading.current_thread().name})


async def shared_client_call(request):
    """One upstream call through a client kept at module level; report the error if it fails."""
    global shared_client
    try:
        base_url = _upstream_url(request)
    except BadParameter as error:
        return error.response()
    if shared_client is None:
        shared_client = httpx.AsyncClient(base_url=base_url, timeout=UPSTREAM_TIMEOUT_S)
    try:
        response = await shared_client.get("/upstream/weather/", params={"delay_s": 0.05})
    except Exception as error:  # shown to the learner: which error, on which thread
        return JsonResponse({"error": f"{type(error).__name__}: {error}",
                             "thread": threading.current_thread().name}, status=500)
    return JsonResponse({"status": response.status_code, "thread": threading.current_thread().name})
