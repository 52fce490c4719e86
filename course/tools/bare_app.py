"""A no-framework ASGI app: the floor under any Django measurement on the same server.

    uvicorn course.tools.bare_app:app      GET /sleep/?delay_s=1 waits, then answers JSON

It answers `/health/` at once and every other path after `?delay_s=` seconds, with no
threads, middleware or ORM: what is left of a load test against it is the server's and
the load generator's own cost.
"""

import asyncio
import json
from urllib.parse import parse_qs

MAX_DELAY_S = 30.0


async def app(scope, receive, send):
    if scope["type"] != "http":  # lifespan and websocket scopes are not served
        return
    query = parse_qs(scope.get("query_string", b"").decode())
    try:
        delay_s = min(max(float(query.get("delay_s", ["0"])[0]), 0.0), MAX_DELAY_S)
    except ValueError:
        delay_s = 0.0
    if scope["path"] != "/health/":
        await asyncio.sleep(delay_s)
    body = json.dumps({"waited_s": delay_s}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
