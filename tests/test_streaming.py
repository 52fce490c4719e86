"""Streaming and long polling, through a real server: httpx's ASGITransport would buffer them."""

import asyncio
import json
import threading
import time

import httpx
import pytest

import course
from demo_project import streaming

INTERVAL_S = 0.3
CLEANUP_WAIT_S = 5.0  # the server notices a closed connection within milliseconds


@pytest.fixture(scope="module")
def server():
    with course.serve("uvicorn", migrate=False) as running:
        yield running


async def read_events(url, *, stop_after=None):
    """GET an event stream; return (seconds to headers, [(seconds to arrival, data)])."""
    arrivals = []
    async with httpx.AsyncClient(timeout=30) as http:
        started = time.perf_counter()
        async with http.stream("GET", url) as response:
            assert response.headers["content-type"] == "text/event-stream"
            headers_s = time.perf_counter() - started
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    arrivals.append((time.perf_counter() - started, json.loads(line[6:])))
                    if len(arrivals) == stop_after:
                        break  # leaving the block closes the connection mid-stream
    return headers_s, arrivals


def test_async_generator_events_arrive_one_by_one(server, run):
    _, arrivals = run(read_events(f"{server.url}/stream/events/?count=4&interval_s={INTERVAL_S}"))
    times = [seconds for seconds, _ in arrivals]
    assert [data["n"] for _, data in arrivals] == [1, 2, 3, 4]
    assert times[0] < times[-1] / 3  # the first event came long before the last
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) > INTERVAL_S / 2


def test_sync_generator_is_buffered_whole_with_a_warning(server, run):
    headers_s, arrivals = run(
        read_events(f"{server.url}/stream/events/sync/?count=4&interval_s={INTERVAL_S}"))
    first_s, last_s = arrivals[0][0], arrivals[-1][0]
    assert first_s > 0.9 * last_s  # all events together, at the end
    assert headers_s < first_s / 3  # the status line and headers were not held back
    assert "must consume synchronous iterators" in server.log_text()


def test_a_disconnect_cancels_the_view_which_records_it(server, run):
    async def disconnect_then_find_cleanup():
        _, arrivals = await read_events(f"{server.url}/stream/events/?count=50&interval_s=0.2",
                                        stop_after=2)
        stream = arrivals[0][1]["stream"]
        deadline = time.monotonic() + CLEANUP_WAIT_S
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                found = [c for c in (await http.get(f"{server.url}/stream/cleanups/")).json()[
                    "cleanups"] if c["stream"] == stream]
                if found:
                    return found[0]
                await asyncio.sleep(0.05)
        return None

    cleanup = run(disconnect_then_find_cleanup())
    assert cleanup is not None, "the view never recorded the disconnect"
    assert cleanup["reason"].startswith("cancelled") and cleanup["of"] == 50
    assert 2 <= cleanup["sent"] < 50


def test_long_poll_waiters_all_answer_right_after_a_publish(server, run):
    async def three_waiters_and_a_publish():
        async with httpx.AsyncClient(timeout=30) as http:
            started = time.perf_counter()

            async def wait():
                response = await http.get(f"{server.url}/poll/wait/?timeout_s=10")
                return response, time.perf_counter() - started

            waiters = [asyncio.create_task(wait()) for _ in range(3)]
            await asyncio.sleep(0.8)
            published_s = time.perf_counter() - started
            published = await http.post(f"{server.url}/poll/publish/", json={"message": "hi"})
            return published, published_s, await asyncio.gather(*waiters)

    published, published_s, answers = run(three_waiters_and_a_publish())
    assert published.status_code == 200 and published.json()["woke"] == 3
    for response, answered_s in answers:
        assert response.status_code == 200
        assert [event["message"] for event in response.json()["events"]] == ["hi"]
        assert published_s < answered_s < 1.5 * published_s  # woken, not timed out


def test_long_poll_answers_204_at_its_timeout(server, run):
    timeout_s = 0.4
    started = time.perf_counter()
    reply = run(course.get(f"{server.url}/poll/wait/?timeout_s={timeout_s}"))
    elapsed_s = time.perf_counter() - started
    assert reply.status == 204 and reply.text == ""
    assert timeout_s <= elapsed_s < 5 * timeout_s


def test_long_poll_after_an_older_id_answers_at_once(server, run):
    run(course.asgi.request("POST", f"{server.url}/poll/publish/", data={"message": "earlier"}))
    reply = run(course.get(f"{server.url}/poll/wait/?timeout_s=10&after=0"))
    assert reply.status == 200 and reply.json()["events"][-1]["message"] == "earlier"
    assert reply.elapsed_s < 2.0  # far below the 10-s timeout


