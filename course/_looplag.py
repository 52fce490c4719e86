"""Is the event loop blocked? A timer on the loop tells while something runs.

    async with course.LoopLag() as lag:          # a timer that should fire every 5 ms
        await course.get("/cpu/inline/")
    lag.worst_s                                  # how late it fired at worst

A loop runs one callback at a time, so anything that holds it (time.sleep, heavy
arithmetic, a blocking client) makes every timer late: the lateness is the time the
loop could not serve anyone else.
"""

import asyncio
import html

from course._validate import seconds

LAG_INTERVAL_S = 0.005  # ticks this often: a stall much shorter than this goes unseen


class LoopLag:
    """Measure how late a repeating timer on the running loop fires: the loop's lag.

    >>> async with LoopLag(interval_s=0.005) as lag:
    ...     await asyncio.sleep(0.1)          # the loop stays free: lag.worst_s stays tiny
    >>> lag.worst_s, lag.ticks

    It adds no thread: the timer runs on the loop it watches, so it sees the loop's stalls
    rather than causing any. Enter and leave it on the same loop.
    """

    def __init__(self, interval_s=LAG_INTERVAL_S):
        seconds("interval_s", interval_s, 0, 1)
        self.interval_s = interval_s
        self.worst_s = 0.0  # the longest any tick came after its due time
        self.ticks = 0
        self.elapsed_s = 0.0
        self._loop = self._timer = None
        self._due = self._started = 0.0

    def _late(self, now):
        self.worst_s = max(self.worst_s, now - self._due)

    def _tick(self):
        now = self._loop.time()
        self._late(now)
        self.ticks += 1
        self._schedule(now)

    def _schedule(self, now):
        self._due = now + self.interval_s
        self._timer = self._loop.call_at(self._due, self._tick)

    async def __aenter__(self):
        self._loop = asyncio.get_running_loop()
        self.worst_s, self.ticks = 0.0, 0
        self._started = self._loop.time()
        self._schedule(self._started)
        return self

    async def __aexit__(self, *exc):
        self._timer.cancel()
        now = self._loop.time()
        self._late(max(now, self._due))  # a stall that lasted until now counts too
        self.elapsed_s = now - self._started
        return False

    def __repr__(self):
        return f"<LoopLag {self.summary()}>"

    def _repr_html_(self):
        return f"<b>LoopLag</b>: {html.escape(self.summary())}"

    def summary(self):
        return (f"worst loop lag {self.worst_s * 1000:.1f} ms over {self.elapsed_s:.2f} s "
                f"({self.ticks} ticks of {self.interval_s * 1000:g} ms)")
