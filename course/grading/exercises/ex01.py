"""ex01, an async view that waits: it answers the delay it was asked for, after waiting it, and
concurrent requests overlap without stalling the event loop.

Task, sentence by sentence → step: `ex01_view` mounted at ex01/ (find it) · async (require_async)
· waits delay_s (the wait follows the request's delay_s), 1 s when the query has none (a request
without it, sent beside the longer one) · without blocking the loop (overlap, starting and ending
together, loop lag) · answers {"waited_s": delay_s} (exactly that JSON, for several delays).
How it waits is not judged, and the task says so: asyncio.sleep is the lesson, but a wait handed
to a worker thread (sync_to_async(time.sleep)) does not block the loop either, and passes.
Hidden: other delays.
"""

import asyncio

from course.grading import judging
from course.grading.judging import DELAY_S, REQUESTS, SHORT_DELAY_S, Exercise
from course.grading.probes import Failed, describe, json_of, require_async

NAME, ROUTE = "ex01_view", "ex01/"
LONGER_S = 0.8  # a second delay: the view's wait must follow delay_s
HIDDEN_DELAYS_S = (0.15, 0.45)  # the grader's run: other delays than the visible check's
DEFAULT_S = 1.0  # the task: 1 s when the request has no delay_s


async def answers_delay(context, delay_s, asked=True):
    """One request: the JSON names this delay, and the view waited it. With asked=False the
    request has no delay_s, and the task's default is expected."""
    target = f"/{ROUTE}?delay_s={delay_s}" if asked else f"/{ROUTE}"
    reply = await judging.get_within(target, NAME)
    data = json_of(reply, NAME)
    if data != {"waited_s": delay_s}:
        why = ("the number read from the query string" if asked else
               f"without delay_s in the query string the view waits {delay_s:g} s: keep the "
               "given first line, `float(request.GET.get(\"delay_s\", \"1\"))`")
        raise Failed(f'For {target} the JSON should be exactly {{"waited_s": {delay_s}}} '
                     f"({why}), got {describe(data)}.")
    judging.require_waited(reply, NAME, delay_s, is_async=True)  # the judge required it
    context.note(f"one request {'with delay_s=' + str(delay_s) if asked else 'without delay_s'}: "
                 f"{reply.elapsed_s:.2f} s, JSON {data}")
    return reply


async def wait_follows_delay(context):
    short = await answers_delay(context, SHORT_DELAY_S)
    both = await asyncio.gather(answers_delay(context, LONGER_S),  # side by side: no extra time
                                answers_delay(context, DEFAULT_S, asked=False),
                                return_exceptions=True)
    for outcome in both:  # the longer delay's verdict first, as if sent one after the other
        if isinstance(outcome, BaseException):
            raise outcome
    judging.require_follows(short, both[0], NAME, SHORT_DELAY_S, LONGER_S)


async def hidden_delays(context):
    for delay_s in HIDDEN_DELAYS_S:
        await answers_delay(context, delay_s)


async def judge(context):
    view = context.view(NAME, ROUTE)
    require_async(view, NAME, "wait with `await asyncio.sleep(delay_s)`")
    await wait_follows_delay(context)
    if context.hidden:
        await judging.hidden_case(context, "another delay_s", hidden_delays(context))
    run = await judging.require_concurrent(
        context, f"/{ROUTE}?delay_s={DELAY_S}", view, NAME,
        f"your ex01_view: {REQUESTS} requests of {DELAY_S:g} s", delay_s=DELAY_S)
    return (f"{REQUESTS} requests of {DELAY_S:g} s overlapped and finished together in "
            f"{run.total_s:.2f} s, and the event loop kept ticking.")


EXERCISE = Exercise("ex01", "an async view that waits", "ex01_async_sleep.ipynb", judge)
