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
    from course.routes import _mounted

    @course.route("kind-sync/")
    def sync_view(request):
        return JsonResponse({})

    @course.route("kind-async/")
    async def async_view(request):
        return JsonResponse({})

    assert not iscoroutinefunction(_mounted["kind-sync/"].callback)
    assert iscoroutinefunction(_mounted["kind-async/"].callback)


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
