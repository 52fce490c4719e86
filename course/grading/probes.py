"""What the exercise checks look at: the learner's view, its replies, and the event loop.

    view = find_view(namespace, "ex01_view", "ex01/")     # or Failed, saying what is missing
    data = json_of(reply, "ex01_view")                     # or Failed: raised, not JSON, 500 …
    async with LoopLag() as lag: ...                       # lag.worst_s: longest stall

Every problem is raised as `Failed(message)`, and each message says what is wrong and what
to change: these are the words a learner reads.
"""

import ast
import inspect
import json
import re
import sys
import textwrap
import threading

from asgiref.sync import iscoroutinefunction
from django.urls import Resolver404, resolve

from course import routes

BODY_SHOWN = 120  # characters of an unexpected body quoted in a message


class Failed(Exception):
    """The answer is not right yet; the message tells the learner what to change."""


def require_setup():
    from course import lab

    if lab._lab is None:
        raise Failed(
            "Django is not set up in this notebook yet: run the cell with "
            "`lab = course.setup()` (near the top), then the cells below it, then check again."
        )


def _mounted_function(route):
    try:
        match = resolve("/" + route)
    except Resolver404:
        return None
    if match.route.lstrip("/") != route:  # the demo project's own URLs don't count
        return None
    return getattr(match.func, "__wrapped__", match.func)  # undo the course's timing stamp


def find_view(namespace, name, route):
    """Return the function mounted at `route`, or fail saying what is missing and where."""
    view = _mounted_function(route)
    if view is not None:
        return view
    mounted_at = [path for path, view_name in routes.mounted().items() if view_name == name]
    if mounted_at:
        raise Failed(
            f"{name} is mounted at {mounted_at[0]}, but this exercise calls /{route}. "
            f'Put @course.route("{route}") on the line above `async def {name}(request):`.'
        )
    if name in namespace:
        if not callable(namespace[name]):
            raise Failed(f"{name} is {namespace[name]!r}, not a view function. "
                         f"Define it with `async def {name}(request):`.")
        raise Failed(
            f"{name} is defined but not mounted on a URL, so no request can reach it. Put "
            f'@course.route("{route}") on the line above its `def`, and run that cell again.'
        )
    raise Failed(
        f"There is no view named {name} in this notebook. Define it in the answer cell "
        f'under @course.route("{route}") and run that cell (was the cell deleted, or not run?).'
    )


def require_async(view, name, what_to_await):
    if not iscoroutinefunction(view):
        raise Failed(
            f"{name} is a plain `def` view, so Django runs it on a worker thread and it cannot "
            f"`await`. Write `async def {name}(request):` and {what_to_await}."
        )


def source_of(view):
    """The view's source code, or '' when Python cannot find it."""
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


def _raised_message(name, error, where="", where_in_django=False):
    error = error.rstrip(".")  # the messages below add their own full stop
    if error.startswith("SynchronousOnlyOperation"):
        return (
            f"{name} ran a database query directly on the event loop, and Django refused: "
            f"{error}. The usual cause is a lazy QuerySet: `await sync_to_async(Book.objects.all)()`"
            " returns a query that has not run yet, and looping over it in the view runs it "
            "there. Evaluate it inside the sync function, e.g. "
            "`await sync_to_async(lambda: list(Book.objects.values(...)))()`, or use the async "
            "ORM: `[book async for book in Book.objects.all()]`."
        )
    if error.startswith("NotImplementedError"):
        return (f"Not solved yet: {name} still raises the exercise's placeholder "
                f"({error}). Replace the `raise NotImplementedError(...)` line with your code.")
    if "add an 'await'" in error or "unawaited coroutine" in error:
        return (f"{name} returned a coroutine instead of a response: {error}. A `def` view "
                "cannot await; make it `async def` and `await` the call.")
    returned = re.search(r"'(dict|list|str|int|float|tuple|bytes|bool)' object has no attribute",
                         error)
    if returned and where_in_django:
        return (f"{name} returned a plain {returned.group(1)}, and Django's middleware failed on "
                f"it ({error}). A view must return a response: `return JsonResponse({{...}})` "
                "(from django.http) or an HttpResponse, not the data itself.")
    if "coroutine" in error or "_GatheringFuture" in error or "Future" in error:
        return (f"{name} raised {error}. Something in it is a coroutine that was never run: "
                "did you forget `await` in front of an async call (e.g. the one that "
                "sync_to_async returns)?")
    if "didn't return an HttpResponse" in error:
        return f"{error}. End {name} with `return JsonResponse({{...}})`."
    return f"{name} raised {error}{where}. Fix that error in the view."


