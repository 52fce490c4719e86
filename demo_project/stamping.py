"""Stamp each response with the thread that ran its view, and when the view started and ended.

    @stamp_view
    async def my_view(request): ...

A sync view gets a sync wrapper and an async view an async one, so the stamp adds no
sync/async switch and no thread of its own: it only looks. The start is wall-clock time
(`time.time()`), so a client in another process on this machine can compare it with its own.
"""

import functools
import threading
import time
import weakref

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponseBase

THREAD_HEADER = "X-View-Thread"
START_HEADER = "X-View-Start"
END_HEADER = "X-View-End"


# The responses this module stamped, each with the request it answered. A stamp found on a
# response that is not here (or answered another request) came from the view itself and is
# overwritten: the course's timing checks must read the course's clocks, not the view's.
_stamped_for = weakref.WeakKeyDictionary()


def _stamped_by_us(response, request):
    answered = _stamped_for.get(response)
    return answered is not None and answered() is request


def _stamped(response, request, started):
    # Anything else (None, a coroutine) is left for Django's own, clearer error message.
    # An inner stamp_view (a stamped view mounted again) stamped first, nearest the view: kept.
    if isinstance(response, HttpResponseBase) and not _stamped_by_us(response, request):
        response[THREAD_HEADER] = threading.current_thread().name
        response[START_HEADER] = f"{started:.6f}"
        response[END_HEADER] = f"{time.time():.6f}"
        _stamped_for[response] = _ref(request)
    return response


def _ref(request):
    try:
        return weakref.ref(request)
    except TypeError:  # not a Django request (a test's stand-in): an outer stamp overwrites
        return lambda: None


def stamp_view(view):
    """Return `view` wrapped so that its response says which thread ran it, and when."""
    # The end stamp matters: a view that blocks the event loop also delays the client,
    # so only the view's own times show that requests ran one after another.
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_stamped(request, *args, **kwargs):
            started = time.time()
            return _stamped(await view(request, *args, **kwargs), request, started)

        return async_stamped

    @functools.wraps(view)
    def sync_stamped(request, *args, **kwargs):
        started = time.time()
        return _stamped(view(request, *args, **kwargs), request, started)

    return sync_stamped
