"""Async views under a WSGI server (waitress): what notebook 08 says still works, and what does not."""

import course

UPSTREAM_DELAY_S = 0.5


def test_gather_inside_an_async_view_still_overlaps_under_wsgi(run):
    with (course.serve("uvicorn", migrate=False) as upstream,
          course.serve("waitress", workers=1, migrate=False) as wsgi):
        query = f"upstream_port={upstream.port}&delay_s={UPSTREAM_DELAY_S}"
        replies = [run(course.get(f"{wsgi.url}/wsgi/gathered/?{query}")) for _ in range(2)]
    bodies = [reply.json() for reply in replies]
    assert all(reply.status == 200 for reply in replies)
    assert all(len(body["calls"]) == 3 for body in bodies)
    for body in bodies:  # every call started before any of them ended: they overlapped
        assert max(c["start_s"] for c in body["calls"]) < min(c["end_s"] for c in body["calls"])
    # async_to_sync runs each request's event loop on a thread made for it
    assert bodies[0]["thread"] != bodies[1]["thread"]
    assert all(body["thread"].startswith("ThreadPoolExecutor") for body in bodies)


def test_a_module_level_async_client_breaks_under_wsgi_only(run):
    outcomes = {}
    for kind in ("waitress", "uvicorn"):
        with (course.serve("uvicorn", migrate=False) as upstream,
              course.serve(kind, workers=1, migrate=False) as server):
            url = f"{server.url}/wsgi/shared-client/?upstream_port={upstream.port}"
            outcomes[kind] = [run(course.get(url)) for _ in range(3)]
    assert [reply.status for reply in outcomes["uvicorn"]] == [200, 200, 200]
    waitress = outcomes["waitress"]
    assert waitress[0].status == 200
    assert any("Event loop is closed" in reply.json().get("error", "") for reply in waitress[1:])


def test_bad_upstream_port_is_a_400(run):
    reply = run(course.get("/wsgi/gathered/?upstream_port=80"))
    assert reply.status == 400
    assert "upstream_port" in reply.json()["error"]
