"""Measure the seed's simulation for real: the same requests, delay and workers.

    run = await course.scenarios.run_scenario(requests=3, delay_s=2, workers=1, mode="sync")

- sync with `workers` set: the demo's blocking view under waitress with that many threads;
- sync with `workers=None`: the blocking view under Django's ASGI handler (a thread each);
- async: the demo's async view under Django's ASGI handler, on this process's event loop.
"""

from course.lab import setup
from course.server import serve
from course.simulation import MODES, simulate
from course.timing import measure

__all__ = ["run_scenario"]

TIMEOUT_MARGIN_S = 10.0  # on top of the model's total, before a request counts as hung


async def run_scenario(requests=3, delay_s=2.0, workers=1, mode="sync"):
    """Return a measured Run for the scenario that `simulate(...)` models."""
    model = simulate(requests=requests, delay_s=delay_s, workers=workers, mode=mode)  # validates
    timeout_s = model.total_s + TIMEOUT_MARGIN_S
    if mode == MODES[0] and workers is not None:
        with serve("waitress", workers=workers, migrate=False) as server:
            return await measure(f"{server.url}/sleep/sync/?delay_s={delay_s}", requests,
                                 title=f"measured: waitress, {workers} thread(s)",
                                 timeout_s=timeout_s, server_pid=server.pid)
    setup()
    kind = "sync" if mode == MODES[0] else "async"
    return await measure(f"/sleep/{kind}/?delay_s={delay_s}", requests, timeout_s=timeout_s,
                         title=f"measured: {kind} view, Django's ASGI handler")
