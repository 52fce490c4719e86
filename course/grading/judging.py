"""What every exercise judge shares: the context it fills, timed calls, overlap and stalls.

    reply = await get_within("/ex01/?delay_s=0.3", "ex01_view")     # or Failed on a hang
    run, lag_s = await measure_probed(context, target, name, title)  # loop watched meanwhile
    require_overlap(context, run, lag_s, view, name)                 # or Failed, saying why
    run = await require_concurrent(context, target, view, name, title)  # both in one step

Each judge in course/grading/exercises/ calls the learner's views through Django's ASGI handler
and looks at behaviour: status and JSON, overlap of concurrent requests, the event loop's lag,
the exceptions a view raised, and time limits.
"""

from dataclasses import dataclass, field

from course import charts
from course._batch import stamp_seconds
from course._http import RequestTimeout, get
from course._looplag import LoopLag
from course.grading.probes import Failed, blocking_hint, find_view
from course.timing import measure
from demo_project.stamping import END_HEADER, START_HEADER

DELAY_S = 0.5  # each request of a concurrent measurement waits this long
SHORT_DELAY_S = 0.3  # the single request that checks the answer's JSON
REQUESTS = 3  # sent at once to judge overlap
REQUEST_LIMIT_S = 5.0  # no exercise view needs longer; beyond this it is hanging
BLOCKED_LAG_S = 0.4  # the loop standing still this long (most of DELAY_S) means a view blocked it;
# shorter stalls happen on a busy machine (measured: at most 66 ms for ex01's solution beside
# three CPU hogs on 2 cores; at most 96 ms with the batch grader's 12 kernels). Where overlap can be judged, the views' own start/end stamps
# decide too, relative to the run (TOGETHER).
TOO_FAST = 0.8  # answering in less than this fraction of the delay means it didn't wait
# (a machine under load only makes answers later, never earlier: no slack needed that way)
FOLLOWS = 0.6  # a longer delay must add at least this fraction of the difference in time;
# both requests suffer the same load, so the difference keeps its size on a busy machine
TOGETHER = 0.25  # views that overlap start (and end) within this fraction of the shortest view's
# time of each other. A view that blocks the loop for part of its wait (time.sleep, then
# asyncio.sleep) keeps the next from starting: 3 views blocking 20% of 0.5 s start 0.2 s apart
# (0.4 of it). Measured here for correct views: at most 20 ms apart with three CPU hogs on 2
# cores (0.04 of 0.5 s), and at most 38 ms (ex04: 8 ms) with `python -m course grade`'s 12
# kernels on 2 cores; the view's time counts up to DELAY_S, so the allowance is at most 125 ms.


@dataclass
class Context:
    """What a judge works with (the learner's variables) and leaves behind (what it saw)."""

    exercise: str
    namespace: dict
    details: list = field(default_factory=list)
    measured: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)  # measured runs, drawn under the verdict
    hidden: bool = False  # True in the grader's run: judges add cases check() does not show
    muted: bool = False  # inside a hidden case: notes, numbers and runs are not shown
    views: list = field(default_factory=list)  # the views the judge found (see Context.view)

    def note(self, line, **numbers):
        if not self.muted:
            self.details.append(line)
            self.measured.update(numbers)

    def view(self, name, route):
        """The function mounted at `route` (or Failed); remembered for the await hints."""
        found = find_view(self.namespace, name, route)
        self.views.append(found)
        return found

    def keep(self, run):
        if not self.muted:
            self.runs.append(run)


async def hidden_case(context, what, step):
    """Run `step` (a coroutine) as a case the learner's check() does not show.

    On failure the learner reads `what` (e.g. "another delay_s"), never the case's inputs."""
    context.muted = True
    try:
        await step
    except Failed as failure:
        raise Failed(
            f"Your answer passes the cases check() shows, but not a hidden case of the grader "
            f"({what}). Make it follow the task for any such input, not only the visible ones; "
            "try other inputs yourself with course.get(...)."
        ) from failure
    finally:
        context.muted = False
    context.note(f"hidden case passed: {what}")


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
    context.keep(run)
    return run, lag.worst_s


async def require_concurrent(context, target, view, name, title, *, overlap=True, delay_s=None,
                             timeout_s=None):
    """measure_probed, then require_overlap on its run: the run, or Failed saying why.

    >>> run = await require_concurrent(context, "/ex01/?delay_s=0.5", view, NAME, title,
    ...                                delay_s=0.5)
    """
    run, lag_s = await measure_probed(context, target, name, title, timeout_s=timeout_s)
    require_overlap(context, run, lag_s, view, name, overlap=overlap, delay_s=delay_s)
    return run


def _view_seconds(reply):
    """The view's own time, from the course's stamps (a wait before the view started, as on a
    busy machine, does not count); the whole reply's time when a stamp is missing."""
    start = stamp_seconds(reply.headers, START_HEADER, 0.0)
    end = stamp_seconds(reply.headers, END_HEADER, 0.0)
    return reply.elapsed_s if start is None or end is None else end - start


