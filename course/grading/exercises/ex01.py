"""ex01, an async view that waits: it answers the delay it was asked for, after waiting it, and
concurrent requests overlap without stalling the event loop."""

from course.grading.judging import (
    DELAY_S,
    REQUESTS,
    SHORT_DELAY_S,
    Exercise,
    get_within,
    measure_probed,
    require_overlap,
    require_waited,
)
from course.grading.probes import Failed, describe, find_view, json_of, require_async


async def judge(context):
    name, delay_s = "ex01_view", SHORT_DELAY_S
    view = find_view(context.namespace, name, "ex01/")
    require_async(view, name, "wait with `await asyncio.sleep(delay_s)`")
    reply = await get_within(f"/ex01/?delay_s={delay_s}", name)
    data = json_of(reply, name)
    if not isinstance(data, dict) or data.get("waited_s") != delay_s:
        raise Failed(f"For /ex01/?delay_s={delay_s} the JSON should be "
                     f'{{"waited_s": {delay_s}}} (the number read from the query string), '
                     f"got {describe(data)}.")
    require_waited(reply, name, delay_s)
    context.note(f"one request with delay_s={delay_s}: {reply.elapsed_s:.2f} s, JSON {data}")
    run, lag_s = await measure_probed(context, f"/ex01/?delay_s={DELAY_S}", name,
                                       f"your ex01_view: {REQUESTS} requests of {DELAY_S:g} s")
    require_overlap(context, run, lag_s, view, name)
    return (f"{REQUESTS} requests of {DELAY_S:g} s overlapped and finished together in "
            f"{run.total_s:.2f} s, and the event loop kept ticking.")


EXERCISE = Exercise("ex01", "an async view that waits", "ex01_async_sleep.ipynb", judge)
