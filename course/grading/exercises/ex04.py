"""ex04, three APIs at once with a deadline.

Task, sentence by sentence → step: ex04_view at ex04/, async · calls the three SERVICES through
the shared client `upstream` (hooks on it record each call) at the paths upstream_path(request,
name) gives (the recorded queries match each case's) · concurrently (the recorded calls
overlap) · answers within DEADLINE_S plus a little when one is slow (deadline + DEADLINE_SLACK_S + the
overhead the check's own upstream call shows just before), and not before CUT_FLOOR × DEADLINE_S
(it waited for the slow one) · passes on a service that answers within the deadline but after
UPSTREAM_DELAY_S (0.7 s: a shorter deadline fails) · {"services": {name: {"data": upstream's data} | {"error": text}}}
(entries; data equal to the upstream's, which carries a per-process serial; a non-empty error
text).
Hidden: other delays, another service failing, another one slow.
"""

import time

from course.grading import judging
from course.grading.exercises.ex04_calls import UpstreamCalls
from course.grading.judging import REQUESTS, Exercise
from course.grading.probes import Failed, describe, json_of, require_async

NAME, ROUTE = "ex04_view", "ex04/"
SERVICES = ("weather", "news", "stocks")
UPSTREAM_DELAY_S = 0.4  # how slow each fake upstream API is made
UPSTREAM_SLOW_S = 4.0  # the one slow service
DEADLINE_S = 1.0  # the deadline the exercise states
DEADLINE_SLACK_S = 0.5  # allowed past the deadline, on top of twice the overhead the check's own
# upstream call showed just before (this machine's load); the slow service answers 3 s after it
MAX_OVERHEAD_S = 0.5  # the most of that overhead added to the limit
OWN_CALL_S = 0.1  # the check's own upstream call: its time beyond this is the overhead
CUT_FLOOR = 0.8  # a slow service cut off sooner than this × DEADLINE_S was not given its deadline
IN_TIME_S, HIDDEN_IN_TIME_S = 0.7, 0.65  # slower than the rest, within DEADLINE_S: must be data
VISIBLE = ({}, {"fail": "stocks"}, {"news": UPSTREAM_SLOW_S, "weather": IN_TIME_S})
HIDDEN = ({"weather": 0.25, "news": 0.35, "stocks": 0.3}, {"fail": "weather"},
          {"stocks": UPSTREAM_SLOW_S, "fail": "news", "weather": HIDDEN_IN_TIME_S})


def _query(case):
    delays = {s: case.get(s, UPSTREAM_DELAY_S) for s in SERVICES}
    return "&".join([f"{s}={d:g}" for s, d in delays.items()] +
                    ([f"fail={case['fail']}"] if "fail" in case else [])), delays


def _failing(case):
    return {s for s in SERVICES if case.get("fail") == s or case.get(s, 0) > DEADLINE_S}


def require_services(data, failed, expected_data, delays):
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or set(services) != set(SERVICES):
        raise Failed(f'The JSON should be {{"services": {{"weather": …, "news": …, "stocks": …}}}}'
                     f", got {describe(data)}.")
    for service, entry in services.items():
        key = "error" if service in failed else "data"
        if not isinstance(entry, dict) or key not in entry:
            situation = ("failed or was too slow" if service in failed else
                         f"answered in time ({delays[service]:g} s, within DEADLINE_S = "
                         f"{DEADLINE_S:g} s)")
            raise Failed(f'{service} {situation}, so services["{service}"] should have a '
                         f'"{key}" entry; got {describe(entry)}.')
        if key == "error" and not (isinstance(entry["error"], str) and entry["error"].strip()):
            raise Failed(f'{service} failed or was too slow, so services["{service}"]["error"] '
                         f"should be a text saying what happened, e.g. \"the service answered "
                         f"503\"; got {describe(entry['error'])}.")
        if key == "data" and entry["data"] != expected_data[service]:
            raise Failed(f'services["{service}"]["data"] should be the upstream\'s data, '
                         f"{describe(expected_data[service])}; got {describe(entry['data'])}. "
                         'Pass on `response.json()["data"]` as the service sent it.')


def require_asked(calls, delays, fail):
    asked = calls.asked()
    if set(asked) != set(SERVICES):
        raise Failed(f"Through `upstream`, {NAME} asked for {sorted(asked) or 'nothing'}; it "
                     f"should ask each of {list(SERVICES)}, with the shared client `upstream`.")
    for service, query in asked.items():
        wanted = {"delay_s": f"{delays[service]:g}", "fail": "1" if fail == service else "0"}
        if {k: query.get(k) for k in wanted} != wanted:
            raise Failed(f"{NAME} asked {service} for {query}, not what upstream_path(request, "
                         f"{service!r}) gives for this request: call that path for each service.")