def _where(trace):
    """' (in ex01_view, line 5: `1 / 0`)' from the traceback's last frame in the learner's own
    code (not Django's or another installed package's), else its last frame; or ''."""
    frames = re.findall(r'File "([^"]*)", line (\d+), in (\S+)\n +(.+)', trace or "")
    if not frames:
        return ""
    own = [f for f in frames if not re.search(r"[/\\](site-packages|lib[/\\]python[\d.]+)[/\\]",
                                                f[0])]
    _file, line, function, code = (own or frames)[-1]
    return f" (in {function}, line {line}: `{code.strip()}`)"


def _raised_in_django(trace):
    """True when the last frame of a traceback is Django's code, not the learner's."""
    files = re.findall(r'File "([^"]*)", line \d+', trace or "")
    return bool(files) and "/django/" in files[-1].replace("\\", "/")


def json_of(reply, name, status=200):
    """Return the reply's JSON, or fail saying why it isn't the expected JSON answer."""
    if reply.error:
        where = f" for {reply.target}{_where(reply.error_traceback)}"
        raise Failed(_raised_message(name, reply.error, where,
                                     _raised_in_django(reply.error_traceback)))
    if reply.status != status:
        body = reply.text[:BODY_SHOWN]
        raise Failed(f"{name} answered status {reply.status} to {reply.target}; expected "
                     f"{status}. Its body began: {body!r}.")
    kind = reply.headers.get("content-type", "")
    try:
        if not kind.startswith("application/json"):
            raise ValueError(kind)
        return reply.json()
    except ValueError:
        raise Failed(
            f"The response of {name} is not JSON (content type {kind!r}, body "
            f"{reply.text[:BODY_SHOWN]!r}). Return `JsonResponse({{...}})` from "
            "django.http, not HttpResponse or a string."
        ) from None


def _blocking_helpers(view):
    """Names of plain functions the view calls without `await` whose code calls time.sleep."""
    try:
        tree = ast.parse(textwrap.dedent(source_of(view)))
    except SyntaxError:
        return []
    awaited = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Await)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and id(node) not in awaited:
            helper = getattr(view, "__globals__", {}).get(node.func.id)
            if inspect.isfunction(helper) and not iscoroutinefunction(helper) \
                    and "time.sleep" in source_of(helper):
                found.append(node.func.id)
    return found


def blocking_hint(view):
    """Name the blocking call when the source shows one; otherwise list the usual suspects."""
    code = source_of(view)
    for call, fix in (("time.sleep", "`await asyncio.sleep(...)`"),
                      ("requests.", "an `httpx.AsyncClient` with `await`")):
        if call in code:
            return f"Your view calls `{call.rstrip('.')}`, which blocks: use {fix} instead."
    for helper in _blocking_helpers(view):
        return (f"Your view calls `{helper}(...)` directly, and it blocks its thread (it calls "
                f"time.sleep). Run it on a worker thread: `await sync_to_async({helper})(...)`.")
    return ("Look for a blocking call in it (time.sleep, requests, a sync library call): "
            "await an async version, or run it with `await sync_to_async(function)(...)`.")


def as_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Failed(f"{name} should be a number, got {value!r} ({type(value).__name__}).")
    return float(value)


def describe(data):
    return json.dumps(data)[:BODY_SHOWN]


