import pytest

import course
from course.server import ServerError

DELAY_S = 0.5


def test_one_worker_sync_server_serves_one_request_at_a_time(run):
    with course.serve("waitress", workers=1) as server:
        assert server.url.startswith("http://127.0.0.1:")
        result = run(course.measure(f"{server.url}/sleep/sync/?delay_s={DELAY_S}", requests=3,
                                    server_pid=server.pid))
        assert server.threads() >= 2 and server.rss_mb() > 10
    assert not server.running
    assert not result.overlapping()
    assert result.total_s > 2.5 * DELAY_S
    assert result.threads == ["waitress-0"]
    assert result.extra_threads == 0  # waitress made its one worker thread at start


def test_uvicorn_serves_async_views_concurrently(run):
    with course.serve("uvicorn", migrate=False) as server:
        result = run(course.measure(f"{server.url}/sleep/async/?delay_s={DELAY_S}", requests=3))
        books = run(course.get(f"{server.url}/health/"))
    assert not server.running
    assert result.overlapping() and result.total_s < 2 * DELAY_S
    assert result.threads == ["MainThread"]
    assert books.status == 200


def test_a_server_that_cannot_start_says_what_it_printed():
    with pytest.raises(ServerError, match="Could not import module"):
        course.serve("uvicorn", app="no_such_module:app", migrate=False, startup_timeout_s=15)


def test_stop_is_safe_twice():
    server = course.serve("uvicorn", migrate=False)
    server.stop()
    server.stop()
    assert not server.running and "stopped" in repr(server)


APP_MODULE = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b"written by a test in " + __file__.encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
"""


def test_app_dir_serves_a_module_written_to_a_folder(tmp_path, run):
    (tmp_path / "written_app.py").write_text(APP_MODULE)
    with course.serve("uvicorn", app="written_app:app", app_dir=tmp_path, migrate=False) as server:
        reply = run(course.get(server.url + "/anything/"))
    assert reply.status == 200
    assert reply.text == f"written by a test in {tmp_path / 'written_app.py'}"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "gunicorn"}, "kind must be one of"),
    ({"workers": 0}, "workers must be a whole number"),
    ({"app_dir": "/no/such/folder"}, "app_dir must be an existing folder"),
    ({"app_dir": 3}, "app_dir must be an existing folder"),
])
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        course.serve(**kwargs)