async def one_case(context, case, expected_data):
    query, delays = _query(case)
    slow = next((s for s in SERVICES if case.get(s, 0) > DEADLINE_S), None)
    overhead_s = await own_overhead() if slow else 0.0
    async with UpstreamCalls(context.namespace) as calls:
        reply = await judging.get_within(f"/{ROUTE}?{query}", NAME, UPSTREAM_SLOW_S + 1.0)
    if (reply.error or reply.status != 200) and "fail" in case and calls.asked():
        raise Failed(f"When one service answers 503, {NAME} should still answer 200 with an "
                     f"error for that service, but it answered {reply.status}. Check each "
                     "upstream response's status_code before reading its data.")
    data = json_of(reply, NAME)  # names the error the view raised, if it did
    require_asked(calls, delays, case.get("fail"))
    if slow:
        require_deadline(context, reply, overhead_s, slow)
    require_services(data, _failing(case), expected_data, delays)
    return reply, calls


def require_concurrent(context, reply, calls):
    context.note(f"three services of {UPSTREAM_DELAY_S:g} s each: {reply.elapsed_s:.2f} s",
                 all_fast_s=round(reply.elapsed_s, 3))
    if not calls.overlapped():
        raise Failed(f"Three services that take {UPSTREAM_DELAY_S:g} s each took "
                     f"{reply.elapsed_s:.2f} s, and your view called them one after another "
                     "(each began after the previous answered). Start all three at once with "
                     "`await asyncio.gather(...)`.")


async def own_overhead():
    """This machine's overhead now: the check's own upstream call's time beyond OWN_CALL_S."""
    from course._http import get

    started = time.perf_counter()
    await get(f"/upstream/weather/?delay_s={OWN_CALL_S:g}")
    return max(0.0, time.perf_counter() - started - OWN_CALL_S)


def require_deadline(context, reply, overhead_s, slow):
    limit_s = DEADLINE_S + DEADLINE_SLACK_S + min(2 * overhead_s, MAX_OVERHEAD_S)
    context.note(f"{slow} taking {UPSTREAM_SLOW_S:g} s: answered in {reply.elapsed_s:.2f} s "
                 f"(the check allows {CUT_FLOOR * DEADLINE_S:.2f}–{limit_s:.2f} s)",
                 one_slow_s=round(reply.elapsed_s, 3))
    if reply.elapsed_s < CUT_FLOOR * DEADLINE_S:
        raise Failed(f"With {slow} taking {UPSTREAM_SLOW_S:g} s, {NAME} answered after "
                     f"{reply.elapsed_s:.2f} s: it gave up on {slow} before the deadline, "
                     f"DEADLINE_S = {DEADLINE_S:g} s (the check expects at least "
                     f"{CUT_FLOOR * DEADLINE_S:.2f} s). Give each call "
                     "`async with asyncio.timeout(DEADLINE_S):`, not a shorter time.")
    if reply.elapsed_s > limit_s:
        raise Failed(f"With {slow} taking {UPSTREAM_SLOW_S:g} s, {NAME} took "
                     f"{reply.elapsed_s:.2f} s; the deadline is DEADLINE_S = {DEADLINE_S:g} s "
                     f"(the check allows up to {limit_s:.2f} s). "
                     "Wrap each call in `async with asyncio.timeout(DEADLINE_S):` and report an "
                     "error for it.")


async def cases(context, chosen, expected_data):
    """Run each case; return the slow case's time (its slow service cut off)."""
    cut_s = None
    for case in chosen:
        reply, calls = await one_case(context, case, expected_data)
        if not _failing(case):  # all three answer in time: they must have run together
            require_concurrent(context, reply, calls)
        if any(case.get(s, 0) > DEADLINE_S for s in SERVICES):
            cut_s = reply.elapsed_s
    return cut_s


async def upstream_data():
    from course._http import get

    return {s: (await get(f"/upstream/{s}/?delay_s=0")).json()["data"] for s in SERVICES}


async def judge(context):
    view = context.view(NAME, ROUTE)
    require_async(view, NAME, "await the three calls together with asyncio.gather")
    expected_data = await upstream_data()
    cut_s = await cases(context, VISIBLE, expected_data)
    if context.hidden:
        await judging.hidden_case(context, "other delays, another service failing or slow",
                                  cases(context, HIDDEN, expected_data))
    slow = f"/{ROUTE}?news={UPSTREAM_SLOW_S:g}"
    run = await judging.require_concurrent(
        context, slow, view, NAME, f"your ex04_view, news takes {UPSTREAM_SLOW_S:g} s: "
        f"{REQUESTS} requests", timeout_s=UPSTREAM_SLOW_S + 1.0)
    return (f"Three services at once; news taking {UPSTREAM_SLOW_S:g} s cut off after "
            f"{cut_s:.2f} s (DEADLINE_S = {DEADLINE_S:g} s; {REQUESTS} such requests at once: "
            f"{run.total_s:.2f} s); weather taking {IN_TIME_S:g} s passed on; a broken one "
            "reported.")


EXERCISE = Exercise("ex04", "three APIs with a deadline", "ex04_upstream_apis.ipynb", judge)