UNSAFE_VARIABLE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def require_safe_environment(*functions):
    """Fail when Django's async-safety check is switched off, or the code would switch it off."""
    import os

    if os.environ.get(UNSAFE_VARIABLE) is not None:
        raise Failed(
            f"{UNSAFE_VARIABLE} is set in this kernel's environment (os.environ), which switches "
            "off Django's SynchronousOnlyOperation check: the ORM would then run on the event "
            "loop and block every request. Remove it (`os.environ.pop("
            f'"{UNSAFE_VARIABLE}")`, or restart the kernel) and solve the exercise without it.'
        )
    for function in functions:
        if UNSAFE_VARIABLE in source_of(function):
            raise Failed(f"{function.__name__} mentions {UNSAFE_VARIABLE}: switching Django's "
                         "async-safety check off is not a fix. Run the query off the event "
                         "loop instead (sync_to_async, or the async ORM).")


def _loop_running():
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _waits():
    """The code of the blocking waits a thread's stack shows while it waits for another."""
    import concurrent.futures

    return {threading.Thread.join.__code__, threading.Event.wait.__code__,
            concurrent.futures.Future.result.__code__}


def _waiting_stack(ident):
    """The code objects on thread `ident`'s stack if it is inside a blocking wait, else None."""
    frame = sys._current_frames().get(ident) if ident is not None else None
    codes = set()
    while frame is not None:
        codes.add(frame.f_code)
        frame = frame.f_back
    return codes if codes & _waits() else None


class LoopQueries:
    """Sees every database query run on a thread whose event loop is running, such as the
    check's: however DJANGO_ALLOW_ASYNC_UNSAFE was set (or split, or set only meanwhile).

        with LoopQueries() as seen:
            ...                      # the views run
        seen.require_none(views)     # Failed naming the first such query, if any

    Django refuses these itself (SynchronousOnlyOperation) unless that variable is set; this
    watches what ran instead: each connection opened meanwhile gets an execute wrapper."""

    def __enter__(self):
        from django.db.backends.signals import connection_created

        self.queries, self.waited, self._watched = [], [], []
        connection_created.connect(self._opened, weak=False, dispatch_uid=f"loop-{id(self)}")
        return self

    def __exit__(self, *exc):
        from django.db.backends.signals import connection_created

        connection_created.disconnect(dispatch_uid=f"loop-{id(self)}")
        for connection in self._watched:
            if self._execute in connection.execute_wrappers:
                connection.execute_wrappers.remove(self._execute)

    def _opened(self, sender, connection, **kwargs):
        if _loop_running():
            self.queries.append("(a connection opened)")
        connection.execute_wrappers.append(self._execute)
        self._watched.append(connection)

    def mark_loop_thread(self):
        """Called on the check's event-loop thread: a query on it counts, whatever
        asyncio.get_running_loop() says (a view may hide the running loop)."""
        self.loop_ident = threading.get_ident()

    def _execute(self, execute, sql, params, many, context):
        text = " ".join(str(sql).split())
        if _loop_running() or threading.get_ident() == getattr(self, "loop_ident", None):
            self.queries.append(text)
        else:
            stack = _waiting_stack(getattr(self, "loop_ident", None))
            if stack:
                self.waited.append((text, stack))
        return execute(sql, params, many, context)

    def require_none(self, views):
        names = " or ".join(view.__name__ for view in views) or "your code"
        codes = {getattr(v, "__code__", None) for v in views} - {None}
        held = [text for text, stack in self.waited if stack & codes]
        if held and not self.queries:
            raise Failed(
                f"{names} made the event loop wait for a database query on another thread "
                f"(`{held[0][:BODY_SHOWN]}`): .result(), .join() or .wait() in an async view "
                "holds the loop until the thread is done, and every other request waits. Await "
                "it instead: `await sync_to_async(lambda: list(...))()`, or the async ORM.")
        queries = [q for q in self.queries if not q.startswith("(")] or self.queries
        if queries:
            raise Failed(
                f"{names} ran a database query on the event loop's thread "
                f"(`{queries[0][:BODY_SHOWN]}`): the query held the loop, and every other "
                f"request waited. Django refuses that with SynchronousOnlyOperation unless "
                f"{UNSAFE_VARIABLE} is set or the running loop is hidden from it, so its check was "
                "switched off while the view ran. Run the "
                "query off the loop instead: `await sync_to_async(lambda: list(...))()`, or the "
                "async ORM (`[b async for b in Book.objects.values(...)]`).")