def require_follows(short, long, name, short_s, long_s, what="delay_s"):
    """Fail unless the view asked to wait longer took longer: the view reads the request."""
    short_took, long_took = _view_seconds(short), _view_seconds(long)
    if long_took - short_took < FOLLOWS * (long_s - short_s):
        raise Failed(
            f"{name} took {short_took:.2f} s for {what}={short_s:g} and {long_took:.2f} "
            f"s for {what}={long_s:g}: its wait does not follow {what}. Wait exactly the "
            f"{what} the request asks for, read from request.GET."
        )


def require_waited(reply, name, delay_s, is_async=None):
    """Fail when a reply asked to wait delay_s came back far sooner; the hint fits the view
    (is_async True: the missing await; False: time.sleep; None, not known: both)."""
    if reply.elapsed_s >= TOO_FAST * delay_s:
        return
    awaits = ("Did you forget `await` in front of asyncio.sleep(...)? Without it the sleep is "
              "only created, never run.")
    sleeps = "A `def` view waits with time.sleep(delay_s) before it answers."
    if is_async is not None:
        hint = awaits if is_async else sleeps
    else:
        hint = f"In an `async def` view: {awaits} {sleeps}"
    raise Failed(f"{name} answered in {reply.elapsed_s:.3f} s, but it should wait delay_s = "
                 f"{delay_s:g} s. {hint}")


def require_overlap(context, run, lag_s, view, name, overlap=True, delay_s=None):
    """Fail unless all answered 200 and the loop kept ticking (never still for BLOCKED_LAG_S),
    and, if asked, they overlapped: started together and ended together, require_together.

    With `delay_s`, a view whose requests took far less than that is told it did not wait
    (a view doing no work does not block the loop). Overlap comes from the views' own start
    and end stamps, so a busy machine that makes everything slower does not change it."""
    context.note(
        f"{run.title}: {run.total_s:.2f} s in total, the event loop stood still for at most "
        f"{lag_s * 1000:.0f} ms",
        total_s=round(run.total_s, 3), worst_loop_lag_s=round(lag_s, 3),
    )
    statuses = [r.status for r in run.records]
    if any(status != 200 for status in statuses):
        raise Failed(f"Under concurrent requests {name} answered statuses {statuses}; expected "
                     f"200 each. Call it with course.get to see the error.")
    if delay_s is not None:
        require_waited_run(run, name, delay_s)
    serial = overlap and not run.overlapping()
    if serial or lag_s > BLOCKED_LAG_S:
        how = (f"the {len(run.records)} requests ran one after another ({run.total_s:.2f} s in "
               "all) instead of together" if serial else
               f"the event loop stood still for {lag_s * 1000:.0f} ms while it ran (the check "
               f"allows less than {BLOCKED_LAG_S * 1000:.0f} ms)")
        raise Failed(f"{name} blocks the event loop: {how}. {blocking_hint(view)}")
    if overlap:
        require_together(run, view, name)


def require_waited_run(run, name, delay_s):
    """Fail when every request of a run asked to wait delay_s came back far sooner."""
    longest = max(r.duration_s for r in run.records)
    if longest < TOO_FAST * delay_s:
        raise Failed(f"Each of the {len(run.records)} requests of {delay_s:g} s took at most "
                     f"{longest:.2f} s: {name} answered without waiting. Wait delay_s "
                     "seconds (the task says how) before answering.")


def spread_of(run):
    """(starts, ends, shortest): how far apart the views started and ended, and the shortest
    view's time, from the views' own stamps where known (else the requests')."""
    starts = [r.start_s if r.view_start_s is None else r.view_start_s for r in run.records]
    ends = [r.end_s if r.view_end_s is None else r.view_end_s for r in run.records]
    shortest = min(end - start for start, end in zip(starts, ends, strict=True))
    return max(starts) - min(starts), max(ends) - min(ends), shortest


def require_together(run, view, name):
    """Fail when overlapping views started or ended far apart: one held the loop for a part.
    The allowance is TOGETHER of the shortest view's time, that time counted up to DELAY_S
    (ex04's views wait a second on their services; 0.1 s of blocking each must still show)."""
    starts, ends, shortest = spread_of(run)
    allowed = TOGETHER * min(shortest, DELAY_S)
    if max(starts, ends) > allowed:
        raise Failed(
            f"{name} blocks the event loop for part of its work: the {len(run.records)} "
            f"requests overlapped, but their views started {starts:.2f} s apart and ended "
            f"{ends:.2f} s apart (each took at least {shortest:.2f} s; the check allows "
            f"{allowed:.2f} s); views that never hold the loop start and end "
            f"within a few milliseconds of each other. "
            f"{blocking_hint(view)}")
