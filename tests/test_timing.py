import asyncio
import sys
import threading
import time

import pytest
from django.http import JsonResponse

import course

DELAY_S = 0.4


@course.route("m/async/")
async def async_wait(request):
    await asyncio.sleep(DELAY_S)
    return JsonResponse({})


@course.route("m/blocking/")
async def blocking_wait(request):
    time.sleep(DELAY_S)  # the mistake: blocks the event loop
    return JsonResponse({})


@course.route("m/sync/")
def sync_wait(request):
    time.sleep(DELAY_S)
    return JsonResponse({})


def test_async_view_requests_overlap_on_the_main_thread(lab, run):
    result = run(course.measure("/m/async/", requests=3))
    assert len(result.records) == 3 and result.statuses == [200]
    assert result.overlapping()
    assert result.total_s < 2 * DELAY_S
    assert result.threads == ["MainThread"]


def test_sync_view_requests_overlap_on_a_thread_each(lab, run):
    result = run(course.measure("/m/sync/", requests=3))
    assert result.overlapping() and result.total_s < 2 * DELAY_S
    assert len(result.threads) == 3 and "MainThread" not in result.threads
    # The main thread plus one per view were alive at once (a baseline can include a thread
    # left over from an earlier test, so compare with the threads that ran the views).
    assert result.peak_threads >= 1 + len(result.threads)


def test_blocking_the_loop_serialises_requests(lab, run):
    result = run(course.measure("/m/blocking/", requests=3))
    assert not result.overlapping()
    assert result.total_s > 2.5 * DELAY_S


def test_records_know_when_the_view_started(lab, run):
    result = run(course.measure("/m/blocking/", requests=3))
    starts = sorted(r.view_start_s for r in result.records)
    assert starts[2] - starts[0] > 1.5 * DELAY_S  # the third waited for the other two


@pytest.mark.parametrize("n", [0, -1, 5001, 2.5, "3", True])
def test_request_count_is_bounded(lab, run, n):
    with pytest.raises(ValueError, match="requests must be a whole number from 1 to 5,000"):
        run(course.measure("/m/async/", requests=n))


def test_a_timeout_names_the_request(lab, run):
    with pytest.raises(course.asgi.RequestTimeout, match=r"request \d of 2 \(GET /m/async/\)"):
        run(course.measure("/m/async/", requests=2, timeout_s=0.1))


def test_counting_threads_leaves_threading_as_it_was(lab, run):
    started = []

    def hook(frame, event, arg):  # another tool's hook: it must keep seeing every new thread
        sys.setprofile(None)
        started.append(threading.current_thread().name)

    before = set(threading.enumerate())
    threading.setprofile(hook)
    try:
        result = run(course.measure("/m/sync/", requests=3))
        assert threading.getprofile() is hook
    finally:
        threading.setprofile(None)
    assert len(result.threads) == 3 and set(result.threads) <= set(started)
    # The three request threads were alive at once; a thread of an earlier test that ended
    # meanwhile (an executor shutting down) no longer counts in the peak.
    ended = len(before - set(threading.enumerate()))
    assert result.peak_threads >= result.baseline_threads + 3 - ended


def test_headers_go_with_every_request(lab, run):
    @course.route("m/needs-header/")
    async def needs_header(request):
        return JsonResponse({}, status=200 if request.headers.get("X-Course") == "yes" else 400)

    sent = run(course.measure("/m/needs-header/", requests=3, headers={"X-Course": "yes"}))
    unsent = run(course.measure("/m/needs-header/", requests=3))
    assert (sent.statuses, unsent.statuses) == ([200], [400])