def test_two_events_published_between_polls_both_reach_the_next_poll(server, run):
    async def poll_publish_twice_poll():
        async with httpx.AsyncClient(timeout=30) as http:
            first = await http.post(f"{server.url}/poll/publish/", json={"message": "one"})
            seen = first.json()["event"]["id"]
            for message in ("two", "three"):  # the client is between two polls
                await http.post(f"{server.url}/poll/publish/", json={"message": message})
            return seen, await http.get(f"{server.url}/poll/wait/?timeout_s=10&after={seen}")

    seen, reply = run(poll_publish_twice_poll())
    events = reply.json()["events"]
    assert reply.status_code == 200
    assert [event["message"] for event in events] == ["two", "three"]
    assert [event["id"] for event in events] == [seen + 1, seen + 2]
    assert reply.json()["last_id"] == seen + 2


@pytest.mark.parametrize("query", [
    "/stream/events/?count=0", "/stream/events/?count=abc", "/stream/events/?count=101",
    "/stream/events/?count=2.5", "/stream/events/?interval_s=-1", "/stream/events/?interval_s=99",
    "/stream/events/sync/?count=0", "/poll/wait/?timeout_s=x", "/poll/wait/?timeout_s=60",
    "/poll/wait/?after=-1", "/stream/events/?interval_s=nan", "/poll/wait/?timeout_s=nan",
])
def test_bad_parameters_are_a_json_400(server, run, query):
    reply = run(course.get(server.url + query))
    assert reply.status == 400
    name = query.split("?")[1].split("=")[0]
    assert name in reply.json()["error"]


def test_publish_needs_post_and_a_text_message(server, run):
    wrong_method = run(course.get(f"{server.url}/poll/publish/"))
    not_an_object = run(course.asgi.request("POST", f"{server.url}/poll/publish/", json=[1]))
    too_long = run(course.asgi.request("POST", f"{server.url}/poll/publish/",
                                  json={"message": "x" * 1000}))
    assert wrong_method.status == 405
    assert not_an_object.status == 400 and "JSON object" in not_an_object.json()["error"]
    assert too_long.status == 400 and "at most" in too_long.json()["error"]


def test_sse_event_encoding():
    assert streaming.sse_event(3, {"n": 3}) == 'id: 3\nevent: tick\ndata: {"n": 3}\n\n'


def test_broadcast_in_process_wakes_waiters_and_times_out():
    async def scenario():
        broadcast = streaming.Broadcast()
        nobody = await broadcast.wait(after_id=0, timeout_s=0.05)
        waiters = [asyncio.create_task(broadcast.wait(after_id=0, timeout_s=5)) for _ in range(2)]
        await asyncio.sleep(0.05)
        event, woken = broadcast.publish("news")
        return nobody, event, woken, await asyncio.gather(*waiters)

    nobody, event, woken, answers = asyncio.run(scenario())
    assert nobody == [] and woken == 2
    assert answers == [[event], [event]] and event["message"] == "news"


def test_broadcast_keeps_a_bounded_history():
    async def scenario():
        broadcast = streaming.Broadcast()
        for n in range(broadcast.HISTORY_KEPT + 5):
            broadcast.publish(f"event {n}")
        return broadcast, await broadcast.wait(after_id=0, timeout_s=1)

    broadcast, events = asyncio.run(scenario())
    assert len(events) == broadcast.HISTORY_KEPT  # the 5 oldest were forgotten
    assert events[0]["message"] == "event 5" and events[-1]["id"] == broadcast.latest_id


def test_broadcast_followed_from_many_threads_while_others_publish():
    # Under WSGI each request's async view runs on an event loop of its own, in its own thread.
    broadcast, publishers, per_publisher, errors = streaming.Broadcast(), 4, 20, []
    total = publishers * per_publisher  # below HISTORY_KEPT, so no follower may miss one
    seen = {}

    def follow(name):  # long-poll until every event was seen, each poll on a new loop
        ids, deadline = [], time.monotonic() + 10
        while len(ids) < total and time.monotonic() < deadline:
            events = asyncio.run(broadcast.wait(after_id=ids[-1] if ids else 0, timeout_s=1))
            ids += [event["id"] for event in events]
        seen[name] = ids

    def publish(name):
        for n in range(per_publisher):
            broadcast.publish(f"{name} {n}")
            time.sleep(0.001)

    def guarded(work, name):
        try:
            work(name)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(f"{name}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=guarded, args=(follow, f"follower {i}")) for i in range(6)]
    threads += [threading.Thread(target=guarded, args=(publish, f"publisher {i}"))
                for i in range(publishers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert broadcast.latest_id == total
    assert all(ids == list(range(1, total + 1)) for ids in seen.values()), seen
