import asyncio

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import JsonResponse

import course
from course.routes import mounted


def test_route_returns_the_view_unchanged(lab):
    async def unchanged(request):
        return JsonResponse({})

    assert course.route("unchanged/")(unchanged) is unchanged
    assert mounted()["/unchanged/"] == "unchanged"


def test_rerunning_a_cell_replaces_the_route(lab, run):
    @course.route("again/")
    async def first(request):
        return JsonResponse({"version": 1})

    @course.route("/again/")  # a leading slash is the same route
    async def second(request):
        return JsonResponse({"version": 2})

    assert run(course.get("/again/")).json() == {"version": 2}
    assert list(mounted()).count("/again/") == 1


def test_the_view_keeps_its_kind(lab):
    from django.urls import resolve

    @course.route("kind-sync/")
    def sync_view(request):
        return JsonResponse({})

    @course.route("kind-async/")
    async def async_view(request):
        return JsonResponse({})

    assert not iscoroutinefunction(resolve("/kind-sync/").func)
    assert iscoroutinefunction(resolve("/kind-async/").func)


def test_path_must_be_a_string():
    with pytest.raises(TypeError, match="URL path as a string"):
        course.route(42)


def test_bare_decorator_is_explained():
    with pytest.raises(TypeError, match=r'write @route\("hello/"\)'):

        @course.route
        async def forgot(request):
            pass


def test_not_a_view_is_explained():
    with pytest.raises(TypeError, match="expects a view function, got 42"):
        course.route("n/")(42)


def test_view_without_request_argument_is_explained():
    with pytest.raises(TypeError, match="must accept the request"):

        @course.route("noarg/")
        async def no_request():
            await asyncio.sleep(0)


def test_unmount_removes_a_route(lab):
    @course.route("gone/")
    async def gone(request):
        return JsonResponse({})

    assert run_status("/gone/") == 200
    course.routes.unmount("gone/")
    assert "/gone/" not in mounted()
    assert run_status("/gone/") == 404


def run_status(path):
    return asyncio.run(course.get(path)).status


def test_a_view_with_url_values_is_mounted(lab):
    @course.route("items/<int:item_id>/")
    async def item(request, item_id):
        return JsonResponse({"item_id": item_id})

    assert asyncio.run(course.get("/items/7/")).json() == {"item_id": 7}


def test_the_course_stamps_over_a_views_own_timing_headers(lab, run):
    """A view cannot choose the thread and times the course's timing checks read."""

    @course.route("forged/")
    async def forged(request):
        response = JsonResponse({})
        response["X-View-Thread"], response["X-View-Start"] = "forged", "0.0"
        return response

    reply = run(course.get("/forged/"))
    assert reply.thread not in {"", "forged"}
    assert float(reply.headers["x-view-start"]) > 1e9


def test_a_stamped_view_mounted_again_keeps_its_own_stamp(lab, run):
    """The stamp nearest the view wins: a sync view wrapped for async keeps its worker thread."""
    import threading

    from asgiref.sync import sync_to_async

    from demo_project.stamping import stamp_view

    @stamp_view
    def inner(request):
        return JsonResponse({"thread": threading.current_thread().name})

    course.route("nested/")(sync_to_async(inner))
    reply = run(course.get("/nested/"))
    assert reply.thread == reply.json()["thread"]  # the outer, async stamp would name the loop's
