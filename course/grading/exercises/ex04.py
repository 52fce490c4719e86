"""ex04: how it is judged."""

from course._http import RequestTimeout, get
from course.grading.judging import (
    REQUESTS,
    Exercise,
    get_within,
    measure_probed,
    require_overlap,
)
from course.grading.probes import Failed, describe, find_view, json_of, require_async

UPSTREAM_DELAY_S = 0.4  # ex04: how slow each fake upstream API is made
UPSTREAM_SLOW_S = 3.0  # ex04: the one slow service
GATHERED_MAX = 1.8  # ex04: calls at once take about one delay; one after another, three
DEADLINE_S = 1.0  # ex04: the deadline the exercise states
DEADLINE_GRACE_S = 0.6  # ex04: time allowed past the deadline
SERVICES = ("weather", "news", "stocks")


async def judge(context):
    name = "ex04_view"
    view = find_view(context.namespace, name, "ex04/")
    require_async(view, name, "await the three calls together with asyncio.gather")
    fast = "&".join(f"{service}={UPSTREAM_DELAY_S}" for service in SERVICES)
    reply = await get_within(f"/ex04/?{fast}", name)
    _require_services(json_of(reply, name), name, failed=())
    context.note(f"three services of {UPSTREAM_DELAY_S:g} s each: {reply.elapsed_s:.2f} s",
                 all_fast_s=round(reply.elapsed_s, 3))
    if reply.elapsed_s > GATHERED_MAX * UPSTREAM_DELAY_S:
        raise Failed(
            f"Three services that take {UPSTREAM_DELAY_S:g} s each took {reply.elapsed_s:.2f} s:"
            " your view called them one after another. Start all three at once with "
            "`await asyncio.gather(...)`."
        )
    broken = await get_within("/ex04/?fail=stocks", name)
    if broken.error or broken.status != 200:
        raise Failed(
            f"When one service answers 503, {name} should still answer 200 with an error for "
            f"that service, but it answered {broken.status}"
            f"{' and raised ' + broken.error if broken.error else ''}. Check each upstream "
            "response's status_code before reading its data."
        )
    _require_services(json_of(broken, name), name, failed=("stocks",))
    limit_s = DEADLINE_S + DEADLINE_GRACE_S
    slow = f"/ex04/?news={UPSTREAM_SLOW_S:g}"
    try:
        slow_reply = await get(slow, timeout_s=UPSTREAM_SLOW_S + 1.0)
    except RequestTimeout:
        slow_reply = None
    if slow_reply is None or slow_reply.elapsed_s > limit_s:
        took = "no answer at all" if slow_reply is None else f"{slow_reply.elapsed_s:.2f} s"
        raise Failed(f"With one service taking {UPSTREAM_SLOW_S:g} s, {name} took {took}; "
                     f"the deadline is DEADLINE_S = {DEADLINE_S:g} s. Wrap each call in "
                     "`async with asyncio.timeout(DEADLINE_S):` and report an error for it.")
    _require_services(json_of(slow_reply, name), name, failed=("news",))
    context.note(f"news taking {UPSTREAM_SLOW_S:g} s: answered in {slow_reply.elapsed_s:.2f} s",
                 one_slow_s=round(slow_reply.elapsed_s, 3))
    run, lag_s = await measure_probed(
        context, slow, name, f"your ex04_view, news takes {UPSTREAM_SLOW_S:g} s: "
        f"{REQUESTS} requests", timeout_s=limit_s + 1.0)
    require_overlap(context, run, lag_s, view, name)
    return (f"Three services at once in {reply.elapsed_s:.2f} s; a slow one cut off at the "
            f"deadline ({run.total_s:.2f} s for {REQUESTS} requests); a broken one reported.")


def _require_services(data, name, failed):
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or set(services) != set(SERVICES):
        raise Failed(f'The JSON should be {{"services": {{"weather": …, "news": …, "stocks": …}}}}'
                     f", got {describe(data)}.")
    for service, entry in services.items():
        key = "error" if service in failed else "data"
        if not isinstance(entry, dict) or key not in entry:
            situation = "failed or was too slow" if service in failed else "answered in time"
            raise Failed(f'{service} {situation}, so services["{service}"] should have a '
                         f'"{key}" entry; got {describe(entry)}.')


EXERCISE = Exercise("ex04", "three APIs with a deadline", "ex04_upstream_apis.ipynb", judge)
