"""Mount views defined in notebook cells on URLs: the embedded project's ROOT_URLCONF.

    @route("hello/")
    async def hello(request):
        return JsonResponse({"hello": "world"})

Running the cell again replaces the route; the function itself is returned unchanged.
"""

import inspect

from django.apps import apps
from django.urls import clear_url_caches, include, path

from demo_project.stamping import stamp_view

__all__ = ["mounted", "route", "unmount"]

_mounted = {}  # route string -> URLPattern, in the order they were first mounted

urlpatterns = []  # Django reads this list; _rebuild() keeps it current


def _rebuild():
    """Put the mounted views first, then the demo project's URLs (when its app is installed)."""
    demo = apps.ready and apps.is_installed("demo_project.catalog")  # not in 02's hand-made setup
    project = [path("", include("demo_project.urls"))] if demo else []
    urlpatterns[:] = [*_mounted.values(), *project]
    clear_url_caches()


def _check_view(view, route_text):
    where = f"@route({route_text!r})"
    if inspect.isclass(view):
        if hasattr(view, "as_view"):
            return view.as_view()
        raise TypeError(f"{where} expects a view function, got the class {view.__name__}.")
    if not callable(view):
        raise TypeError(
            f"{where} expects a view function, got {view!r} ({type(view).__name__}). "
            "Put @route(...) on the line above `async def my_view(request):`."
        )
    try:
        inspect.signature(view).bind_partial(object())  # the request; URL values come as keywords
    except TypeError:
        raise TypeError(
            f"{where}: the view {getattr(view, '__name__', view)!r} must accept the request "
            "as its first argument, like `async def my_view(request):`."
        ) from None
    except ValueError:  # builtins without a signature: let Django decide
        pass
    return view


def route(route_text):
    """Mount the decorated view at `route_text` (Django path syntax) and return it unchanged.

    >>> @route("books/<int:book_id>/")
    ... async def book(request, book_id): ...
    """
    if callable(route_text):  # @route without a path: the view came in its place
        raise TypeError(
            'route() needs a path: write @route("hello/") above the view, not a bare @route.'
        )
    if not isinstance(route_text, str):
        raise TypeError(
            f"route() expects the URL path as a string such as 'hello/', "
            f"got {route_text!r} ({type(route_text).__name__})."
        )
    key = route_text.lstrip("/")

    def mount(view):
        checked = _check_view(view, route_text)
        name = getattr(view, "__name__", None)
        _mounted[key] = path(key, stamp_view(checked), name=name)
        _rebuild()
        return view

    return mount


def mounted():
    """Return the mounted routes, as {'/path/': view name}."""
    return {"/" + key: pattern.name for key, pattern in _mounted.items()}


def unmount(*route_texts):
    """Remove the views mounted at these routes; unknown routes are ignored.

    >>> course.routes.unmount("hello/")
    """
    for key in (text.lstrip("/") for text in route_texts):
        _mounted.pop(key, None)
    _rebuild()


_rebuild()
