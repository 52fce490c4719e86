"""ex01, an async view that waits: it answers the delay it was asked for, after waiting it, and
concurrent requests overlap without stalling the event loop.

Task, sentence by sentence → step: `ex01_view` mounted at ex01/ (find it) · async (require_async)
· waits delay_s (the wait follows the request's delay_s) · without blocking the loop (overlap)
· answers {"waited_s": delay_s} (exactly that JSON, for several delays). Hidden: other delays.
"""

from course.grading import judging
from course.grading.judging import DELAY_S, REQUESTS, SHORT_DELAY_S, Exercise
from course.grading.probes import Failed, describe, json_of, require_async

NAME, ROUTE = "ex01_view", "ex01/"
LONGER_S = 0.8  # a second delay: the view's wait must follow delay_s
HIDDEN_DELAYS_S = (0.15, 0.45)  # the grader's run: other delays than the visible check's


async def answers_delay(context, delay_s):
    """One request: the JSON names this delay, and the view waited it."""
    reply = await judging.get_within(f"/{ROUTE}?delay_s={delay_s}", NAME)
    data = json_of(reply, NAME)
    if data != {"waited_s": delay_s}:
        raise Failed(f"For /{ROUTE}?delay_s={delay_s} the JSON should be exactly "
                     f'{{"waited_s": {delay_s}}} (the number read from the query string), '
                     f"got {describe(data)}.")
    judging.require_waited(reply, NAME, delay_s)
    context.note(f"one request with delay_s={delay_s}: {reply.elapsed_s:.2f} s, JSON {data}")
    return reply


async def wait_follows_delay(context):
    short = await answers_delay(context, SHORT_DELAY_S)
    long = await answers_delay(context, LONGER_S)
    judging.require_follows(short, long, NAME, SHORT_DELAY_S, LONGER_S)


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
