"""Count threads while something runs: in this process, or in a server's process.

    async with thread_probe() as probe:            # this process (pid=None) or a server's pid
        await course.measure("/sleep/sync/", requests=10)
    probe.baseline, probe.peak                     # threads alive before, and at most at once
"""

import asyncio
import sys
import threading

# A server's threads are sampled, every 5 ms at first, while requests are sent and threads
# appear, then slowing by doubling to every 50 ms: a thread alive that long is still counted
# (the course's views hold theirs for 0.1 s or more). Each sample wakes the event loop.
FIRST_SAMPLE_S = 0.005
MAX_SAMPLE_S = 0.05


def thread_probe(pid=None):
    """A probe of this process's threads (pid None), or of the process `pid`'s."""
    return ThreadProbe() if pid is None else ProcessThreadProbe(pid)


_counting = set()  # the ThreadProbes inside their `async with` now
_counting_lock = threading.Lock()
_replaced_hook = None  # threading's profile hook before ours, handed on to each new thread


def _thread_started(frame, event, arg):
    """Runs in each new thread as it starts (threading.setprofile), once: count, hand over."""
    sys.setprofile(_replaced_hook)
    count = threading.active_count()
    with _counting_lock:
        for probe in _counting:
            probe.peak = max(probe.peak, count)
    if _replaced_hook is not None:
        _replaced_hook(frame, event, arg)


class ThreadProbe:
    """Count the threads alive in this process while a block runs; keep the peak.

    >>> async with ThreadProbe() as probe:
    ...     await course.measure("/sleep/sync/", requests=10)
    >>> probe.baseline, probe.peak

    The count only grows when a thread starts, so it is taken then, by the new thread (the
    function given to threading.setprofile runs as each thread starts): exact, with no timer
    waking the event loop (a timer every 5 ms cost course.measure() ~4% more CPU than bare
    httpx). Only threads started through `threading` are seen, as threading counts them.
    """

    peak_rss_mb = None  # measured for another process only

    def __init__(self):
        self.baseline = self.peak = None

    async def __aenter__(self):
        global _replaced_hook
        with _counting_lock:
            self.baseline = self.peak = threading.active_count()
            if not _counting:
                _replaced_hook = threading.getprofile()
                threading.setprofile(_thread_started)
            _counting.add(self)
        return self

    async def __aexit__(self, *exc):
        with _counting_lock:
            _counting.discard(self)
            if not _counting:
                threading.setprofile(_replaced_hook)
            self.peak = max(self.peak, threading.active_count())
        return False


class ProcessThreadProbe:
    """Sample the threads (and resident memory) of process `pid` from the event loop.

    It samples with a timer on the running loop rather than on a thread of its own, so it
    adds no thread and takes no GIL away from the threads of this process.
    """

    def __init__(self, pid):
        self.pid = pid
        self.baseline = self.peak = None
        self.peak_rss_mb = None  # the watched process's most resident memory
        self._timer = None

    def _look(self):
        """Update the peaks from the process now; False once it has ended."""
        import psutil

        try:
            process = psutil.Process(self.pid)
            self.peak = max(self.peak, process.num_threads())
            self.peak_rss_mb = max(self.peak_rss_mb or 0.0, process.memory_info().rss / 2**20)
        except psutil.Error:
            return False
        return True

    def _sample(self, every_s):
        if self._look():  # else the watched process has ended: stop sampling
            self._next_sample(min(2 * every_s, MAX_SAMPLE_S))

    def _next_sample(self, every_s):
        self._timer = asyncio.get_running_loop().call_later(every_s, self._sample, every_s)

    async def __aenter__(self):
        import psutil

        self.baseline = self.peak = psutil.Process(self.pid).num_threads()
        self._next_sample(FIRST_SAMPLE_S)
        return self

    async def __aexit__(self, *exc):
        self._timer.cancel()
        self._look()
        return False
