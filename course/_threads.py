"""Count threads while something runs: in this process, or in a server's process."""

import asyncio
import threading

# A thread alive this long or longer is counted; the course's views hold theirs for ≥ 0.1 s.
# Each sample wakes the event loop: every 5 ms cost course.measure() ~4% more CPU than
# bare httpx (bench, helper-overhead row); every 20 ms, ~1%.
SAMPLE_EVERY_S = 0.02


class ThreadProbe:
    """Sample the number of live threads from the event loop; keep the peak.

    >>> async with ThreadProbe() as probe:
    ...     await course.measure("/sleep/sync/", requests=10)
    >>> probe.baseline, probe.peak

    It samples with a timer on the running loop rather than on a thread of its own, so
    it adds no thread to what it counts and takes no GIL away from the threads it counts.
    """

    def __init__(self, pid=None):
        self.pid = pid
        self.baseline = self.peak = None
        self.peak_rss_mb = None  # the watched process's most resident memory (pid only)
        self._timer = None

    def count(self):
        """Threads alive now in this process (or in process `pid`)."""
        if self.pid is None:
            return threading.active_count()
        import psutil

        return psutil.Process(self.pid).num_threads()

    def _rss_mb(self):
        import psutil

        return psutil.Process(self.pid).memory_info().rss / 2**20

    def _sample(self):
        try:
            self.peak = max(self.peak, self.count())
            if self.pid is not None:
                self.peak_rss_mb = max(self.peak_rss_mb or 0.0, self._rss_mb())
        except Exception:  # the watched process has ended: stop sampling
            return
        self._timer = asyncio.get_running_loop().call_later(SAMPLE_EVERY_S, self._sample)

    async def __aenter__(self):
        self.baseline = self.peak = self.count()
        self._timer = asyncio.get_running_loop().call_later(SAMPLE_EVERY_S, self._sample)
        return self

    async def __aexit__(self, *exc):
        self._timer.cancel()
        try:
            self.peak = max(self.peak, self.count())
        except Exception:
            pass
        return False
