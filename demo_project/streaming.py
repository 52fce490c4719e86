"""Views that hold the connection open: server-sent events and long polling.

    GET  /stream/events/?count=5&interval_s=0.5       an SSE stream from an async generator
    GET  /stream/events/sync/?count=5&interval_s=0.5  the same from a sync generator (buffered)
    GET  /stream/cleanups/                           the streams the view saw the client leave
    GET  /poll/wait/?timeout_s=5&after=<id>          every event after <id> (default: the next), or 204
    POST /poll/publish/  {"message": "..."}          publish an event: every waiter answers

The waiters and the cleanup log live in this process's memory, so they only work with a
single server process. With several workers, or several machines, a publish must reach all of
them: production uses a broker for that (Redis pub/sub, PostgreSQL LISTEN/NOTIFY, or a
Django Channels channel layer).
"""

import asyncio
import collections
import itertools
import json
import threading
import time

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from demo_project.params import BadParameter

MAX_EVENTS = 100  # per stream
MAX_INTERVAL_S = 5.0  # between two events of a stream
MAX_WAIT_S = 30.0  # the longest a long-poll request may wait
MAX_MESSAGE_CHARS = 200  # of a published message
CLEANUPS_KEPT = 50  # the cleanup log forgets older entries
SSE_HEADERS = {
    "Cache-Control": "no-cache",  # an event stream is never cached
    "X-Accel-Buffering": "no",  # tells nginx, if one is in front, not to buffer the stream
}

_stream_ids = itertools.count(1)
cleanups = collections.deque(maxlen=CLEANUPS_KEPT)  # newest last; read by stream_cleanups


def number_from(request, name, default, low, high, *, whole=False):
    """Return the query parameter `name` as a number from `low` to `high` (BadParameter if not)."""
    raw = request.GET.get(name, default)
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw) if whole else float(raw)
    except (TypeError, ValueError):
        raise BadParameter(f"{name} must be {kind}, got {raw!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be from {low:g} to {high:g}, got {value:g}")
    return value


def sse_event(event_id, data, event="tick"):
    """Encode one server-sent event: `id:`, `event:` and `data:` lines, then a blank line."""
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data)}\n\n"


def _stream_settings(request):
    count = number_from(request, "count", 5, 1, MAX_EVENTS, whole=True)
    interval_s = number_from(request, "interval_s", 0.5, 0, MAX_INTERVAL_S)
    return count, interval_s


def _tick(stream, n, count, started):
    return sse_event(n, {"stream": stream, "n": n, "of": count, "sent_at": time.time(),
                         "view_s": round(time.perf_counter() - started, 4)})


async def async_ticks(stream, count, interval_s):
    """Yield `count` events, `interval_s` apart; log a cleanup if the client goes away."""
    started = time.perf_counter()
    sent = 0
    try:
        for n in range(1, count + 1):
            if n > 1:
                await asyncio.sleep(interval_s)  # the event loop serves others meanwhile
            yield _tick(stream, n, count, started)
            sent = n
    except (asyncio.CancelledError, GeneratorExit) as stop:
        # Django cancels the response when the client disconnects (CancelledError at the
        # await; GeneratorExit if it came while the event was being sent). Release what the
        # stream holds (here: note it), then let the cancellation carry on.
        reason = ("cancelled: client disconnected" if isinstance(stop, asyncio.CancelledError)
                  else "closed before the end")
        cleanups.append({"stream": stream, "sent": sent, "of": count, "reason": reason,
                         "after_s": round(time.perf_counter() - started, 4), "at": time.time()})
        raise


def sync_ticks(stream, count, interval_s):
    """The same events from a plain generator that blocks with time.sleep."""
    started = time.perf_counter()
    for n in range(1, count + 1):
        if n > 1:
            time.sleep(interval_s)
        yield _tick(stream, n, count, started)


def _event_stream(request, ticks):
    try:
        count, interval_s = _stream_settings(request)
    except BadParameter as error:
        return error.response()
    body = ticks(next(_stream_ids), count, interval_s)
    return StreamingHttpResponse(body, content_type="text/event-stream", headers=SSE_HEADERS)


async def stream_events(request):
    """Server-sent events from an async generator: each event leaves as soon as it is made."""
    return _event_stream(request, async_ticks)


async def stream_events_sync(request):
    """The same stream from a sync generator: under ASGI, Django buffers it whole (and warns)."""
    return _event_stream(request, sync_ticks)


