"""The seed's simulation as a pure model: N requests of `delay_s` each, sync vs async.

    model = course.simulate(requests=3, delay_s=2, workers=1)          # 6 s, one worker
    model = course.simulate(requests=3, delay_s=2, mode="async")       # 2 s, one loop

The model is the ideal: no overhead, requests all arrive at time 0. Draw it next to a
measured Run (same Record shape) to see how close the real thing comes.
"""

from course._validate import whole_number
from course.records import Record, Run

MAX_SIMULATED = 10_000
MODES = ("sync", "async")


def ideal_total_s(requests, delay_s, workers=None):
    """Total time for `requests` waits of `delay_s` on `workers` (None: no limit)."""
    if workers is None:
        return delay_s if requests else 0.0
    rounds = -(-requests // workers)  # ceiling division
    return rounds * delay_s


def simulate(requests=3, delay_s=2.0, workers=1, mode="sync"):
    """Return the ideal timeline as a Run: sync requests queue for `workers` workers,
    async requests all wait together on one event loop. `workers=None` means one
    worker per request (like Django's ASGI handler running sync views on threads)."""
    whole_number("requests", requests, 1, MAX_SIMULATED)
    if isinstance(delay_s, bool) or not isinstance(delay_s, int | float) or delay_s < 0:
        raise ValueError(f"delay_s must be a number of seconds ≥ 0, got {delay_s!r}.")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
    if mode == "async":
        records = [Record(f"request {i + 1}", 0.0, float(delay_s), "event loop")
                   for i in range(requests)]
        return Run(f"model: async, {requests} × {delay_s:g} s", records)
    if workers is not None:
        whole_number("workers", workers, 1, MAX_SIMULATED)
    per_round = requests if workers is None else workers
    records = []
    for i in range(requests):
        start = (i // per_round) * delay_s
        # Every request arrives at 0; a queued one waits until its worker is free.
        records.append(Record(f"request {i + 1}", 0.0, float(start + delay_s),
                              f"worker {i % per_round + 1}", view_start_s=float(start)))
    label = "a worker per request" if workers is None else f"{workers} worker(s)"
    return Run(f"model: sync, {label}, {requests} × {delay_s:g} s", records)
