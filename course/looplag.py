"""Is the event loop blocked? Two ways to tell while something runs.

    async with LoopLag() as lag:                 # a timer that should fire every 5 ms
        await course.get("/cpu/inline/")
    lag.worst_s                                  # how late it fired at worst

    async with SlowCallbackLog(threshold_s=0.1) as slow:   # asyncio's debug mode
        await course.get("/cpu/inline/")
    slow.durations_s                             # every loop step that ran ≥ 0.1 s

A loop runs one callback at a time, so anything that holds it (time.sleep, heavy
arithmetic, a blocking client) makes every timer late: the lateness is the time the
loop could not serve anyone else.
"""

import asyncio
import html
import logging

from course._validate import seconds

__all__ = ["LoopLag", "SlowCallbackLog"]

LAG_INTERVAL_S = 0.005  # ticks this often: a stall much shorter than this goes unseen
DEFAULT_THRESHOLD_S = 0.1  # asyncio's own default slow_callback_duration


class _Summarised:
    """Shown by its summary(): as text, and as HTML in Jupyter."""

    def __repr__(self):
        return f"<{type(self).__name__} {self.summary()}>"

    def _repr_html_(self):
        return f"<b>{type(self).__name__}</b>: {html.escape(self.summary())}"


class LoopLag(_Summarised):
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

    def summary(self):
        return (f"worst loop lag {self.worst_s * 1000:.1f} ms over {self.elapsed_s:.2f} s "
                f"({self.ticks} ticks of {self.interval_s * 1000:g} ms)")



class _Collect(logging.Handler):
    def __init__(self, into):
        super().__init__(level=logging.WARNING)
        self.into = into

    def emit(self, record):
        # asyncio logs: 'Executing %s took %.3f seconds' (handle, duration)
        if isinstance(record.msg, str) and record.msg.startswith("Executing") and record.args:
            self.into.append((record.args[-1], record.getMessage()))


class SlowCallbackLog(_Summarised):
    """Turn on asyncio's debug mode for a block and collect its slow-callback warnings.

    >>> async with SlowCallbackLog(threshold_s=0.1) as slow:
    ...     await course.get("/cpu/inline/")
    >>> slow.durations_s, slow.messages

    Inside the block the running loop has `set_debug(True)` and `slow_callback_duration =
    threshold_s`, so asyncio logs every callback or task step that held the loop at least
    that long; the "asyncio" logger's warnings come here instead of stderr. On exit the
    loop's debug flag, threshold and the logger are put back as they were. Only steps that
    begin inside the block are timed (asyncio reads the debug flag as a step begins).
    """

    def __init__(self, threshold_s=DEFAULT_THRESHOLD_S):
        seconds("threshold_s", threshold_s, 0, 60)
        self.threshold_s = threshold_s
        self.slow = []  # (seconds, message), in the order asyncio logged them
        self._saved = None

    @property
    def durations_s(self):
        return [seconds for seconds, _ in self.slow]

    @property
    def messages(self):
        return [message for _, message in self.slow]

    async def __aenter__(self):
        loop = asyncio.get_running_loop()
        logger = logging.getLogger("asyncio")
        handler = _Collect(self.slow)
        self._saved = (loop, loop.get_debug(), loop.slow_callback_duration, logger.propagate,
                       handler)
        self.slow.clear()
        logger.addHandler(handler)
        logger.propagate = False  # not also to stderr
        loop.slow_callback_duration = self.threshold_s
        loop.set_debug(True)
        return self

    async def __aexit__(self, *exc):
        loop, debug, threshold_s, propagate, handler = self._saved
        loop.set_debug(debug)
        loop.slow_callback_duration = threshold_s
        logger = logging.getLogger("asyncio")
        logger.removeHandler(handler)
        logger.propagate = propagate
        return False

    def summary(self):
        if not self.slow:
            return f"no loop step took {self.threshold_s:g} s or more"
        longest = max(self.durations_s)
        return (f"{len(self.slow)} loop step(s) took {self.threshold_s:g} s or more, "
                f"the longest {longest:.3f} s")
