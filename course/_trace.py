"""Call Django's ASGI application by hand and keep every message it sends back.

    trace = await course.asgi.trace("/hello/")
    trace            # the scope we built, then each message with its time

This is what an ASGI server such as uvicorn does for each request, minus the sockets.
"""

import asyncio
import html
import pprint
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from course._http import DEFAULT_TIMEOUT_S, RequestTimeout, asgi_app

MAX_BODY_SHOWN = 200  # bytes of a body message shown


def build_scope(path, method="GET", headers=()):
    """Return the ASGI HTTP scope a server would build for `method path`."""
    parts = urlsplit(path)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


@dataclass
class AsgiTrace:
    """The scope sent in and the messages that came out, with seconds since the call."""

    scope: dict
    messages: list  # of (seconds, message)

    @property
    def status(self):
        starts = [m for _, m in self.messages if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None

    @property
    def body(self):
        return b"".join(m.get("body", b"") for _, m in self.messages
                        if m["type"] == "http.response.body")

    def lines(self):
        shown = []
        for seconds, message in self.messages:
            message = dict(message)
            if len(message.get("body", b"")) > MAX_BODY_SHOWN:
                message["body"] = message["body"][:MAX_BODY_SHOWN] + b"..."
            shown.append(f"{seconds:7.3f} s  send({message!r})")
        return shown

    def __repr__(self):
        return "\n".join(["scope = " + pprint.pformat(self.scope, sort_dicts=False),
                          "messages Django sent:", *self.lines()])

    def _repr_html_(self):
        return (f"<b>scope</b><pre>{html.escape(pprint.pformat(self.scope, sort_dicts=False))}"
                f"</pre><b>messages Django sent</b><pre>{html.escape(chr(10).join(self.lines()))}"
                "</pre>")


async def asgi_call(path, *, method="GET", body=b"", timeout_s=DEFAULT_TIMEOUT_S):
    """Call the ASGI app with a hand-built scope; return the AsgiTrace."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"asgi_call() expects a path such as '/hello/', got {path!r}.")
    scope = build_scope(path, method)
    messages = []
    finished = asyncio.Event()
    request_sent = False
    started = time.perf_counter()

    async def receive():
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Django keeps listening for a disconnect while the view runs: only after the
        # response is complete does this client "hang up".
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append((time.perf_counter() - started, message))
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    try:
        await asyncio.wait_for(asgi_app()(scope, receive, send), timeout_s)
    except TimeoutError:
        raise RequestTimeout(
            f"{method} {path} did not finish within {timeout_s:g} s; raise timeout_s=... "
            "if the view is meant to be this slow."
        ) from None
    return AsgiTrace(scope, messages)
