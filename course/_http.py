"""Send requests with httpx: to Django's ASGI handler in this process, or to a real server.

    reply = await course.get("/hello/")                # the embedded project, no sockets
    reply = await course.get(server.url + "/hello/")   # a server started by course.serve()
    async with course.asgi.client() as http: ...       # an httpx.AsyncClient of your own

Every call has a time limit (`timeout_s`) that is enforced here, because httpx's
ASGITransport ignores httpx's own timeouts: a slow view fails the cell, never hangs it.
(The hand-built ASGI call that shows every message is course._trace.)
"""

import asyncio
import html
import json
import time
from dataclasses import dataclass, field

import httpx

from course import _view_errors
from course.lab import require_django
from demo_project.stamping import THREAD_HEADER

DEFAULT_TIMEOUT_S = 30.0  # generous: demos wait 2-6 s, and httpx's 5-s default broke them
BASE_URL = "http://testserver"
MAX_BODY_SHOWN = 300  # characters of a body shown in a summary

_app = None


class RequestTimeout(TimeoutError):
    """A request did not answer within its time limit."""


def asgi_app():
    """Return Django's ASGI application for this process (created once)."""
    global _app
    require_django()
    _view_errors.install()
    if _app is None:
        from django.core.asgi import get_asgi_application

        _app = get_asgi_application()
    return _app


def is_url(target):
    return isinstance(target, str) and target.startswith(("http://", "https://"))


def client(*, timeout_s=DEFAULT_TIMEOUT_S):
    """Return an httpx.AsyncClient that calls Django's ASGI handler in this process.

    >>> async with course.asgi.client() as http:
    ...     response = await http.get("/sleep/async/?delay_s=1")
    """
    transport = httpx.ASGITransport(app=asgi_app())
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=timeout_s)


def server_client(*, timeout_s=DEFAULT_TIMEOUT_S, max_connections=None):
    """Return an httpx.AsyncClient for a real server (over TCP), `max_connections` at once."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=None)
    return httpx.AsyncClient(timeout=timeout_s, limits=limits)


def client_for(target, *, timeout_s=DEFAULT_TIMEOUT_S, max_connections=None):
    """The client that reaches `target`: a server URL over TCP, a path in this process."""
    if is_url(target):
        return server_client(timeout_s=timeout_s, max_connections=max_connections)
    return client(timeout_s=timeout_s)


def check_target(target):
    if not isinstance(target, str) or not (target.startswith("/") or is_url(target)):
        raise ValueError(
            f"Expected a path such as '/hello/' or a server URL such as "
            f"'http://127.0.0.1:8000/hello/', got {target!r}."
        )


TIMEOUTS = (TimeoutError, httpx.TimeoutException)  # our own time limit, or httpx's over TCP


def timed_out(what, timeout_s):
    """The RequestTimeout for `what` (e.g. 'GET /hello/') after `timeout_s`."""
    return RequestTimeout(
        f"{what} did not answer within {timeout_s:g} s. Is the view waiting longer than "
        "that, or blocked? Raise timeout_s=... if it is meant to be this slow.")


async def send_within(http, method, target, timeout_s, **kwargs):
    """Send one request with `http`, failing with RequestTimeout after `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):  # a timer, not an extra task per request
            return await http.request(method, target, **kwargs)
    except TIMEOUTS:
        raise timed_out(f"{method} {target}", timeout_s) from None


@dataclass
class Reply:
    """One response, with its time and (for a 500) the exception the view raised."""

    method: str
    target: str
    status: int
    elapsed_s: float
    thread: str
    headers: dict
    text: str
    error: str | None = None
    error_traceback: str | None = field(default=None, repr=False)

    def json(self):
        return json.loads(self.text)

    @property
    def ok(self):
        return self.status < 400

    def _body_preview(self):
        text = self.text if len(self.text) <= MAX_BODY_SHOWN else self.text[:MAX_BODY_SHOWN] + "…"
        return text.strip()

    def summary(self):
        line = f"{self.method} {self.target} → {self.status} in {self.elapsed_s:.3f} s"
        if self.thread:
            line += f" (view ran on {self.thread})"
        if self.error:
            return f"{line}\nThe view raised {self.error}"
        return f"{line}\n{self._body_preview()}"

    def __repr__(self):
        return f"<Reply {self.summary()}>"

    def _repr_html_(self):
        colour = "#1a7f37" if self.ok else "#cf222e"
        detail = (
            f"<b>The view raised</b> <code>{html.escape(self.error)}</code>"
            if self.error
            else f"<pre style='margin:0'>{html.escape(self._body_preview())}</pre>"
        )
        thread = f" · view ran on <code>{html.escape(self.thread)}</code>" if self.thread else ""
        return (
            f"<div><b style='color:{colour}'>{self.status}</b> "
            f"<code>{html.escape(self.method)} {html.escape(self.target)}</code> "
            f"in {self.elapsed_s:.3f} s{thread}<br>{detail}</div>"
        )


def reply_from(method, target, response, elapsed_s, errors_since=0):
    # Only a view in this process, during this request, can have left its exception here.
    in_process = not is_url(target) and response.status_code >= 500
    path = response.request.url.path
    found = _view_errors.last_error(path, since=errors_since) if in_process else None
    summary, trace = found if found else (None, None)
    return Reply(
        method=method,
        target=target,
        status=response.status_code,
        elapsed_s=elapsed_s,
        thread=response.headers.get(THREAD_HEADER, ""),
        headers=dict(response.headers),
        text=response.text,
        error=summary,
        error_traceback=trace,
    )


async def request(method, target, *, timeout_s=DEFAULT_TIMEOUT_S, **kwargs):
    """Send one request to a path of the embedded project or to a server URL.

    >>> reply = await course.asgi.request("POST", "/echo/", json={"title": "…"})
    """
    check_target(target)
    async with client_for(target, timeout_s=timeout_s) as http:
        errors_since = _view_errors.mark()
        started = time.perf_counter()
        response = await send_within(http, method, target, timeout_s, **kwargs)
        return reply_from(method, target, response, time.perf_counter() - started, errors_since)


async def get(target, *, timeout_s=DEFAULT_TIMEOUT_S, **kwargs):
    """GET a path of the embedded project (through Django's ASGI handler) or a server URL.

    >>> reply = await course.get("/sleep/async/?delay_s=1")
    >>> reply.json()
    """
    return await request("GET", target, timeout_s=timeout_s, **kwargs)
