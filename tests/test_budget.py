"""The thread budget: the census of thread states, the table, and a small live measurement."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from course import budget
from course.server import serve
from demo_project import budget_views

DELAY_S = 1.0
REQUESTS = 6


def test_census_tells_a_sleeping_thread_from_an_idle_executor_and_a_busy_one():
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            sum(range(1000))

    with ThreadPoolExecutor(max_workers=1) as idle_pool:
        idle_pool.submit(lambda: None).result()  # started, now waiting for work
        before = budget_views.census(0.05)["states"]
        sleeper = threading.Thread(target=time.sleep, args=(1.0,), daemon=True)
        spinner = threading.Thread(target=spin, daemon=True)
        sleeper.start(), spinner.start()
        try:
            during = budget_views.census(0.3)["states"]
        finally:
            stop.set()
    assert before["idle"] >= 1  # the executor's thread
    assert during["blocked"] - before["blocked"] >= 1  # the sleeper
    assert during["busy"] - before["busy"] >= 1  # the spinner


def test_text_table_lines_up_columns_and_formats_numbers():
    text = budget.text_table([{"row": "sync view", "total_s": 1.0449, "n": 20},
                              {"row": "async", "total_s": None, "n": 3}])
    lines = text.splitlines()
    assert lines[0].split() == ["row", "total_s", "n"]
    assert lines[1].startswith("sync view  1.04")
    assert lines[2].split() == ["async", "-", "3"]
    assert budget.text_table([]) == "(no rows)"
    assert budget.text_table([{"a": 1, "b": 2}], ["b"]).splitlines() == ["b", "2"]


def test_thread_budget_rejects_bad_arguments(run):
    with pytest.raises(ValueError, match="kind must be one of"):
        run(budget.thread_budget("gunicorn"))
    with pytest.raises(ValueError, match="requests must be a whole number"):
        run(budget.thread_budget("uvicorn", requests=0))
    with pytest.raises(ValueError, match="delay_s must be from"):
        run(budget.thread_budget("uvicorn", delay_s=100))


def _measure(run, kind, row, *, app=None):
    name, path, _, _ = next(r for r in budget.ROWS if r[0] == row)
    with serve(kind, workers=REQUESTS + 2, migrate=False, app=app) as server:
        return run(budget.measure_row(server, kind, name, path, requests=REQUESTS,
                                      delay_s=DELAY_S))


@pytest.mark.slow
def test_under_asgi_an_async_view_holds_one_idle_thread_and_a_sync_view_one_blocked(run):
    async_row = _measure(run, "uvicorn", "async view")
    sync_row = _measure(run, "uvicorn", "sync view")
    assert async_row["held/request"] == pytest.approx(1.0, abs=0.2)
    assert async_row["states"]["idle"] == pytest.approx(1.0, abs=0.2)
    assert sync_row["states"]["blocked"] == pytest.approx(1.0, abs=0.2)
    assert async_row["new threads/request"] >= 0.8  # made on demand, one per request


@pytest.mark.slow
def test_under_wsgi_an_async_view_holds_a_blocked_worker_and_an_idle_loop_thread(run):
    row = _measure(run, "waitress", "async view")
    assert row["states"]["blocked"] == pytest.approx(1.0, abs=0.2)  # the waitress worker
    assert row["states"]["idle"] == pytest.approx(1.0, abs=0.2)  # async_to_sync's loop thread
    assert row["held/request"] == pytest.approx(2.0, abs=0.3)


@pytest.mark.slow
def test_a_sync_only_middleware_makes_the_asgi_thread_block(run):
    row = _measure(run, "uvicorn", "async view, sync-only middleware",
                   app=budget.MIDDLEWARE_APPS["uvicorn"])
    assert row["states"]["blocked"] == pytest.approx(1.0, abs=0.2)
    assert row["held/request"] == pytest.approx(1.0, abs=0.2)  # the same thread, not a second


def test_census_waits_for_the_requests_but_not_forever():
    started = time.monotonic()
    result = budget_views.census(0.02, at_least=10_000, wait_s=0.2)  # never that many threads
    assert 0.2 <= time.monotonic() - started < 2.0
    assert result["held"] == sum(n for state, n in result["states"].items() if state != "free")


def test_settle_returns_once_the_thread_count_is_back_or_steady(run):
    with serve("uvicorn", migrate=False) as server:
        at_start = run(budget.settle(server))
        assert at_start >= 1
        assert run(budget.settle(server, at_start, timeout_s=1.0)) <= at_start


@pytest.mark.slow
def test_one_server_serves_every_row_and_a_row_before_does_not_count_in_the_next(run):
    rows = run(budget.thread_budget("uvicorn", requests=REQUESTS, delay_s=0.5))
    assert [row["row"] for row in rows] == [name for name, *_ in budget.ROWS]
    by_name = {row["row"]: row for row in rows}
    # the async view is measured right after the sync view, on the same server
    assert by_name["sync view"]["states"]["blocked"] == pytest.approx(1.0, abs=0.2)
    assert by_name["async view"]["states"]["idle"] == pytest.approx(1.0, abs=0.2)
    assert by_name["async view"]["new threads/request"] >= 0.8


@pytest.mark.slow
def test_under_wsgi_the_loop_threads_of_a_row_before_are_gone_before_the_next(run):
    # async_to_sync's loop threads outlive their requests until the garbage collector frees
    # their executors; unless the budget collects them, the next row reuses their count
    rows = {row["row"]: row for row in run(budget.thread_budget("waitress", requests=REQUESTS,
                                                                 delay_s=0.5))}
    for name in ("async view", "long-poll waiter", "async ORM call (slow query)"):
        assert rows[name]["states"]["idle"] == pytest.approx(1.0, abs=0.2), name
        assert rows[name]["new threads/request"] >= 0.8, name
