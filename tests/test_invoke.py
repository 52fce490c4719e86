import asyncio
import json
import threading
import time

import pytest
from django.http import JsonResponse

import course


@course.route("t/hello/")
async def hello(request):
    return JsonResponse({"hello": "world", "thread": threading.current_thread().name})


@course.route("t/sync-hello/")
def sync_hello(request):
    return JsonResponse({"thread": threading.current_thread().name})


@course.route("t/boom/")
async def boom(request):
    return 1 / 0


@course.route("t/slow/")
async def slow(request):
    await asyncio.sleep(3)
    return JsonResponse({})


def test_get_goes_through_the_asgi_handler(lab, run):
    reply = run(course.get("/t/hello/"))
    assert reply.status == 200 and reply.ok
    assert reply.json()["hello"] == "world"
    assert reply.thread == reply.json()["thread"] == threading.main_thread().name
    assert "200" in repr(reply) and "/t/hello/" in reply._repr_html_()


def test_sync_view_runs_on_a_worker_thread(lab, run):
    reply = run(course.get("/t/sync-hello/"))
    assert reply.thread != threading.main_thread().name
    assert reply.thread == reply.json()["thread"]


def test_a_view_that_raises_shows_the_500_and_the_exception(lab, run):
    reply = run(course.get("/t/boom/"))
    assert reply.status == 500 and not reply.ok
    assert reply.error == "ZeroDivisionError: division by zero"
    assert "ZeroDivisionError" in repr(reply) and "ZeroDivisionError" in reply._repr_html_()
    assert "1 / 0" in reply.error_traceback


def test_a_slow_view_fails_with_the_request_and_the_limit(lab, run):
    started = time.perf_counter()
    with pytest.raises(course.asgi.RequestTimeout, match=r"GET /t/slow/ did not answer within 0.5 s"):
        run(course.get("/t/slow/", timeout_s=0.5))
    assert time.perf_counter() - started < 2.5  # it did not wait for the view


def test_longer_than_httpx_default_timeout_is_fine(lab, run):
    reply = run(course.get("/sleep/async/?delay_s=5.5"))
    assert reply.status == 200 and reply.elapsed_s >= 5.5


@pytest.mark.parametrize("target", ["t/hello/", "", None, 3, "ftp://x"])
def test_bad_target_says_what_is_expected(lab, run, target):
    with pytest.raises(ValueError, match="Expected a path such as '/hello/'"):
        run(course.get(target))


def test_asgi_call_shows_scope_and_messages(lab, run):
    trace = run(course.asgi.trace("/t/hello/?x=1"))
    assert trace.scope["type"] == "http" and trace.scope["query_string"] == b"x=1"
    types = [message["type"] for _, message in trace.messages]
    assert types == ["http.response.start", "http.response.body"]
    assert trace.status == 200 and json.loads(trace.body)["hello"] == "world"
    assert "http.response.start" in repr(trace)


def test_asgi_call_has_a_time_limit(lab, run):
    with pytest.raises(course.asgi.RequestTimeout, match="did not finish within 0.3 s"):
        run(course.asgi.trace("/t/slow/", timeout_s=0.3))


def test_bad_request_parameter_is_a_json_400(lab, run):
    reply = run(course.get("/sleep/async/?delay_s=soon"))
    assert reply.status == 400
    assert "delay_s must be a number" in reply.json()["error"]
