"""ex04's view of the upstream calls: which paths the learner's view asked `upstream` for, when.

    async with UpstreamCalls(namespace) as calls:   # hooks on the notebook's shared client
        reply = await get_within("/ex04/?news=0.4", "ex04_view")
    calls.paths, calls.overlapped()

The hooks are removed on exit, so the learner's client is left as it was.
"""

import time
from urllib.parse import parse_qs, urlsplit

from course.grading.probes import Failed


class UpstreamCalls:
    """Record each request the shared client `upstream` sends: path, start and end."""

    def __init__(self, namespace):
        self.client = namespace.get("upstream")
        if type(self.client).__name__ != "AsyncClient" or not hasattr(self.client, "event_hooks"):
            raise Failed("`upstream` should be the shared httpx.AsyncClient the setup cell "
                         f"creates; it is {self.client!r}. Run that cell again, and call the "
                         "services through `upstream`.")
        self.calls = []  # [path, query dict, start, end or None]

    async def _sent(self, request):
        query = {k: v[-1] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        self.calls.append([request.url.path, query, time.perf_counter(), None])

    async def _answered(self, response):
        for call in self.calls:
            if call[0] == response.request.url.path and call[3] is None:
                call[3] = time.perf_counter()
                break

    async def __aenter__(self):
        self.client.event_hooks["request"].append(self._sent)
        self.client.event_hooks["response"].append(self._answered)
        return self

    async def __aexit__(self, *exc):
        self.client.event_hooks["request"].remove(self._sent)
        self.client.event_hooks["response"].remove(self._answered)

    def asked(self):
        """{service name: its query} for the calls made."""
        return {path.strip("/").split("/")[-1]: query for path, query, _, _ in self.calls}

    def overlapped(self):
        """True when every call started before the first one was answered."""
        ends = [end for *_, end in self.calls if end is not None]
        return bool(self.calls) and max(c[2] for c in self.calls) < min(ends, default=0)