async def stream_cleanups(request):
    """The streams whose client disconnected, oldest first (this process only)."""
    return JsonResponse({"cleanups": list(cleanups)})


class Broadcast:
    """Wake every waiting request when an event is published; keep the last few events.

        events = await broadcast.wait(after_id=0, timeout_s=5)   # [] at the timeout
        event, woken = broadcast.publish("hello")

    Each waiter waits on a future of its own; publish resolves them all. The same job as an
    asyncio.Condition, but a waiter may run on any event loop, in any thread: under WSGI each
    request's async view runs on a loop of its own, in its own thread, so the waiters and the
    history are guarded by a threading.Lock, and publish wakes each future through its own loop.
    The last HISTORY_KEPT events are kept, so a client that was between two polls gets every event
    after the id it last saw, unless more than HISTORY_KEPT were published meanwhile.
    """

    HISTORY_KEPT = 100  # events; a client further behind than this misses the oldest

    def __init__(self):
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _ids, _waiters and history across threads
        self._waiters = set()
        self.history = collections.deque(maxlen=self.HISTORY_KEPT)  # oldest first

    @property
    def latest_id(self):
        with self._lock:
            return self.history[-1]["id"] if self.history else 0

    def after(self, after_id):
        """The kept events newer than `after_id`, oldest first."""
        with self._lock:
            return [event for event in self.history if event["id"] > after_id]

    async def wait(self, *, after_id, timeout_s):
        """Return every kept event newer than `after_id`, waiting up to `timeout_s` for one."""
        future = asyncio.get_running_loop().create_future()
        with self._lock:  # check and register in one step: no publish can slip in between
            missed = [event for event in self.history if event["id"] > after_id]
            if not missed:
                self._waiters.add(future)
        if missed:  # published while the client was between two polls
            return missed
        try:
            async with asyncio.timeout(timeout_s):
                await future
        except TimeoutError:
            return []
        finally:
            with self._lock:
                self._waiters.discard(future)  # also when the client disconnected
        return self.after(after_id)

    def publish(self, message):
        """Keep `message` as the newest event, wake every waiter; return (event, woken)."""
        with self._lock:
            event = {"id": next(self._ids), "message": message, "published_at": time.time()}
            self.history.append(event)
            waiting = [f for f in self._waiters if not f.done()]
        for future in waiting:
            try:
                future.get_loop().call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # its loop has closed: that waiter is gone already
                pass
        return event, len(waiting)


def _resolve(future):
    if not future.done():  # it may have timed out meanwhile
        future.set_result(None)


broadcast = Broadcast()


async def poll_wait(request):
    """Long poll: answer with the events after `?after=<id>`, or 204 at the timeout.

    `?after=<id>` asks for every event newer than that id (so none is missed between polls,
    as long as the client is fewer than Broadcast.HISTORY_KEPT events behind); without it,
    the request waits for the next event published from now on.
    """
    try:
        timeout_s = number_from(request, "timeout_s", 10, 0, MAX_WAIT_S)
        after_id = number_from(request, "after", broadcast.latest_id, 0, 10**12, whole=True)
    except BadParameter as error:
        return error.response()
    started = time.perf_counter()
    events = await broadcast.wait(after_id=after_id, timeout_s=timeout_s)
    if not events:
        return HttpResponse(status=204)  # no news: the client simply polls again
    return JsonResponse({"events": events, "last_id": events[-1]["id"],
                         "waited_s": round(time.perf_counter() - started, 4)})


def _message_from(request):
    if request.content_type == "application/json":
        try:
            message = json.loads(request.body or b"{}").get("message", "")
        except (ValueError, AttributeError):
            raise BadParameter('the body must be a JSON object such as {"message": "hi"}') from None
    else:
        message = request.POST.get("message", "")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS:
        raise BadParameter(f"message must be text of at most {MAX_MESSAGE_CHARS} characters, "
                           f"got {message!r:.60}")
    return message


@csrf_exempt  # a demo endpoint for scripts; a real one needs authentication
async def poll_publish(request):
    """POST a message: every long-poll request waiting in this process answers with it."""
    if request.method != "POST":
        return JsonResponse({"error": f"use POST to publish, got {request.method}"}, status=405)
    try:
        message = _message_from(request)
    except BadParameter as error:
        return error.response()
    event, woken = broadcast.publish(message)
    return JsonResponse({"event": event, "woke": woken})
