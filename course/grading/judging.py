"""What every exercise judge shares: the context it fills, timed calls, overlap and stalls.

    reply = await get_within("/ex01/?delay_s=0.3", "ex01_view")     # or Failed on a hang
    run, lag_s = await measure_probed(context, target, name, title)  # loop watched meanwhile
    require_overlap(context, run, lag_s, view, name)                 # or Failed, saying why

Each judge in course/grading/exercises/ calls the learner's views through Django's ASGI handler
and looks at behaviour: status and JSON, overlap of concurrent requests, the event loop's lag,
the exceptions a view raised, and time limits.
"""

from dataclasses import dataclass, field

from course import charts
from course._http import RequestTimeout, get
from course.grading.probes import Failed, blocking_hint
from course.looplag import LoopLag
from course.timing import measure

DELAY_S = 0.5  # each request of a concurrent measurement waits this long
SHORT_DELAY_S = 0.3  # the single request that checks the answer's JSON
REQUESTS = 3  # sent at once to judge overlap
REQUEST_LIMIT_S = 5.0  # no exercise view needs longer; beyond this it is hanging
BLOCKED_LAG_S = 0.4  # the loop standing still this long (most of DELAY_S) means a view blocked it;
# shorter stalls happen on a busy machine, and overlap is judged separately
TOO_FAST = 0.8  # answering in less than this fraction of the delay means it didn't wait


@dataclass
class Context:
    """What a judge works with (the learner's variables) and leaves behind (what it saw)."""

    exercise: str
    namespace: dict
    details: list = field(default_factory=list)
    measured: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)  # measured runs, drawn under the verdict

    def note(self, line, **numbers):
        self.details.append(line)
        self.measured.update(numbers)


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    notebook: str
    judge: object  # async (Context) -> success message


def draw(context):
    """The timeline(s) a check measured, as one Figure (None when nothing was measured)."""
    runs = [run for run in context.runs if run.records]
    if not runs:
        return None
    return charts.timeline(runs[0]) if len(runs) == 1 else charts.timelines(*runs)


async def get_within(target, name, timeout_s=None):
    timeout_s = timeout_s or REQUEST_LIMIT_S
    try:
        return await get(target, timeout_s=timeout_s)
    except RequestTimeout:
        raise Failed(
            f"{name} did not answer {target} within {timeout_s:g} s. It should take about a "
            "second at most: is it waiting on something that never finishes, or for far "
            "longer than asked?"
        ) from None


async def measure_probed(context, target, name, title, n=REQUESTS, timeout_s=None):
    """Send n requests at once while watching the loop; keep the run for the plot."""
    timeout_s = timeout_s or REQUEST_LIMIT_S
    try:
        async with LoopLag() as lag:
            run = await measure(target, requests=n, title=title, timeout_s=timeout_s)
    except RequestTimeout:
        raise Failed(
            f"{n} requests at once to {target}: not all answered within {timeout_s:g} s. "
            f"{name} should finish in about a second; is it waiting on something that never "
            "finishes?"
        ) from None
    context.runs.append(run)
    return run, lag.worst_s


def require_waited(reply, name, delay_s):
    if reply.elapsed_s < TOO_FAST * delay_s:
        raise Failed(
            f"{name} answered in {reply.elapsed_s:.3f} s, but it should wait delay_s = "
            f"{delay_s:g} s. Did you forget `await` in front of asyncio.sleep(...)? Without it "
            "the sleep is only created, never run."
        )


def require_overlap(context, run, lag_s, view, name, overlap=True):
    """Fail unless all answered 200 and the loop kept ticking (and, if asked, they overlapped)."""
    context.note(
        f"{run.title}: {run.total_s:.2f} s in total, the event loop stood still for at most "
        f"{lag_s * 1000:.0f} ms",
        total_s=round(run.total_s, 3), worst_loop_lag_s=round(lag_s, 3),
    )
    statuses = [r.status for r in run.records]
    if any(status != 200 for status in statuses):
        raise Failed(f"Under concurrent requests {name} answered statuses {statuses}; expected "
                     f"200 each. Call it with course.get to see the error.")
    serial = overlap and not run.overlapping()
    if lag_s > BLOCKED_LAG_S or serial:
        how = (f"the {len(run.records)} requests ran one after another ({run.total_s:.2f} s in "
               "all) instead of together" if serial else
               f"the event loop stood still for {lag_s:.2f} s while it ran")
        raise Failed(f"{name} blocks the event loop: {how}. {blocking_hint(view)}")
