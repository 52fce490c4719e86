import pytest

import course
from course._ports import free_port
from course.loadtest import LoadError
from course.records import Record, Run

DELAY_S = 0.5


@pytest.fixture(scope="module")
def bare_server():
    with course.serve("uvicorn", app="course.tools.bare_app:app", migrate=False) as server:
        yield server


@pytest.mark.parametrize("client", ["raw", "aiohttp"])
def test_both_clients_load_concurrently(run, bare_server, client):
    result = run(course.loadtest.load(f"{bare_server.url}/sleep/?delay_s={DELAY_S}", requests=50,
                                      client=client, server_pid=bare_server.pid))
    assert result.statuses == [200] and len(result.records) == 50
    assert result.total_s < 3 * DELAY_S  # all fifty waited together
    assert result.extra_threads < 10  # fifty requests on one event loop: no thread each
    assert result.notes["peak_rss_mb"] > 5


def test_load_reads_the_view_stamps(run):
    with course.serve("uvicorn", migrate=False) as server:
        result = run(course.loadtest.load(f"{server.url}/sleep/sync/?delay_s=0.2", requests=3,
                                          server_pid=server.pid))
    assert len(result.threads) == 3 and result.overlapping()
    assert all(r.view_start_s is not None and r.view_end_s is not None for r in result.records)


def test_percentiles_of_latencies():
    records = [Record(f"r{i}", 0.0, float(i), "") for i in range(1, 101)]
    p = course.loadtest.latency_percentiles(Run("x", records))
    assert p["p50"] == pytest.approx(50.5) and p["p99"] == pytest.approx(99.01)


def test_a_refused_connection_names_the_request(run):
    url = f"http://127.0.0.1:{free_port()}/nothing-here/"
    for client in ("raw", "aiohttp"):
        with pytest.raises(LoadError, match=r"request \d+ of 2 \(GET http://127.0.0.1"):
            run(course.loadtest.load(url, requests=2, client=client))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"url": "/sleep/"}, "needs a server URL"),
    ({"requests": 0}, "requests must be a whole number"),
    ({"client": "curl"}, "client must be one of"),
])
def test_bad_arguments_are_explained(run, kwargs, message):
    arguments = {"url": "http://127.0.0.1:1/", **kwargs}
    with pytest.raises(ValueError, match=message):
        run(course.loadtest.load(**arguments))
