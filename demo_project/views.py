"""Views that wait: the sync and async twins the course times, and a slow fake upstream API.

Every waiting view says which thread ran it in its JSON, and (through `stamp_view`) in the
`X-View-Thread` header, with the wall-clock times it started and ended in `X-View-Start`
and `X-View-End`.
"""

import asyncio
import secrets
import threading
import time

from django.http import JsonResponse

from demo_project.params import BadParameter, delay_from
from demo_project.stamping import stamp_view

SERIAL = secrets.token_hex(4)  # differs in each process: upstream data cannot be typed in


def _waited(delay_s, **extra):
    return JsonResponse({"waited_s": delay_s, "thread": threading.current_thread().name, **extra})


async def health(request):
    return JsonResponse({"ok": True})


@stamp_view
def sleep_sync(request):
    """Block for `?delay_s=` seconds with time.sleep: a stand-in for blocking I/O."""
    try:
        delay_s = delay_from(request)
    except BadParameter as error:
        return error.response()
    time.sleep(delay_s)
    return _waited(delay_s)


@stamp_view
async def sleep_async(request):
    """Wait for `?delay_s=` seconds with asyncio.sleep: the event loop stays free."""
    try:
        delay_s = delay_from(request)
    except BadParameter as error:
        return error.response()
    await asyncio.sleep(delay_s)
    return _waited(delay_s)


@stamp_view
async def upstream(request, name):
    """A fake third-party JSON API: `?delay_s=` how slow it is, `?fail=1` to answer 503.

    Its data carries a `serial` made once per process, so data passed on from it can be told
    from data typed in (ex04's check compares them)."""
    try:
        delay_s = delay_from(request, default_s=0.5)
    except BadParameter as error:
        return error.response()
    await asyncio.sleep(delay_s)
    if request.GET.get("fail") == "1":
        return JsonResponse({"service": name, "error": "upstream unavailable"}, status=503)
    return _waited(delay_s, service=name, data={"greeting": f"hello from {name}",
                                                      "serial": SERIAL})
