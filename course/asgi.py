"""Talk to Django's ASGI application in this process: with httpx, or by hand.

    async with course.asgi.client() as http:           # an httpx.AsyncClient, no sockets
        response = await http.get("/sleep/async/?delay_s=1")
    reply = await course.asgi.request("POST", "/echo/", json={"title": "…"})
    trace = await course.asgi.trace("/hello/")         # the scope and every ASGI message
    app = course.asgi.application()                     # get_asgi_application(), made once

`course.get` is `request("GET", …)`. Every call has a time limit (`timeout_s`) and raises
RequestTimeout past it, because httpx's ASGITransport ignores httpx's own timeouts.
"""

from course._http import Reply, RequestTimeout, client, get, request
from course._http import asgi_app as application
from course._trace import asgi_call as trace

__all__ = ["Reply", "RequestTimeout", "application", "client", "get", "request", "trace"]
