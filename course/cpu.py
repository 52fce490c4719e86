"""CPU-bound work of a fixed size: pure-Python arithmetic that holds the GIL all along.

    from course.cpu import crunch, steps_for
    steps = steps_for(0.4)        # about 0.4 s of work on this machine
    done = crunch(steps)          # Crunched(seconds=0.41, pid=…, thread='MainThread', …)

The amount of work is a number of steps, not a duration: two threads that each run
`crunch(steps)` must share one GIL and take about twice as long as one, whereas a loop
that spins "until 0.4 s have passed" would finish in 0.4 s however little it computed.
It lives in a module, not in a notebook cell, so a process pool can pickle it by name.
"""

import os
import threading
import time
from dataclasses import dataclass

from course._validate import seconds as _seconds
from course._validate import whole_number

__all__ = ["Crunched", "crunch", "steps_for"]

CALIBRATION_STEPS = 300_000  # a few tens of milliseconds: long enough to time, short to wait
MAX_STEPS = 500_000_000  # minutes of work: anything above is a mistake


@dataclass(frozen=True)
class Crunched:
    """What one call of `crunch` did, and where: the process and thread that ran it."""

    steps: int
    checksum: int
    seconds: float
    pid: int
    thread: str

    def __repr__(self):
        return (f"Crunched({self.steps:,} steps in {self.seconds:.3f} s, "
                f"pid {self.pid}, thread {self.thread!r})")


def crunch(steps):
    """Do `steps` steps of integer arithmetic in Python; return a Crunched record.

    >>> crunch(1_000)
    Crunched(1,000 steps in 0.000 s, pid 4242, thread 'MainThread')
    """
    whole_number("steps", steps, 0, MAX_STEPS, hint="Use steps_for(seconds) to pick one.")
    started = time.perf_counter()
    checksum = 0
    for i in range(steps):
        checksum += i * i % 7
    return Crunched(steps, checksum, time.perf_counter() - started, os.getpid(),
                    threading.current_thread().name)


def steps_for(seconds):
    """Return how many `crunch` steps take about `seconds` on this machine, right now.

    >>> steps = steps_for(0.4)
    """
    _seconds("seconds", seconds, 0, 60)
    best_s = min(crunch(CALIBRATION_STEPS).seconds for _ in range(3))  # least disturbed run
    return max(1, round(CALIBRATION_STEPS * seconds / best_s))
