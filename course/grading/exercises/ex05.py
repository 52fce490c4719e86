"""ex05: how it is judged."""

from course.grading.judging import (
    DELAY_S,
    REQUESTS,
    SHORT_DELAY_S,
    Exercise,
    get_within,
    measure_probed,
    require_overlap,
)
from course.grading.probes import Failed, describe, find_view, json_of, require_async


async def judge(context):
    name, delay_s = "ex05_view", SHORT_DELAY_S
    view = find_view(context.namespace, name, "ex05/")
    require_async(view, name, "run the blocking call on a worker thread with "
                  "`await sync_to_async(legacy_report)(delay_s)`")
    reply = await get_within(f"/ex05/?delay_s={delay_s}", name)
    data = json_of(reply, name)
    if not isinstance(data, dict) or data.get("took_s") != delay_s:
        raise Failed(f"ex05_view should return the report of legacy_report(delay_s), e.g. "
                     f'{{"report": "ready", "took_s": {delay_s}}}; got {describe(data)}.')
    run, lag_s = await measure_probed(context, f"/ex05/?delay_s={DELAY_S}", name,
                                       f"your ex05_view: {REQUESTS} requests of {DELAY_S:g} s")
    require_overlap(context, run, lag_s, view, name)
    return (f"The blocking call no longer blocks the loop: {REQUESTS} requests of {DELAY_S:g} s "
            f"overlapped ({run.total_s:.2f} s in all).")


EXERCISE = Exercise("ex05", "unblock the event loop", "ex05_unblock.ipynb", judge)
